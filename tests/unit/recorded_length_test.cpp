// What a crash leaves: files written by the recording's own writers, synced and never closed,
// then cut short mid-page as a crash during a write would. recordedLength must read the length
// up to the last whole page (Ogg) or header update (WAV), and refuse what is not ours.
#include "mixer/codec/recorded_length.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "mixer/codec/ogg_opus_writer.h"
#include "mixer/codec/wav_writer.h"
#include "tests/support/child_process.h"

namespace mcu::mixer::codec {
namespace {

namespace fs = std::filesystem;

TEST(RecordedLengthTest, AnOggFileLeftOpenIsAsLongAsItsLastWholePage) {
  const test::TempPath path{"crash.ogg"};
  OggOpusWriter writer;
  ASSERT_TRUE(writer.open(path.path(), 1, 7));
  const std::vector<std::uint8_t> packet(40, 0x5A);
  for (int i = 0; i < 100; ++i) {  // 2 s
    writer.write(packet, 960);
  }
  ASSERT_TRUE(writer.sync());
  const auto synced = fs::file_size(path.path());
  for (int i = 0; i < 60; ++i) {  // 1.2 s more: a whole page written, never synced
    writer.write(packet, 960);
  }
  const auto length = recordedLength(path.path(), true);
  ASSERT_TRUE(length.has_value());
  EXPECT_EQ(length->duration_ms, 3000) << "what reached the file counts, synced or not";
  EXPECT_EQ(length->bytes, fs::file_size(path.path()));
  // The crash cut the file in the middle of a page after the sync: that page is not counted.
  fs::resize_file(path.path(), synced + 30);
  const auto cut = recordedLength(path.path(), true);
  ASSERT_TRUE(cut.has_value());
  EXPECT_EQ(cut->duration_ms, 2000);
  EXPECT_EQ(cut->bytes, synced + 30);
}

// A recording that ends before its first frame (the disk floor, seen at the first look) is
// closed with an end-of-stream page of no segments: a whole file of no length.
TEST(RecordedLengthTest, AnOggFileClosedBeforeItsFirstFrameIsWholeAndEmpty) {
  const test::TempPath path{"empty.ogg"};
  OggOpusWriter writer;
  ASSERT_TRUE(writer.open(path.path(), 1, 7));
  writer.close();
  const auto length = recordedLength(path.path(), true);
  ASSERT_TRUE(length.has_value());
  EXPECT_EQ(length->duration_ms, 0);
  EXPECT_EQ(length->bytes, fs::file_size(path.path()));
  std::ifstream in(path.path(), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto last = bytes.rfind("OggS");
  ASSERT_NE(last, std::string::npos);
  EXPECT_EQ(bytes[last + 5] & 0x04, 0x04) << "the last page ends the stream";
  EXPECT_EQ(bytes.size(), last + 27) << "and holds no segment";
}

TEST(RecordedLengthTest, AWavFileLeftOpenIsAsLongAsItsLastHeaderUpdate) {
  const test::TempPath path{"crash.wav"};
  WavWriter writer;
  ASSERT_TRUE(writer.open(path.path()));
  const std::vector<std::uint8_t> pcm(960 * 2, 0x11);  // 20 ms of 48 kHz 16-bit mono
  for (int i = 0; i < 75; ++i) {                       // 1.5 s
    writer.write(pcm);
  }
  ASSERT_TRUE(writer.sync());
  writer.write(pcm);  // after the last sync: not in the header
  const auto length = recordedLength(path.path(), false);
  ASSERT_TRUE(length.has_value());
  EXPECT_EQ(length->duration_ms, 1500);
  EXPECT_EQ(length->bytes, fs::file_size(path.path()));
}

TEST(RecordedLengthTest, AMissingFileOrOneThatIsNotOursHasNoLength) {
  const test::TempPath path{"other.bin"};
  EXPECT_FALSE(recordedLength(path.path(), true).has_value());
  std::ofstream(path.path(), std::ios::binary) << std::string(100, 'x');
  EXPECT_FALSE(recordedLength(path.path(), true).has_value());
  EXPECT_FALSE(recordedLength(path.path(), false).has_value());
}

}  // namespace
}  // namespace mcu::mixer::codec
