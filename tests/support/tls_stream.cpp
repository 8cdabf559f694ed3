#include "tests/support/tls_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cctype>

namespace mcu::test {
namespace {

// The Content-Length of a message whose headers end at `header_end` (0 when absent).
std::size_t contentLength(const std::string& text, std::size_t header_end) {
  std::string headers = text.substr(0, header_end);
  for (auto& c : headers) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  for (const char* name : {"\r\ncontent-length:", "\r\nl:"}) {
    const auto pos = headers.find(name);
    if (pos != std::string::npos) {
      return static_cast<std::size_t>(
          std::strtoul(headers.c_str() + pos + std::string(name).size(), nullptr, 10));
    }
  }
  return 0;
}

}  // namespace

struct TlsStream::Impl {
  int fd = -1;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  ~Impl() {
    if (ssl != nullptr) {
      SSL_shutdown(ssl);
      SSL_free(ssl);
    }
    if (ctx != nullptr) {
      SSL_CTX_free(ctx);
    }
    if (fd >= 0) {
      ::close(fd);
    }
  }
};

std::unique_ptr<TlsStream> TlsStream::connect(std::uint16_t port, const std::string& ca_file,
                                              std::string& error) {
  auto impl = std::make_unique<Impl>();
  impl->fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (impl->fd < 0 || ::connect(impl->fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    error = "TCP connect to 127.0.0.1:" + std::to_string(port) + " failed";
    return nullptr;
  }
  impl->ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(impl->ctx, SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(impl->ctx, ca_file.c_str(), nullptr) != 1) {
    error = "cannot read CA file " + ca_file;
    return nullptr;
  }
  impl->ssl = SSL_new(impl->ctx);
  SSL_set_fd(impl->ssl, impl->fd);
  SSL_set1_host(impl->ssl, "127.0.0.1");
  if (SSL_connect(impl->ssl) != 1) {
    std::array<char, 256> text{};
    ERR_error_string_n(ERR_get_error(), text.data(), text.size());
    error = std::string("TLS handshake failed: ") + text.data();
    return nullptr;
  }
  sockaddr_in local{};
  socklen_t len = sizeof local;
  ::getsockname(impl->fd, reinterpret_cast<sockaddr*>(&local), &len);
  return std::unique_ptr<TlsStream>(new TlsStream(std::move(impl), ntohs(local.sin_port)));
}

TlsStream::TlsStream(std::unique_ptr<Impl> impl, std::uint16_t local_port)
    : impl_(std::move(impl)), local_port_(local_port) {}

TlsStream::~TlsStream() = default;

bool TlsStream::write(const std::string& message) {
  return SSL_write(impl_->ssl, message.data(), static_cast<int>(message.size())) ==
         static_cast<int>(message.size());
}

std::optional<std::string> TlsStream::readMessage(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    while (pending_.starts_with("\r\n")) {
      pending_.erase(0, 2);  // keep-alive CRLFs (RFC 5626 §3.5.1)
    }
    const auto header_end = pending_.find("\r\n\r\n");
    if (header_end != std::string::npos) {
      const std::size_t total = header_end + 4 + contentLength(pending_, header_end);
      if (pending_.size() >= total) {
        std::string message = pending_.substr(0, total);
        pending_.erase(0, total);
        return message;
      }
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (SSL_pending(impl_->ssl) == 0) {
      pollfd p{impl_->fd, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        return std::nullopt;
      }
    }
    std::array<char, 16384> buffer{};
    const int n = SSL_read(impl_->ssl, buffer.data(), static_cast<int>(buffer.size()));
    if (n <= 0) {
      return std::nullopt;
    }
    pending_.append(buffer.data(), static_cast<std::size_t>(n));
  }
}

}  // namespace mcu::test
