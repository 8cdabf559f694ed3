// Secrets we keep only as hashes: API tokens (random, so one SHA-256 is enough) and room PINs
// (short, so salted; a PIN is a door code for a call, not a password, and the stored length
// lets a DTMF caller be told "wrong" without pressing #). OpenSSL stays inside secret.cpp.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mcu::secret {

std::string sha256Hex(std::string_view data);
// `bytes` bytes from the system's CSPRNG, hex encoded.
std::string randomHex(std::size_t bytes);

// Stored form: "pin1:<length>:<salt hex>:<sha256(salt + pin) hex>".
std::string hashPin(std::string_view pin);
// Accepts the stored form above, or plain digits (rooms inserted by hand in SQL).
bool pinMatches(std::string_view stored, std::string_view candidate);
// How many digits the PIN has (0 if the stored value is not understood).
std::size_t pinLength(std::string_view stored);

}  // namespace mcu::secret
