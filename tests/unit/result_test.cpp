// The one error idiom: a value or a readable Error, and the same for work that returns nothing.
#include "mcu/common/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace mcu {
namespace {

Result<int> half(int n) {
  if (n % 2 != 0) {
    return Error{std::to_string(n) + " is odd"};
  }
  return n / 2;
}

Result<void> checkEven(int n) {
  if (auto halved = half(n); !halved) {
    return Error{"not even: " + halved.error()};
  }
  return {};
}

TEST(ResultTest, AValueOrAnErrorThatSaysWhy) {
  const auto good = half(8);
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(static_cast<bool>(good));
  EXPECT_EQ(*good, 4);
  const auto bad = half(7);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), "7 is odd");
}

TEST(ResultTest, NothingOnSuccessAndTheCauseCarriedUp) {
  EXPECT_TRUE(checkEven(2).ok());
  const auto odd = checkEven(3);
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error(), "not even: 3 is odd");
}

TEST(ResultTest, AStringValueIsNotTakenForAnError) {
  const Result<std::string> text = std::string("hello");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "hello");
  const Result<std::string> problem = Error{"hello"};
  EXPECT_FALSE(problem.ok());
}

TEST(ResultTest, MoveOnlyValuesMoveOut) {
  Result<std::unique_ptr<int>> boxed = std::make_unique<int>(5);
  ASSERT_TRUE(boxed.ok());
  const std::unique_ptr<int> taken = std::move(*boxed);
  EXPECT_EQ(*taken, 5);
}

}  // namespace
}  // namespace mcu
