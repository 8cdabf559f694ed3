#include "api/auth.h"

#include "api/problem.h"
#include "mcu/common/log.h"
#include "mcu/common/secret.h"

namespace mcu::api {
namespace {

void unauthorized(httplib::Response& res, const std::string& detail) {
  res.set_header("WWW-Authenticate", R"(Bearer realm="mcu")");
  sendProblem(res, {401, "unauthorized", "Unauthorized", detail});
}

}  // namespace

bool Authenticator::limited(const std::string& address, std::chrono::steady_clock::time_point now) {
  const std::lock_guard lock(mutex_);
  return failures_.limited(address, now);
}

void Authenticator::recordFailure(const std::string& address,
                                  std::chrono::steady_clock::time_point now) {
  bool now_limited = false;
  {
    const std::lock_guard lock(mutex_);
    now_limited = failures_.record(address, now);
  }
  if (now_limited) {
    // Everyone behind this address (a NAT, a proxy) is refused for the window: say so.
    log::warn("http", "auth_address_limited")
        .kv("address", address)
        .kv("failures", limits_.max_failures)
        .kv("window_s", static_cast<std::int64_t>(limits_.window.count()));
  }
}

std::optional<Role> Authenticator::authorize(Role needed, const httplib::Request& req,
                                             httplib::Response& res, EventTickets* tickets) {
  auto caller = identify(req, res, tickets);
  if (caller && needed == Role::kAdmin && *caller != Role::kAdmin) {
    sendProblem(res, {403, "forbidden", "Forbidden", "this needs an admin token"});
    return std::nullopt;
  }
  return caller;
}

std::optional<Role> Authenticator::identify(const httplib::Request& req, httplib::Response& res,
                                            EventTickets* tickets) {
  const auto now = std::chrono::steady_clock::now();
  if (limited(req.remote_addr, now)) {
    res.set_header("Retry-After", std::to_string(limits_.window.count()));
    sendProblem(res, {429, "too-many-failures", "Too Many Requests",
                      "too many failed authentications from this address; try later"});
    return std::nullopt;
  }
  const std::string header = req.get_header_value("Authorization");
  if (header.empty() && tickets != nullptr && req.has_param("ticket")) {
    if (const auto role = tickets->redeem(req.get_param_value("ticket"), now)) {
      return role;
    }
    recordFailure(req.remote_addr, now);
    unauthorized(res, "the ticket is unknown, used or expired; get a new one");
    return std::nullopt;
  }
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0) {
    recordFailure(req.remote_addr, now);
    unauthorized(res, "an Authorization: Bearer <token> header is required");
    return std::nullopt;
  }
  const auto role_of = tokens_.roleOf(secret::sha256Hex(header.substr(kBearer.size())));
  if (role_of.outcome == store::DbOutcome::kUnavailable) {
    sendProblem(res, unavailable("the token cannot be checked now (database unavailable)"));
    return std::nullopt;
  }
  if (role_of.outcome != store::DbOutcome::kOk) {
    recordFailure(req.remote_addr, now);
    log::info("http", "auth_failed").kv("address", req.remote_addr);
    unauthorized(res, "the token is unknown or revoked");
    return std::nullopt;
  }
  return role_of.value == "admin" ? Role::kAdmin : Role::kViewer;
}

httplib::Server::Handler Authenticator::protect(Role role, RoleHandler handler) {
  return [this, role, handler = std::move(handler)](const httplib::Request& req,
                                                    httplib::Response& res) {
    const auto caller = authorize(role, req, res, nullptr);
    if (!caller || (forwarder_ && forwarder_(req, res))) {
      return;
    }
    handler(req, res, *caller);
  };
}

httplib::Server::Handler Authenticator::protect(Role role, httplib::Server::Handler handler) {
  return protect(role, RoleHandler([handler = std::move(handler)](const httplib::Request& req,
                                                                  httplib::Response& res,
                                                                  Role) { handler(req, res); }));
}

httplib::Server::Handler Authenticator::protectStream(Role role, EventTickets& tickets,
                                                      httplib::Server::Handler handler) {
  return [this, role, &tickets, handler = std::move(handler)](const httplib::Request& req,
                                                              httplib::Response& res) {
    if (!authorize(role, req, res, &tickets)) {
      return;
    }
    handler(req, res);
  };
}

}  // namespace mcu::api
