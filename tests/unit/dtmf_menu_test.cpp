// The keypad menu's key map: defaults, a room's own keys over them, and the maps refused.
#include "mcu/conference/dtmf_menu.h"

#include <gtest/gtest.h>

namespace mcu::conference {
namespace {

TEST(DtmfMenuTest, DefaultsAndARoomsOwnKeys) {
  EXPECT_EQ(menuActionFor({}, "*6"), MenuAction::kMute);
  EXPECT_EQ(menuActionFor({}, "*8"), MenuAction::kMuteOthers);
  EXPECT_EQ(menuActionFor({}, "*2"), MenuAction::kCount);
  EXPECT_FALSE(menuActionFor({}, "#2")) << "no default on #2";
  EXPECT_FALSE(menuActionFor({}, "")) << "nothing pressed";
  const MenuKeys own{{"mute", "#2"}, {"hand", ""}};
  EXPECT_EQ(menuActionFor(own, "#2"), MenuAction::kMute);
  EXPECT_FALSE(menuActionFor(own, "*6")) << "moved away";
  EXPECT_FALSE(menuActionFor(own, "*1")) << "turned off";
  EXPECT_EQ(menuActionFor(own, "*7"), MenuAction::kListenUp) << "unnamed: its default";
  EXPECT_EQ(effectiveMenu(own).size(), allMenuActions().size());
  EXPECT_TRUE(moderatorOnly(MenuAction::kLock));
  EXPECT_FALSE(moderatorOnly(MenuAction::kMute));
}

TEST(DtmfMenuTest, MapsThatCannotWorkAreRefusedWithTheReason) {
  EXPECT_EQ(menuProblem({}), "");
  EXPECT_EQ(menuProblem({{"mute", "#9"}, {"help", ""}}), "");
  EXPECT_NE(menuProblem({{"dance", "*2"}}).find("not a menu action"), std::string::npos);
  for (const char* bad : {"6", "**", "*66", "*a", " *6"}) {
    EXPECT_NE(menuProblem({{"mute", bad}}).find("* or #"), std::string::npos) << bad;
  }
  EXPECT_NE(menuProblem({{"mute", "*1"}}).find("two actions"), std::string::npos)
      << "*1 is the hand's by default";
  EXPECT_EQ(menuProblem({{"mute", "*1"}, {"hand", "#2"}}), "") << "unless the hand moves too";
  EXPECT_NE(menuProblem({{"hand", "*2"}}).find("two actions"), std::string::npos)
      << "*2 is the count's";
}

}  // namespace
}  // namespace mcu::conference
