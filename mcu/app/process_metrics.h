// The process metrics every Prometheus client library exports (process_cpu_seconds_total,
// process_resident_memory_bytes, process_open_fds, process_max_fds,
// process_start_time_seconds), read from the kernel at scrape time: dashboards and alerts
// written for any service work on ours.
#pragma once

#include <sstream>

namespace mcu::app {

void writeProcessMetrics(std::ostringstream& out);

}  // namespace mcu::app
