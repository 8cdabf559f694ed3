// Prometheus text exposition (format 0.0.4) of one metric family: its HELP and TYPE lines and
// its samples. What the server's own metrics and the process metrics are written with.
#pragma once

#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace mcu::app {

// One unlabelled sample.
inline void writeMetric(std::ostringstream& out, const char* name, const char* type,
                        const char* help, double value) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n"
      << name << " " << value << "\n";
}

// Samples that differ by one label (`label`="value").
inline void writeLabelled(std::ostringstream& out, const char* name, const char* type,
                          const char* help, const char* label,
                          const std::vector<std::pair<std::string, double>>& series) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
  for (const auto& [value, number] : series) {
    out << name << "{" << label << "=\"" << value << "\"} " << number << "\n";
  }
}

// An "info" metric (Prometheus convention): a constant 1 whose labels carry the facts.
inline void writeInfo(std::ostringstream& out, const char* name, const char* help,
                      const std::vector<std::pair<std::string, std::string>>& labels) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n" << name << "{";
  const char* separator = "";
  for (const auto& [label, value] : labels) {
    out << separator << label << "=\"" << value << "\"";
    separator = ",";
  }
  out << "} 1\n";
}

}  // namespace mcu::app
