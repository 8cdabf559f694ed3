#include "mixer/codec/wav_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace mcu::mixer::codec {
namespace {

constexpr std::uint32_t kRate = 48000;

void putLe(std::uint8_t* p, std::uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    p[i] = static_cast<std::uint8_t>(v >> (8 * i));
  }
}

}  // namespace

WavWriter::~WavWriter() { close(); }

bool WavWriter::open(const std::string& path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd_ < 0) {
    return false;
  }
  std::array<std::uint8_t, kHeaderBytes> header{};
  std::memcpy(&header[0], "RIFF", 4);
  std::memcpy(&header[8], "WAVEfmt ", 8);
  putLe(&header[16], 16, 4);  // fmt chunk size
  putLe(&header[20], 1, 2);   // PCM
  putLe(&header[22], 1, 2);   // mono
  putLe(&header[24], kRate, 4);
  putLe(&header[28], kRate * 2, 4);  // bytes per second
  putLe(&header[32], 2, 2);          // block align
  putLe(&header[34], 16, 2);         // bits per sample
  std::memcpy(&header[36], "data", 4);
  writeAt(header, 0);
  updateSizes();
  return !failed_;
}

void WavWriter::write(std::span<const std::uint8_t> pcm) {
  if (fd_ < 0 || failed_) {
    return;
  }
  writeAt(pcm, kHeaderBytes + data_bytes_);
  if (!failed_) {
    data_bytes_ += pcm.size();
  }
}

bool WavWriter::sync() {
  if (fd_ < 0) {
    return false;
  }
  updateSizes();
  return !failed_ && ::fdatasync(fd_) == 0;
}

void WavWriter::close() {
  if (fd_ < 0) {
    return;
  }
  sync();
  ::close(fd_);
  fd_ = -1;
}

void WavWriter::updateSizes() {
  std::array<std::uint8_t, 4> size{};
  putLe(size.data(), static_cast<std::uint32_t>(kHeaderBytes - 8 + data_bytes_), 4);
  writeAt(size, 4);
  putLe(size.data(), static_cast<std::uint32_t>(data_bytes_), 4);
  writeAt(size, 40);
}

// pwrite: the header is rewritten in place while the data grows after it.
void WavWriter::writeAt(std::span<const std::uint8_t> bytes, std::uint64_t offset) {
  std::size_t done = 0;
  while (!failed_ && done < bytes.size()) {
    const ssize_t n =
        ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      failed_ = true;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace mcu::mixer::codec
