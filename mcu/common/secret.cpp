#include "mcu/common/secret.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <vector>

#include "mcu/common/check.h"

namespace mcu::secret {
namespace {

constexpr std::string_view kPinScheme = "pin1";

std::string toHex(const unsigned char* data, std::size_t size) {
  static constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kDigits.at(data[i] >> 4));
    out.push_back(kDigits.at(data[i] & 0x0f));
  }
  return out;
}

bool constantTimeEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// The fields of "pin1:<length>:<salt>:<hash>", or false when it is not that.
bool splitPin(std::string_view stored, std::string_view& length, std::string_view& salt,
              std::string_view& hash) {
  std::array<std::string_view, 4> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto colon = stored.find(':', start);
    if ((colon == std::string_view::npos) != (i == parts.size() - 1)) {
      return false;
    }
    parts.at(i) = stored.substr(start, colon == std::string_view::npos ? colon : colon - start);
    start = colon + 1;
  }
  if (parts[0] != kPinScheme) {
    return false;
  }
  length = parts[1];
  salt = parts[2];
  hash = parts[3];
  return true;
}

bool allDigits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

std::string sha256Hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  // Fails only when OpenSSL itself is broken (no SHA-256 provider): nothing to recover, and a
  // throw here unwound the control thread.
  MCU_CHECK(EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) == 1);
  return toHex(digest.data(), size);
}

std::string randomHex(std::size_t bytes) {
  std::vector<unsigned char> buffer(bytes);
  MCU_CHECK(RAND_bytes(buffer.data(), static_cast<int>(buffer.size())) == 1);  // as above
  return toHex(buffer.data(), buffer.size());
}

std::string hashPin(std::string_view pin) {
  const std::string salt = randomHex(16);
  return std::string(kPinScheme) + ":" + std::to_string(pin.size()) + ":" + salt + ":" +
         sha256Hex(salt + std::string(pin));
}

bool pinMatches(std::string_view stored, std::string_view candidate) {
  std::string_view length;
  std::string_view salt;
  std::string_view hash;
  if (!splitPin(stored, length, salt, hash)) {
    return allDigits(stored) && constantTimeEqual(stored, candidate);
  }
  return constantTimeEqual(hash, sha256Hex(std::string(salt) + std::string(candidate)));
}

std::size_t pinLength(std::string_view stored) {
  std::string_view length;
  std::string_view salt;
  std::string_view hash;
  if (!splitPin(stored, length, salt, hash)) {
    return allDigits(stored) ? stored.size() : 0;
  }
  std::size_t n = 0;
  for (const char c : length) {
    if (c < '0' || c > '9' || n > 100) {
      return 0;
    }
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  return n;
}

}  // namespace mcu::secret
