#include "mixer/rtp/rtp_packet.h"

#include <algorithm>
#include <cstring>

#include "mixer/rtp/byte_order.h"

namespace mcu::mixer::rtp {
namespace {

// RFC 8285 one-byte header elements: id (4 bits), length-1 (4 bits), data; id 0 is padding.
void readOneByteExtensions(std::span<const std::uint8_t> ext, int audio_level_id, int csrc_level_id,
                           RtpHeader& h) {
  std::size_t i = 0;
  while (i < ext.size()) {
    const int id = ext[i] >> 4;
    const std::size_t len = static_cast<std::size_t>(ext[i] & 0x0F) + 1;
    if (id == 0) {
      ++i;
      continue;
    }
    if (id == 15 || i + 1 + len > ext.size()) {
      return;
    }
    if (id == audio_level_id) {
      h.voice_activity = (ext[i + 1] & 0x80) != 0;
      h.audio_level = static_cast<std::uint8_t>(ext[i + 1] & 0x7F);
    } else if (id == csrc_level_id) {
      h.csrc_level_count = static_cast<std::uint8_t>(std::min(len, h.csrc_levels.size()));
      for (std::size_t k = 0; k < h.csrc_level_count; ++k) {
        h.csrc_levels[k] = static_cast<std::uint8_t>(ext[i + 1 + k] & 0x7F);
      }
    }
    i += 1 + len;
  }
}

}  // namespace

bool looksLikeRtcp(std::span<const std::uint8_t> data) {
  return data.size() >= 2 && (data[1] >= 192 && data[1] <= 223);
}

std::optional<RtpPacketView> parseRtp(std::span<const std::uint8_t> data, int audio_level_id,
                                      int csrc_level_id) {
  if (data.size() < kRtpHeaderSize || data.size() > kMaxRtpPacket || (data[0] >> 6) != 2 ||
      looksLikeRtcp(data)) {
    return std::nullopt;
  }
  const bool padding = (data[0] & 0x20) != 0;
  const bool extension = (data[0] & 0x10) != 0;
  const std::size_t csrc_count = data[0] & 0x0F;
  RtpPacketView view;
  view.header.marker = (data[1] & 0x80) != 0;
  view.header.payload_type = data[1] & 0x7F;
  view.header.sequence = read16(&data[2]);
  view.header.timestamp = read32(&data[4]);
  view.header.ssrc = read32(&data[8]);
  std::size_t offset = kRtpHeaderSize + 4 * csrc_count;
  if (offset > data.size()) {
    return std::nullopt;
  }
  view.header.csrc_count = static_cast<std::uint8_t>(csrc_count);
  for (std::size_t i = 0; i < csrc_count; ++i) {
    view.header.csrcs[i] = read32(&data[kRtpHeaderSize + 4 * i]);
  }
  if (extension) {
    if (offset + 4 > data.size()) {
      return std::nullopt;
    }
    const std::uint16_t profile = read16(&data[offset]);
    const std::size_t words = read16(&data[offset + 2]);
    if (offset + 4 + 4 * words > data.size()) {
      return std::nullopt;
    }
    if (profile == 0xBEDE && (audio_level_id > 0 || csrc_level_id > 0)) {
      readOneByteExtensions(data.subspan(offset + 4, 4 * words), audio_level_id, csrc_level_id,
                            view.header);
    }
    offset += 4 + 4 * words;
  }
  std::size_t end = data.size();
  if (padding) {
    const std::size_t pad = data.back();
    if (pad == 0 || pad > end - offset) {
      return std::nullopt;
    }
    end -= pad;
  }
  if (end <= offset) {
    return std::nullopt;
  }
  view.payload = data.subspan(offset, end - offset);
  return view;
}

std::size_t writeRtp(const RtpHeader& header, std::span<const std::uint8_t> payload,
                     std::span<std::uint8_t> out, int audio_level_id, int csrc_level_id) {
  const bool own_level =
      audio_level_id > 0 && audio_level_id < 15 && header.audio_level.has_value();
  const std::size_t csrcs = std::min<std::size_t>(header.csrc_count, header.csrcs.size());
  const std::size_t levels =
      csrc_level_id > 0 && csrc_level_id < 15
          ? std::min<std::size_t>(header.csrc_level_count, header.csrc_levels.size())
          : 0;
  // One-byte elements (header byte + data), padded to whole 32-bit words.
  const std::size_t elements = (own_level ? 2 : 0) + (levels > 0 ? 1 + levels : 0);
  const std::size_t words = (elements + 3) / 4;
  const bool ext = words > 0;
  const std::size_t size = kRtpHeaderSize + 4 * csrcs + (ext ? 4 + 4 * words : 0) + payload.size();
  if (out.size() < size) {
    return 0;
  }
  out[0] = static_cast<std::uint8_t>(0x80 | (ext ? 0x10 : 0) | csrcs);
  out[1] = static_cast<std::uint8_t>((header.marker ? 0x80 : 0) | (header.payload_type & 0x7F));
  write16(&out[2], header.sequence);
  write32(&out[4], header.timestamp);
  write32(&out[8], header.ssrc);
  std::size_t offset = kRtpHeaderSize;
  for (std::size_t i = 0; i < csrcs; ++i, offset += 4) {
    write32(&out[offset], header.csrcs[i]);
  }
  if (ext) {
    write16(&out[offset], 0xBEDE);
    write16(&out[offset + 2], static_cast<std::uint16_t>(words));
    std::size_t at = offset + 4;
    if (own_level) {
      out[at++] = static_cast<std::uint8_t>(audio_level_id << 4);  // length 1 -> 0
      out[at++] = static_cast<std::uint8_t>((header.voice_activity ? 0x80 : 0) |
                                            (*header.audio_level & 0x7F));
    }
    if (levels > 0) {
      out[at++] =
          static_cast<std::uint8_t>((static_cast<unsigned>(csrc_level_id) << 4U) | (levels - 1));
      for (std::size_t k = 0; k < levels; ++k) {
        out[at++] = static_cast<std::uint8_t>(header.csrc_levels[k] & 0x7F);
      }
    }
    while (at < offset + 4 + 4 * words) {
      out[at++] = 0;  // padding (id 0)
    }
    offset = at;
  }
  if (!payload.empty()) {
    std::memcpy(&out[offset], payload.data(), payload.size());
  }
  return size;
}

}  // namespace mcu::mixer::rtp
