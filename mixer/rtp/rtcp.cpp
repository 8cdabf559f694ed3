#include "mixer/rtp/rtcp.h"

#include <algorithm>
#include <cstring>

#include "mixer/rtp/byte_order.h"

namespace mcu::mixer::rtp {
namespace {

constexpr std::uint8_t kSr = 200;
constexpr std::uint8_t kRr = 201;
constexpr std::uint8_t kSdes = 202;

}  // namespace

void ReceiveStatistics::onPacket(std::uint16_t sequence, std::uint32_t ssrc, double jitter_units) {
  if (!started_ || ssrc != ssrc_) {
    *this = ReceiveStatistics{};
    started_ = true;
    ssrc_ = ssrc;
    base_seq_ = sequence;
    max_seq_ = sequence;
  }
  const auto delta = static_cast<std::uint16_t>(sequence - max_seq_);
  if (delta > 0 && delta < 0x8000) {
    if (sequence < max_seq_) {
      ++cycles_;  // wrapped
    }
    max_seq_ = sequence;
  }
  ++received_;
  jitter_ = jitter_units;
}

std::optional<ReceiveStatistics::Block> ReceiveStatistics::nextBlock() {
  if (!started_) {
    return std::nullopt;
  }
  Block b;
  b.ssrc = ssrc_;
  b.extended_highest = (cycles_ << 16) | max_seq_;
  const std::uint64_t expected = static_cast<std::uint64_t>(b.extended_highest) - base_seq_ + 1;
  b.cumulative_lost = static_cast<std::int32_t>(std::clamp<std::int64_t>(
      static_cast<std::int64_t>(expected) - static_cast<std::int64_t>(received_), -0x800000,
      0x7FFFFF));
  const std::uint64_t expected_interval = expected - expected_prior_;
  const std::uint64_t received_interval = received_ - received_prior_;
  expected_prior_ = expected;
  received_prior_ = received_;
  if (expected_interval > 0 && expected_interval > received_interval) {
    b.fraction_lost = static_cast<std::uint8_t>(((expected_interval - received_interval) << 8) /
                                                expected_interval);
  }
  b.jitter = static_cast<std::uint32_t>(jitter_);
  return b;
}

std::size_t writeSenderReport(const SenderInfo& sender,
                              const std::optional<ReceiveStatistics::Block>& block,
                              std::string_view cname, std::span<std::uint8_t> out) {
  const std::size_t sr_size = 28 + (block ? 24 : 0);
  const std::size_t cname_len = std::min<std::size_t>(cname.size(), 255);
  // SDES: header, SSRC, CNAME item (type, length, text), END, padded to 32 bits.
  const std::size_t sdes_size = (4 + 4 + 2 + cname_len + 1 + 3) / 4 * 4;
  if (out.size() < sr_size + sdes_size) {
    return 0;
  }
  std::uint8_t* p = out.data();
  std::memset(p, 0, sr_size + sdes_size);
  p[0] = static_cast<std::uint8_t>(0x80 | (block ? 1 : 0));
  p[1] = kSr;
  write16(p + 2, static_cast<std::uint32_t>(sr_size / 4 - 1));
  write32(p + 4, sender.ssrc);
  write32(p + 8, static_cast<std::uint32_t>(sender.ntp >> 32));
  write32(p + 12, static_cast<std::uint32_t>(sender.ntp));
  write32(p + 16, sender.rtp_timestamp);
  write32(p + 20, sender.packets);
  write32(p + 24, sender.octets);
  if (block) {
    std::uint8_t* r = p + 28;
    write32(r, block->ssrc);
    r[4] = block->fraction_lost;
    const auto lost = static_cast<std::uint32_t>(block->cumulative_lost) & 0xFFFFFF;
    r[5] = static_cast<std::uint8_t>(lost >> 16);
    r[6] = static_cast<std::uint8_t>(lost >> 8);
    r[7] = static_cast<std::uint8_t>(lost);
    write32(r + 8, block->extended_highest);
    write32(r + 12, block->jitter);
    // LSR/DLSR stay 0: we have not received an SR from this peer to reference.
  }
  std::uint8_t* s = p + sr_size;
  s[0] = 0x81;
  s[1] = kSdes;
  write16(s + 2, static_cast<std::uint32_t>(sdes_size / 4 - 1));
  write32(s + 4, sender.ssrc);
  s[8] = 1;  // CNAME
  s[9] = static_cast<std::uint8_t>(cname_len);
  std::memcpy(s + 10, cname.data(), cname_len);
  return sr_size + sdes_size;
}

std::optional<RemoteReport> parseReports(std::span<const std::uint8_t> data, std::uint32_t our_ssrc,
                                         std::uint64_t now_ntp) {
  std::optional<RemoteReport> found;
  std::size_t offset = 0;
  while (offset + 4 <= data.size()) {
    const std::uint8_t* h = &data[offset];
    if ((h[0] >> 6) != 2) {
      return std::nullopt;
    }
    const std::size_t length = (static_cast<std::size_t>(h[2] << 8 | h[3]) + 1) * 4;
    if (offset + length > data.size()) {
      return std::nullopt;
    }
    const std::size_t count = h[0] & 0x1F;
    std::size_t blocks_at = 0;
    if (h[1] == kSr) {
      blocks_at = 28;
    } else if (h[1] == kRr) {
      blocks_at = 8;
    }
    if (blocks_at > 0 && blocks_at + count * 24 <= length) {
      for (std::size_t i = 0; i < count; ++i) {
        const std::uint8_t* r = h + blocks_at + i * 24;
        if (read32(r) != our_ssrc) {
          continue;
        }
        RemoteReport report;
        report.fraction_lost = r[4] / 256.0;
        std::uint32_t lost = (std::uint32_t{r[5]} << 16U) | (std::uint32_t{r[6]} << 8U) | r[7];
        if ((lost & 0x800000) != 0) {
          lost |= 0xFF000000;  // 24-bit signed
        }
        report.cumulative_lost = static_cast<std::int32_t>(lost);
        report.jitter = read32(r + 12);
        const std::uint32_t lsr = read32(r + 16);
        const std::uint32_t dlsr = read32(r + 20);
        if (lsr != 0) {
          const std::uint32_t rtt = ntpMiddle(now_ntp) - lsr - dlsr;  // 1/65536 s
          report.rtt_ms = static_cast<double>(rtt) * 1000.0 / 65536.0;
        }
        found = report;
      }
    }
    offset += length;
  }
  return found;
}

}  // namespace mcu::mixer::rtp
