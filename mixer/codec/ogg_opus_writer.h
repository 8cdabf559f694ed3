// Writes Opus packets into an Ogg/Opus file (RFC 7845, Ogg per RFC 3533): the OpusHead and
// OpusTags pages, then audio pages with granule positions at 48 kHz. Written by hand rather
// than with GStreamer's oggmux, which runs its own streaming thread (an aggregator): a
// recording then costs no thread, and file writes are buffered so the media thread rarely
// touches the disk.
#pragma once

#include <cstdint>
#include <fstream>
#include <span>
#include <string>
#include <vector>

namespace mcu::mixer::codec {

class OggOpusWriter {
 public:
  OggOpusWriter() = default;
  OggOpusWriter(const OggOpusWriter&) = delete;
  OggOpusWriter& operator=(const OggOpusWriter&) = delete;
  ~OggOpusWriter();

  // Creates the file and writes the headers; false if it cannot be created.
  bool open(const std::string& path, int channels, std::uint32_t serial);
  // One Opus packet of `samples` 48 kHz samples per channel (960 for 20 ms).
  void write(std::span<const std::uint8_t> packet, std::uint32_t samples);
  // Flushes the last page (end of stream) and closes the file.
  void close();
  bool isOpen() const { return file_.is_open(); }

 private:
  void writePage(std::span<const std::uint8_t> data, std::span<const std::uint8_t> lacing,
                 std::uint8_t flags, std::uint64_t granule);
  void flushPage(bool last);

  std::ofstream file_;  // buffered: the media thread rarely reaches the disk
  std::uint32_t serial_ = 0;
  std::uint32_t sequence_ = 0;
  std::uint64_t granule_ = 0;
  std::vector<std::uint8_t> data_;    // packets of the page being filled
  std::vector<std::uint8_t> lacing_;  // their segment table
  int packets_in_page_ = 0;
};

}  // namespace mcu::mixer::codec
