// The keypad menu for callers without an API (issue 15 item 5): a star or hash, then a digit.
// A room may move or turn off any key (rooms.dtmf_menu); the defaults are those of FreeSWITCH
// and ConfBridge users' habits: *6 mute, *4/*7 listen volume, *3/*9 talk volume, *1 hand,
// *0 help, *2 the participant count; moderators also *5 lock and *8 mute all others.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcu::conference {

enum class MenuAction : std::uint8_t {
  kMute,
  kListenDown,
  kListenUp,
  kTalkDown,
  kTalkUp,
  kHand,
  kHelp,
  kCount,       // how many are in the room, said to the caller
  kLock,        // moderators only
  kMuteOthers,  // moderators only
};

std::string_view menuActionText(MenuAction action);
std::optional<MenuAction> menuActionFromText(std::string_view text);
const std::vector<MenuAction>& allMenuActions();
bool moderatorOnly(MenuAction action);

// The room's own keys (action name → "*6", or "" for off) over the defaults.
using MenuKeys = std::map<std::string, std::string, std::less<>>;
MenuKeys effectiveMenu(const MenuKeys& overrides);
// The action `keys` (two characters: * or #, then a digit) starts in a room with `overrides`.
std::optional<MenuAction> menuActionFor(const MenuKeys& overrides, std::string_view keys);
// Why a room's key map cannot be used ("" when it can): unknown action, malformed key, or one
// key for two actions.
std::string menuProblem(const MenuKeys& overrides);

}  // namespace mcu::conference
