#include "mcu/common/log.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "mcu/common/iso_time.h"

namespace mcu::log {
namespace {

std::atomic<Level> g_default_level{Level::kInfo};
// Written by configure() before threads start, only read afterwards.
std::map<std::string, Level, std::less<>>& componentLevels() {
  static std::map<std::string, Level, std::less<>> levels;
  return levels;
}

std::mutex& writeMutex() {
  static std::mutex m;
  return m;
}

std::string timestamp() { return isoUtcMillis(std::chrono::system_clock::now()); }

}  // namespace

std::optional<Level> parseLevel(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, Level>, 7> kNames{{
      {"trace", Level::kTrace},
      {"debug", Level::kDebug},
      {"info", Level::kInfo},
      {"warn", Level::kWarn},
      {"warning", Level::kWarn},
      {"error", Level::kError},
      {"off", Level::kOff},
  }};
  for (const auto& [name, level] : kNames) {
    if (name == text) {
      return level;
    }
  }
  return std::nullopt;
}

std::string_view levelName(Level level) {
  switch (level) {
    case Level::kTrace:
      return "trace";
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kOff:
      return "off";
  }
  return "unknown";
}

void configure(Level default_level, const std::map<std::string, Level, std::less<>>& components) {
  g_default_level.store(default_level);
  componentLevels() = components;
}

bool enabled(Level level, std::string_view component) {
  if (level == Level::kOff) {
    return false;
  }
  const auto& levels = componentLevels();
  const auto it = levels.find(component);
  const Level threshold = it != levels.end() ? it->second : g_default_level.load();
  return level >= threshold;
}

std::string formatValue(std::string_view value) {
  const bool needs_quotes =
      value.empty() || value.find_first_of(" \t\"=\\\r\n") != std::string_view::npos;
  if (!needs_quotes) {
    return std::string(value);
  }
  std::string out = "\"";
  for (const char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
  out += '"';
  return out;
}

Line::Line(Level level, std::string_view component, std::string_view event)
    : enabled_(enabled(level, component)) {
  if (!enabled_) {
    return;
  }
  text_.reserve(160);
  text_ += "ts=";
  text_ += timestamp();
  text_ += " level=";
  text_ += levelName(level);
  text_ += " component=";
  text_ += formatValue(component);
  text_ += " event=";
  text_ += formatValue(event);
}

Line::~Line() {
  if (!enabled_) {
    return;
  }
  text_ += '\n';
  const std::lock_guard lock(writeMutex());
  // One write() per line keeps lines whole even when another process shares the file.
  const char* data = text_.data();
  std::size_t left = text_.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, data, left);
    if (n <= 0) {
      return;
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
}

Line& Line::kv(std::string_view key, std::string_view value) {
  if (enabled_) {
    text_ += ' ';
    text_ += key;
    text_ += '=';
    text_ += formatValue(value);
  }
  return *this;
}

Line& Line::kv(std::string_view key, std::int64_t value) {
  return enabled_ ? kv(key, std::string_view(std::to_string(value))) : *this;
}

Line& Line::kv(std::string_view key, std::uint64_t value) {
  return enabled_ ? kv(key, std::string_view(std::to_string(value))) : *this;
}

}  // namespace mcu::log
