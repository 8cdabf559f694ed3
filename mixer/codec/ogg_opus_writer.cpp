#include "mixer/codec/ogg_opus_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace mcu::mixer::codec {
namespace {

constexpr int kPacketsPerPage = 50;      // one page a second at 20 ms
constexpr std::uint16_t kPreSkip = 312;  // libopus encoder lookahead at 48 kHz (RFC 7845 §4.2)

// Ogg's CRC-32: polynomial 0x04c11db7, no reflection, initial value 0 (RFC 3533 §6).
std::uint32_t oggCrc(std::span<const std::uint8_t> bytes, std::uint32_t crc = 0) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t r = i << 24;
      for (int j = 0; j < 8; ++j) {
        r = (r & 0x80000000U) != 0 ? (r << 1) ^ 0x04c11db7U : r << 1;
      }
      t[i] = r;
    }
    return t;
  }();
  for (const std::uint8_t b : bytes) {
    crc = (crc << 8) ^ table[((crc >> 24) ^ b) & 0xFF];
  }
  return crc;
}

void putLe(std::uint8_t* p, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    p[i] = static_cast<std::uint8_t>(v >> (8 * i));
  }
}

std::vector<std::uint8_t> lacingFor(std::size_t size) {
  std::vector<std::uint8_t> lacing(size / 255, 255);
  lacing.push_back(static_cast<std::uint8_t>(size % 255));
  return lacing;
}

}  // namespace

OggOpusWriter::~OggOpusWriter() { close(); }

bool OggOpusWriter::open(const std::string& path, int channels, std::uint32_t serial) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd_ < 0) {
    return false;
  }
  serial_ = serial;
  std::array<std::uint8_t, 19> head{'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1};
  head[9] = static_cast<std::uint8_t>(channels);
  putLe(&head[10], kPreSkip, 2);
  putLe(&head[12], 48000, 4);  // original input rate, informational
  // output gain 0, channel mapping family 0: already zero.
  writePage(head, lacingFor(head.size()), 0x02, 0);
  const std::string vendor = "mcu";
  std::vector<std::uint8_t> tags{'O', 'p', 'u', 's', 'T', 'a', 'g', 's', 0, 0, 0, 0};
  putLe(&tags[8], vendor.size(), 4);
  tags.insert(tags.end(), vendor.begin(), vendor.end());
  tags.insert(tags.end(), {0, 0, 0, 0});  // no user comments
  writePage(tags, lacingFor(tags.size()), 0x00, 0);
  granule_ = kPreSkip;
  return true;
}

void OggOpusWriter::write(std::span<const std::uint8_t> packet, std::uint32_t samples) {
  if (fd_ < 0 || packet.empty()) {
    return;
  }
  data_.insert(data_.end(), packet.begin(), packet.end());
  const auto lacing = lacingFor(packet.size());
  lacing_.insert(lacing_.end(), lacing.begin(), lacing.end());
  granule_ += samples;
  if (++packets_in_page_ >= kPacketsPerPage || lacing_.size() > 200) {
    flushPage(false);
  }
}

std::uint64_t OggOpusWriter::samples() const {
  return granule_ > kPreSkip ? granule_ - kPreSkip : 0;
}

bool OggOpusWriter::sync() {
  if (fd_ < 0) {
    return false;
  }
  flushPage(false);
  return !failed_ && ::fdatasync(fd_) == 0;
}

void OggOpusWriter::close() {
  if (fd_ < 0) {
    return;
  }
  flushPage(true);
  ::fdatasync(fd_);
  ::close(fd_);
  fd_ = -1;
}

void OggOpusWriter::flushPage(bool last) {
  if (data_.empty() && !last) {
    return;
  }
  writePage(data_, lacing_, last ? 0x04 : 0x00, granule_);
  data_.clear();
  lacing_.clear();
  packets_in_page_ = 0;
}

void OggOpusWriter::writePage(std::span<const std::uint8_t> data,
                              std::span<const std::uint8_t> lacing, std::uint8_t flags,
                              std::uint64_t granule) {
  std::vector<std::uint8_t> page(27 + lacing.size() + data.size());
  std::memcpy(page.data(), "OggS", 4);
  page[4] = 0;  // version
  page[5] = flags;
  putLe(&page[6], granule, 8);
  putLe(&page[14], serial_, 4);
  putLe(&page[18], sequence_++, 4);
  // CRC (bytes 22-25) is computed with the field zeroed.
  page[26] = static_cast<std::uint8_t>(lacing.size());
  // std::copy, not memcpy: the last page of a recording closed before its first frame has no
  // segments, and memcpy from the null data() of an empty span is undefined (UBSan stopped the
  // server on it when a recording ended below the disk floor at its first look).
  std::copy(lacing.begin(), lacing.end(), page.begin() + 27);
  std::copy(data.begin(), data.end(),
            page.begin() + 27 + static_cast<std::ptrdiff_t>(lacing.size()));
  putLe(&page[22], oggCrc(page), 4);
  std::size_t done = 0;
  while (!failed_ && done < page.size()) {
    const ssize_t n = ::write(fd_, page.data() + done, page.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      failed_ = true;  // ENOSPC and the like: the recording ends (the writer sees failed())
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  bytes_ += done;
}

}  // namespace mcu::mixer::codec
