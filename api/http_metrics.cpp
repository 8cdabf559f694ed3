#include "api/http_metrics.h"

#include <sstream>

namespace mcu::api {

void HttpMetrics::record(int status, std::chrono::nanoseconds duration) {
  const int cls = status >= 100 && status < 600 ? status / 100 : 0;
  ++by_class_.at(static_cast<std::size_t>(cls));
  const double seconds = static_cast<double>(duration.count()) / 1e9;
  std::size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets.at(bucket)) {
    ++bucket;
  }
  ++buckets_.at(bucket);
  ++count_;
  sum_ns_ += static_cast<std::uint64_t>(duration.count());
}

std::string HttpMetrics::render() const {
  std::ostringstream out;
  out << "# HELP mcu_http_requests_total HTTP requests answered, by status class.\n"
      << "# TYPE mcu_http_requests_total counter\n";
  for (std::size_t cls = 1; cls < by_class_.size(); ++cls) {
    out << "mcu_http_requests_total{code=\"" << cls << "xx\"} " << by_class_.at(cls).load() << "\n";
  }
  out << "# HELP mcu_http_request_duration_seconds Time to answer an HTTP request.\n"
      << "# TYPE mcu_http_request_duration_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += buckets_.at(i).load();
    out << "mcu_http_request_duration_seconds_bucket{le=\"" << kBuckets.at(i) << "\"} "
        << cumulative << "\n";
  }
  cumulative += buckets_.back().load();
  out << "mcu_http_request_duration_seconds_bucket{le=\"+Inf\"} " << cumulative << "\n"
      << "mcu_http_request_duration_seconds_sum " << static_cast<double>(sum_ns_.load()) / 1e9
      << "\n"
      << "mcu_http_request_duration_seconds_count " << count_.load() << "\n";
  return out.str();
}

}  // namespace mcu::api
