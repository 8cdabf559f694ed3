// Structured logging: one line per event, `key=value` pairs, written to stderr.
//
//   ts=2026-11-24T18:00:00.123Z level=info component=sip event=ready sip_udp=0.0.0.0:5060
//
// Every line starts with ts, level, component and event; the rest are fields (room, call_id, ...).
// Values with spaces, quotes or '=' are double-quoted with \" and \\ escaped, so a line splits
// unambiguously. Levels are configured once at start-up, before other threads exist; after that
// the configuration is only read, so the hot path takes no lock until it writes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mcu::log {

enum class Level : std::uint8_t { kTrace, kDebug, kInfo, kWarn, kError, kOff };

std::optional<Level> parseLevel(std::string_view text);
std::string_view levelName(Level level);

// Call before starting threads: the levels are read without synchronisation afterwards.
void configure(Level default_level, const std::map<std::string, Level, std::less<>>& components);
bool enabled(Level level, std::string_view component);

// Quotes a value when it would otherwise break `key=value` splitting.
std::string formatValue(std::string_view value);

// Builds one line and writes it when destroyed, at the end of the full expression:
//   log::info("sip", "options_answered").kv("call_id", id);
class Line {
 public:
  Line(Level level, std::string_view component, std::string_view event);
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;
  Line(Line&&) = delete;
  Line& operator=(Line&&) = delete;
  ~Line();

  Line& kv(std::string_view key, std::string_view value);
  Line& kv(std::string_view key, const char* value) { return kv(key, std::string_view(value)); }
  Line& kv(std::string_view key, const std::string& value) {
    return kv(key, std::string_view(value));
  }
  Line& kv(std::string_view key, std::int64_t value);
  Line& kv(std::string_view key, int value) { return kv(key, static_cast<std::int64_t>(value)); }
  Line& kv(std::string_view key, std::uint64_t value);
  Line& kv(std::string_view key, bool value) { return kv(key, value ? "true" : "false"); }

 private:
  bool enabled_;
  std::string text_;
};

inline Line trace(std::string_view c, std::string_view e) { return {Level::kTrace, c, e}; }
inline Line debug(std::string_view c, std::string_view e) { return {Level::kDebug, c, e}; }
inline Line info(std::string_view c, std::string_view e) { return {Level::kInfo, c, e}; }
inline Line warn(std::string_view c, std::string_view e) { return {Level::kWarn, c, e}; }
inline Line error(std::string_view c, std::string_view e) { return {Level::kError, c, e}; }

}  // namespace mcu::log
