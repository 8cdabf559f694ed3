#include "mixer/codec/recorded_length.h"

#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace mcu::mixer::codec {
namespace {

std::uint64_t readLe(const std::uint8_t* b, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) {
    v = (v << 8U) | b[i];
  }
  return v;
}

bool readAt(std::ifstream& in, std::uint64_t at, std::uint8_t* out, std::size_t n) {
  in.clear();
  in.seekg(static_cast<std::streamoff>(at));
  in.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(n));
  return static_cast<std::size_t>(in.gcount()) == n;
}

// RFC 7845: the last complete page's granule position, less the OpusHead's pre-skip, in 48 kHz
// samples. A page cut short by the crash is not counted. Page by page, never the whole file.
std::optional<std::int64_t> oggDurationMs(std::ifstream& in, std::uint64_t size) {
  constexpr std::size_t kHeader = 27;
  std::array<std::uint8_t, kHeader + 255> page{};
  std::uint64_t at = 0;
  std::uint64_t pre_skip = 0;
  std::uint64_t granule = 0;
  bool head = false;
  while (readAt(in, at, page.data(), kHeader) && std::memcmp(page.data(), "OggS", 4) == 0) {
    const std::size_t segments = page[26];
    if (!readAt(in, at + kHeader, page.data() + kHeader, segments)) {
      break;
    }
    std::uint64_t body = 0;
    for (std::size_t i = 0; i < segments; ++i) {
      body += page[kHeader + i];
    }
    const std::uint64_t data = at + kHeader + segments;
    if (data + body > size) {
      break;
    }
    if (!head) {
      std::array<std::uint8_t, 19> opus_head{};
      if (body < opus_head.size() || !readAt(in, data, opus_head.data(), opus_head.size()) ||
          std::memcmp(opus_head.data(), "OpusHead", 8) != 0) {
        return std::nullopt;
      }
      pre_skip = readLe(&opus_head[10], 2);
      head = true;
    } else if (const auto g = readLe(&page[6], 8); g != ~std::uint64_t{0}) {
      granule = g;
    }
    at = data + body;
  }
  if (!head) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>((granule > pre_skip ? granule - pre_skip : 0) / 48);
}

// The header's data size (brought up to date at each sync) over its byte rate.
std::optional<std::int64_t> wavDurationMs(std::ifstream& in) {
  std::array<std::uint8_t, 44> h{};
  if (!readAt(in, 0, h.data(), h.size()) || std::memcmp(h.data(), "RIFF", 4) != 0 ||
      std::memcmp(&h[8], "WAVE", 4) != 0 || std::memcmp(&h[36], "data", 4) != 0) {
    return std::nullopt;
  }
  const auto byte_rate = readLe(&h[28], 4);
  if (byte_rate == 0) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(readLe(&h[40], 4) * 1000 / byte_rate);
}

}  // namespace

std::optional<RecordedLength> recordedLength(const std::string& path, bool ogg) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) {
    return std::nullopt;
  }
  const auto duration = ogg ? oggDurationMs(in, size) : wavDurationMs(in);
  if (!duration) {
    return std::nullopt;
  }
  return RecordedLength{.bytes = size, .duration_ms = *duration};
}

}  // namespace mcu::mixer::codec
