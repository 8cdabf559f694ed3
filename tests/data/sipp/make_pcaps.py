#!/usr/bin/env python3
"""Writes the RTP captures the sipp scenarios play (tests/sipp/*.xml, play_pcap_audio), so that
no test reads sip-tester's own files outside the repository. Run once; the .pcap files it writes
are committed beside it:
  tone_pcma.pcap       7 s of a 440 Hz tone, G.711 A-law (payload type 8), 20 ms packets
  dtmf_2833_N.pcap     RFC 4733 telephone-event N (payload type 101): 7 packets, then 3 ends,
                       at a timestamp of its own
sipp sends only the UDP payloads, from its own media port, paced by the capture's times."""
import math
import struct
import sys
from pathlib import Path

RATE = 8000
FRAME = 160  # 20 ms at 8 kHz


def alaw(sample):
    """One 16-bit linear sample as a G.711 A-law byte (ITU-T G.711, segment coding)."""
    shifted = max(-32768, min(32767, sample)) >> 3  # 13 bits, rounded towards -infinity
    sign = 0x80 if shifted >= 0 else 0x00
    magnitude = shifted if shifted >= 0 else -shifted - 1
    if magnitude < 32:
        code = magnitude >> 1
    else:
        segment = magnitude.bit_length() - 5
        code = (segment << 4) | ((magnitude >> segment) & 0x0F)
    return (code | sign) ^ 0x55


def frame(udp_payload, src_port=8000, dst_port=6000):
    """Ethernet + IPv4 + UDP around an RTP packet (loopback-style documentation addresses)."""
    udp = struct.pack("!HHHH", src_port, dst_port, 8 + len(udp_payload), 0) + udp_payload
    ip_header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                            bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2]))
    checksum = sum(struct.unpack("!10H", ip_header))
    checksum = ~((checksum & 0xFFFF) + (checksum >> 16)) & 0xFFFF
    ip_header = ip_header[:10] + struct.pack("!H", checksum) + ip_header[12:]
    ethernet = bytes(6) + bytes([2, 0, 0, 0, 0, 1]) + b"\x08\x00"
    return ethernet + ip_header + udp


def write_pcap(path, packets):
    """packets: (seconds since start, frame bytes)."""
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for at, data in packets:
            seconds = int(at)
            micros = int(round((at - seconds) * 1e6))
            out.write(struct.pack("<IIII", 1_700_000_000 + seconds, micros, len(data), len(data)))
            out.write(data)


def rtp(pt, seq, timestamp, ssrc, payload, marker=False):
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, seq, timestamp, ssrc) + payload


def tone(path, seconds=7.0, hz=440.0, amplitude=8000):
    packets = []
    for n in range(int(seconds * RATE / FRAME)):
        samples = (int(amplitude * math.sin(2 * math.pi * hz * (n * FRAME + i) / RATE))
                   for i in range(FRAME))
        payload = bytes(alaw(s) for s in samples)
        packets.append((n * 0.02, frame(rtp(8, n + 1, n * FRAME, 0x4D435531, payload))))
    write_pcap(path, packets)


def dtmf(path, digit):
    packets = []
    for n in range(10):
        end = n >= 7
        duration = min(n + 1, 8) * FRAME
        payload = struct.pack("!BBH", digit, (0x80 if end else 0) | 10, duration)
        at = min(n, 7) * 0.02 + (n - 7) * 0.00005 * (n >= 7)
        # Each digit its own timestamp and sequence range: a receiver tells events apart by
        # timestamp (RFC 4733 §2.5.1.2), and the four digits of a PIN come from one stream.
        packets.append((at, frame(rtp(101, 100 + 20 * digit + min(n, 7), 3200 + 8000 * digit,
                                      0x4D435532, payload, marker=(n == 0)))))
    write_pcap(path, packets)


def main():
    here = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    tone(here / "tone_pcma.pcap")
    for digit in range(10):
        dtmf(here / f"dtmf_2833_{digit}.pcap", digit)


if __name__ == "__main__":
    main()
