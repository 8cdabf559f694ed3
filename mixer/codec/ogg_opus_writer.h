// Writes Opus packets into an Ogg/Opus file (RFC 7845, Ogg per RFC 3533): the OpusHead and
// OpusTags pages, then audio pages with granule positions at 48 kHz. Written by hand rather
// than with GStreamer's oggmux, which runs its own streaming thread (an aggregator), or with
// libopusenc, which encodes from PCM itself (the mixer already has the Opus packets; libogg
// would add only the page framing written here). It is run by the recording writer's thread
// (mixer/engine/recording_writer.h), never by a media thread: each page is written when full
// (once a second at 20 ms a packet), and sync() makes what is written durable.
#pragma once

#include <cstdint>
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
  // Writes the page being filled (so that a crash after it loses nothing before) and makes the
  // file durable (fdatasync). False if the disk refused a write.
  bool sync();
  // Flushes the last page (end of stream) and closes the file.
  void close();
  bool isOpen() const { return fd_ >= 0; }
  bool failed() const { return failed_; }
  std::uint64_t bytes() const { return bytes_; }
  std::uint64_t samples() const;  // of audio written, per channel

 private:
  void writePage(std::span<const std::uint8_t> data, std::span<const std::uint8_t> lacing,
                 std::uint8_t flags, std::uint64_t granule);
  void flushPage(bool last);

  int fd_ = -1;
  bool failed_ = false;  // a write was refused (the disk is full): later ones are not tried
  std::uint64_t bytes_ = 0;
  std::uint32_t serial_ = 0;
  std::uint32_t sequence_ = 0;
  std::uint64_t granule_ = 0;
  std::vector<std::uint8_t> data_;    // packets of the page being filled
  std::vector<std::uint8_t> lacing_;  // their segment table
  int packets_in_page_ = 0;
};

}  // namespace mcu::mixer::codec
