#include "mcu/conference/dtmf_menu.h"

#include <array>
#include <set>

namespace mcu::conference {
namespace {

struct MenuEntry {
  MenuAction action;
  std::string_view name;
  std::string_view key;
};

constexpr std::array<MenuEntry, 10> kMenu{{
    {MenuAction::kMute, "mute", "*6"},
    {MenuAction::kListenDown, "listen_down", "*4"},
    {MenuAction::kListenUp, "listen_up", "*7"},
    {MenuAction::kTalkDown, "talk_down", "*3"},
    {MenuAction::kTalkUp, "talk_up", "*9"},
    {MenuAction::kHand, "hand", "*1"},
    {MenuAction::kHelp, "help", "*0"},
    {MenuAction::kCount, "count", "*2"},
    {MenuAction::kLock, "lock", "*5"},
    {MenuAction::kMuteOthers, "mute_others", "*8"},
}};

bool wellFormedKey(std::string_view key) {
  return key.empty() ||
         (key.size() == 2 && (key[0] == '*' || key[0] == '#') && key[1] >= '0' && key[1] <= '9');
}

}  // namespace

std::string_view menuActionText(MenuAction action) {
  for (const auto& entry : kMenu) {
    if (entry.action == action) {
      return entry.name;
    }
  }
  return "";
}

std::optional<MenuAction> menuActionFromText(std::string_view text) {
  for (const auto& entry : kMenu) {
    if (entry.name == text) {
      return entry.action;
    }
  }
  return std::nullopt;
}

const std::vector<MenuAction>& allMenuActions() {
  static const std::vector<MenuAction> actions = [] {
    std::vector<MenuAction> all;
    for (const auto& entry : kMenu) {
      all.push_back(entry.action);
    }
    return all;
  }();
  return actions;
}

bool moderatorOnly(MenuAction action) {
  return action == MenuAction::kLock || action == MenuAction::kMuteOthers;
}

MenuKeys effectiveMenu(const MenuKeys& overrides) {
  MenuKeys keys;
  for (const auto& entry : kMenu) {
    const auto own = overrides.find(entry.name);
    keys.emplace(entry.name, own == overrides.end() ? std::string(entry.key) : own->second);
  }
  return keys;
}

std::optional<MenuAction> menuActionFor(const MenuKeys& overrides, std::string_view keys) {
  if (keys.empty()) {
    return std::nullopt;
  }
  for (const auto& [name, key] : effectiveMenu(overrides)) {
    if (key == keys) {
      return menuActionFromText(name);
    }
  }
  return std::nullopt;
}

std::string menuProblem(const MenuKeys& overrides) {
  for (const auto& [name, key] : overrides) {
    if (!menuActionFromText(name)) {
      return "'" + name + "' is not a menu action";
    }
    if (!wellFormedKey(key)) {
      return "the key of '" + name + "' must be * or # then a digit, or \"\" for off";
    }
  }
  std::set<std::string> used;
  for (const auto& [name, key] : effectiveMenu(overrides)) {
    if (!key.empty() && !used.insert(key).second) {
      return "the key " + key + " is given to two actions";
    }
  }
  return "";
}

}  // namespace mcu::conference
