#include "mcu/config/config.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "mcu/common/result.h"
#include "mcu/config/config_schema.h"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, not in a header

namespace mcu::config {
namespace {

std::string_view typeName(toml::node_type t) {
  switch (t) {
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::table:
      return "table";
    case toml::node_type::array:
      return "array";
    default:
      return "date/time";
  }
}

std::optional<ConfigError> applyText(const OptionSpec& spec, std::string_view text,
                                     const std::string& source, Config& config) {
  if (auto problem = spec.apply(text, config)) {
    return ConfigError{std::string(spec.key), source, *problem};
  }
  return std::nullopt;
}

// Turns one TOML value into the option's text form, checking its type first.
Result<std::string> tomlText(const OptionSpec& spec, const toml::node& node) {
  const auto wrong = [&](std::string_view expected) {
    return Result<std::string>(Error{"wrong type: expected " + std::string(expected) + ", got " +
                                     std::string(typeName(node.type()))});
  };
  switch (spec.type) {
    case ValueType::kString:
      if (const auto* s = node.as_string()) {
        return s->get();
      }
      return wrong("string");
    case ValueType::kInteger:
      if (const auto* i = node.as_integer()) {
        return std::to_string(i->get());
      }
      return wrong("integer");
    case ValueType::kBoolean:
      if (const auto* b = node.as_boolean()) {
        return std::string(b->get() ? "true" : "false");
      }
      return wrong("boolean");
    case ValueType::kTable: {
      const auto* table = node.as_table();
      if (table == nullptr) {
        return wrong("table");
      }
      std::string text;
      for (const auto& [name, value] : *table) {
        const auto* s = value.as_string();
        if (s == nullptr) {
          return Error{"wrong type for " + std::string(name.str()) + ": expected string"};
        }
        text += std::string(name.str()) + "=" + s->get() + ",";
      }
      return text;
    }
  }
  return wrong("value");
}

std::optional<ConfigError> applyFile(const std::string& path, Config& config) {
  const std::string source = "file:" + path;
  if (::access(path.c_str(), R_OK) != 0) {
    return ConfigError{"config", source, "cannot read the file"};
  }
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return ConfigError{"config", source + ":" + std::to_string(where.line),
                       "TOML syntax: " + std::string(e.description())};
  }
  for (const auto& [section, section_node] : root) {
    const auto* table = section_node.as_table();
    if (table == nullptr) {
      return ConfigError{std::string(section.str()), source,
                         "unknown key (top-level keys are sections such as [sip])"};
    }
    for (const auto& [name, node] : *table) {
      const std::string key = std::string(section.str()) + "." + std::string(name.str());
      const OptionSpec* spec = findOption(key);
      if (spec == nullptr) {
        return ConfigError{key, source, "unknown key"};
      }
      auto text = tomlText(*spec, node);
      if (!text) {
        return ConfigError{key, source, text.error()};
      }
      if (auto err = applyText(*spec, *text, source, config)) {
        return err;
      }
    }
  }
  return std::nullopt;
}

// The non-throwing form: a path the kernel refuses (too long, a loop of links) is a
// ConfigError naming the key like a missing one, never an exception out of start-up (the
// config fuzzer found the throwing form with a 400-character prompts.dir).
bool isDirectory(const std::string& path) {
  std::error_code error;
  return std::filesystem::is_directory(path, error);
}

std::optional<ConfigError> validate(const Config& config) {
  if (config.database_url.empty()) {
    return ConfigError{"database.url", "default",
                       "required: set DATABASE_URL, --database-url or [database] url "
                       "(deploy/local run starts an embedded PostgreSQL and sets it)"};
  }
  if (config.media_port_min >= config.media_port_max) {
    return ConfigError{"media.port_max", "config", "must be above media.port_min"};
  }
  if (!config.sip_tls_cert_dir.empty() || config.sip_tls_listen) {
    if (config.sip_tls_cert_dir.empty()) {
      return ConfigError{"sip.tls_cert_dir", "default", "required when sip.tls_listen is set"};
    }
    const std::string agent = config.sip_tls_cert_dir + "/agent.pem";
    if (::access(agent.c_str(), R_OK) != 0) {
      return ConfigError{"sip.tls_cert_dir", "config", "cannot read " + agent};
    }
  }
  if (!config.prompts_dir.empty() && (!isDirectory(config.prompts_dir) ||
                                      ::access(config.prompts_dir.c_str(), R_OK | X_OK) != 0)) {
    return ConfigError{"prompts.dir", "config", "not a readable directory: " + config.prompts_dir};
  }
  if (!config.recordings_dir.empty() &&
      (!isDirectory(config.recordings_dir) ||
       ::access(config.recordings_dir.c_str(), W_OK | X_OK) != 0)) {
    return ConfigError{"recordings.dir", "config",
                       "not a writable directory: " + config.recordings_dir};
  }
  if (!config.prompts_music.empty()) {
    // Decoded at start (a file that is not audio stops the server there, naming this key).
    if (config.prompts_dir.empty()) {
      return ConfigError{"prompts.music", "config", "needs prompts.dir, the directory it is in"};
    }
    if (config.prompts_music.find('/') != std::string::npos || config.prompts_music == "." ||
        config.prompts_music == "..") {
      return ConfigError{"prompts.music", "config",
                         "a file name in prompts.dir, not a path: " + config.prompts_music};
    }
    const std::string file = config.prompts_dir + "/" + config.prompts_music;
    std::error_code error;
    if (!std::filesystem::is_regular_file(file, error) || ::access(file.c_str(), R_OK) != 0) {
      return ConfigError{"prompts.music", "config", "cannot read " + file};
    }
  }
  if (config.cluster_enabled && config.cluster_sip_address.empty() &&
      (config.sip_listen.host == "0.0.0.0" || config.sip_listen.host == "::")) {
    return ConfigError{"cluster.sip_address", "default",
                       "required when cluster.enabled is set and sip.listen is a wildcard"};
  }
  if (config.http_tls_cert.empty() != config.http_tls_key.empty()) {
    return config.http_tls_cert.empty()
               ? ConfigError{"http.tls_cert", "default", "required when http.tls_key is set"}
               : ConfigError{"http.tls_key", "default", "required when http.tls_cert is set"};
  }
  for (const auto& [key, path] : {std::pair{"http.tls_cert", &config.http_tls_cert},
                                  std::pair{"http.tls_key", &config.http_tls_key}}) {
    if (!path->empty() && ::access(path->c_str(), R_OK) != 0) {
      return ConfigError{key, "config", "cannot read " + *path};
    }
  }
  return std::nullopt;
}

}  // namespace

Environment processEnvironment() {
  Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string_view::npos) {
      env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
    }
  }
  return env;
}

std::variant<Config, ConfigError> load(const FlagValues& flags, const Environment& env) {
  Config config;
  std::optional<std::string> file = flags.config_file;
  if (!file) {
    if (const auto it = env.find("MCU_CONFIG"); it != env.end() && !it->second.empty()) {
      file = it->second;
    }
  }
  if (file) {
    if (auto err = applyFile(*file, config)) {
      return *err;
    }
  }
  for (const auto& spec : optionSpecs()) {
    if (const auto it = env.find(std::string(spec.env)); it != env.end()) {
      if (auto err = applyText(spec, it->second, "env:" + std::string(spec.env), config)) {
        return *err;
      }
    }
  }
  for (const auto& [key, text] : flags.by_key) {
    const OptionSpec* spec = findOption(key);
    if (spec == nullptr) {
      return ConfigError{key, "flag", "unknown key"};
    }
    if (auto err = applyText(*spec, text, "flag:" + std::string(spec->flag), config)) {
      return *err;
    }
  }
  if (auto err = validate(config)) {
    return *err;
  }
  return config;
}

}  // namespace mcu::config
