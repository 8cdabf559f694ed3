// Text that arrived from the network (a SIP display name, URI or Call-ID) made safe to store in
// PostgreSQL and to show in JSON, without dropping or cutting anything: PostgreSQL refuses
// invalid UTF-8 and NUL (the call record would be lost), and JSON output cannot carry them.
#pragma once

#include <string>
#include <string_view>

namespace mcu::text {

// For names people read. Valid UTF-8 stays as it is; a byte that is not part of valid UTF-8
// is read as Latin-1 (what older PBXs send), and C0 controls and DEL are written as \xNN.
std::string readableText(std::string_view raw);

// For URIs and identifiers: bytes outside printable ASCII are percent-encoded (RFC 3986), so
// the text is still the same URI.
std::string asciiText(std::string_view raw);

}  // namespace mcu::text
