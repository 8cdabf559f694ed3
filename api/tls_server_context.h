// The HTTPS side of the API listener (http.tls_cert / http.tls_key): an OpenSSL server context
// loaded once at start-up, so a bad file is a start-up error naming its key, never a listener
// that fails each handshake.
#pragma once

#include <memory>
#include <string>

#include "mcu/common/result.h"

struct ssl_ctx_st;
struct ssl_st;

namespace mcu::api {

class TlsServerContext {
 public:
  // The context, or what is wrong with which of the two files.
  static Result<std::unique_ptr<TlsServerContext>> load(const std::string& cert_file,
                                                        const std::string& key_file);
  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;
  ~TlsServerContext();

  // A server-side session over the accepted, non-blocking socket `fd`; nullptr on failure.
  ssl_st* newSession(int fd) const;

 private:
  explicit TlsServerContext(ssl_ctx_st* ctx) : ctx_(ctx) {}
  ssl_ctx_st* ctx_;
};

}  // namespace mcu::api
