#include "mixer/codec/sample_fifo.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <vector>

namespace mcu::mixer::codec {
namespace {

std::vector<std::uint8_t> bytesOf(const std::vector<std::int16_t>& samples) {
  std::vector<std::uint8_t> out(samples.size() * 2);
  std::memcpy(out.data(), samples.data(), out.size());
  return out;
}

TEST(SampleFifoTest, OddSizedBuffersComeOutAsWholeFramesInOrder) {
  SampleFifo fifo;
  std::vector<std::int16_t> in(10);
  for (std::size_t i = 0; i < in.size(); ++i) {
    in[i] = static_cast<std::int16_t>(i - 5);
  }
  const auto bytes = bytesOf(in);
  fifo.pushBytes(std::span(bytes).first(7));  // three samples and half of a fourth
  std::array<std::int16_t, 4> frame{};
  EXPECT_FALSE(fifo.pop(frame)) << "three samples do not make a frame";
  fifo.pushBytes(std::span(bytes).subspan(6));  // the fourth sample onwards
  ASSERT_TRUE(fifo.pop(frame));
  EXPECT_EQ(frame, (std::array<std::int16_t, 4>{-5, -4, -3, -2}));
  ASSERT_TRUE(fifo.pop(frame));
  EXPECT_EQ(frame, (std::array<std::int16_t, 4>{-1, 0, 1, 2}));
  EXPECT_EQ(fifo.size(), 2U);
  EXPECT_FALSE(fifo.pop(frame));
}

TEST(SampleFifoTest, TrimDropsTheOldestAndKeepsTheNewest) {
  SampleFifo fifo;
  fifo.pushBytes(bytesOf({1, 2, 3, 4, 5, 6}));
  fifo.trim(4);
  EXPECT_EQ(fifo.size(), 4U);
  std::array<std::int16_t, 4> frame{};
  ASSERT_TRUE(fifo.pop(frame));
  EXPECT_EQ(frame, (std::array<std::int16_t, 4>{3, 4, 5, 6}));
  // What follows a trim and a pop still lines up after the compaction of the next push.
  fifo.pushBytes(bytesOf({7, 8, 9, 10}));
  ASSERT_TRUE(fifo.pop(frame));
  EXPECT_EQ(frame, (std::array<std::int16_t, 4>{7, 8, 9, 10}));
  EXPECT_EQ(fifo.size(), 0U);
}

}  // namespace
}  // namespace mcu::mixer::codec
