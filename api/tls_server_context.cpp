#include "api/tls_server_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <array>

namespace mcu::api {
namespace {

std::string lastError() {
  std::array<char, 256> text{};
  ERR_error_string_n(ERR_get_error(), text.data(), text.size());
  return text.data();
}

}  // namespace

Result<std::unique_ptr<TlsServerContext>> TlsServerContext::load(const std::string& cert_file,
                                                                 const std::string& key_file) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) {
    return Error{"cannot create a TLS context: " + lastError()};
  }
  std::unique_ptr<TlsServerContext> owned(new TlsServerContext(ctx));
  // TLS 1.2 and 1.3 only, as current browsers and curl speak them (RFC 8996 retired 1.0/1.1).
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return Error{"http.tls_cert: cannot load a certificate chain from " + cert_file + " (" +
                 lastError() + ")"};
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Error{"http.tls_key: cannot load a private key from " + key_file + " (" + lastError() +
                 ")"};
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return Error{"http.tls_key: the key in " + key_file + " does not match the certificate in " +
                 cert_file};
  }
  return owned;
}

TlsServerContext::~TlsServerContext() { SSL_CTX_free(ctx_); }

ssl_st* TlsServerContext::newSession(int fd) const {
  SSL* ssl = SSL_new(ctx_);
  if (ssl != nullptr && SSL_set_fd(ssl, fd) != 1) {
    SSL_free(ssl);
    return nullptr;
  }
  if (ssl != nullptr) {
    SSL_set_accept_state(ssl);
  }
  return ssl;
}

}  // namespace mcu::api
