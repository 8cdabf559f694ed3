// Writes 16-bit mono PCM at 48 kHz to a WAV file (RIFF, WAVE_FORMAT_PCM), for recordings asked
// for as WAV. The header's sizes are brought up to date at every sync(), not only at the end, so
// a file a crash left behind plays up to its last sync. Run by the recording writer's thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace mcu::mixer::codec {

class WavWriter {
 public:
  WavWriter() = default;
  WavWriter(const WavWriter&) = delete;
  WavWriter& operator=(const WavWriter&) = delete;
  ~WavWriter();

  // Creates the file and writes the header; false if it cannot be created.
  bool open(const std::string& path);
  // Samples as little-endian 16-bit bytes (what a frame's samples are on this machine).
  void write(std::span<const std::uint8_t> pcm);
  // Brings the header up to date and makes the file durable. False if the disk refused.
  bool sync();
  void close();
  bool isOpen() const { return fd_ >= 0; }
  bool failed() const { return failed_; }
  std::uint64_t bytes() const { return kHeaderBytes + data_bytes_; }
  std::uint64_t samples() const { return data_bytes_ / 2; }

 private:
  static constexpr std::uint64_t kHeaderBytes = 44;
  void writeAt(std::span<const std::uint8_t> bytes, std::uint64_t offset);
  void updateSizes();

  int fd_ = -1;
  bool failed_ = false;
  std::uint64_t data_bytes_ = 0;
};

}  // namespace mcu::mixer::codec
