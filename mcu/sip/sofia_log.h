// Routes sofia-sip's own diagnostics (tport, nta, nua) into our structured log, one line per
// message with component=sofia, instead of free text on stderr.
#pragma once

namespace mcu::sip {

void routeSofiaLogsToStructuredLog();

}  // namespace mcu::sip
