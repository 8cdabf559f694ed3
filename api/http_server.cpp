#include "api/http_server.h"

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "api/problem.h"
#include "mcu/common/log.h"

namespace mcu::api {
namespace {

constexpr std::string_view kComponent = "http";
constexpr std::size_t kHttpThreads = 4;

void serveReadiness(const ReadinessProbe& probe, httplib::Response& res) {
  nlohmann::json checks = nlohmann::json::object();
  bool all_ok = true;
  for (const auto& check : probe()) {
    all_ok = all_ok && check.ok;
    checks[check.name] = {{"ok", check.ok}, {"detail", check.detail}};
  }
  res.status = all_ok ? 200 : 503;
  const nlohmann::json body{{"status", all_ok ? "ready" : "not_ready"}, {"checks", checks}};
  res.set_content(body.dump(), "application/json");
}

}  // namespace

struct HttpServer::Impl {
  HostPort listen;
  ReadinessProbe readiness;
  httplib::Server server;
  std::thread thread;
};

HttpServer::HttpServer(HostPort listen, ReadinessProbe readiness)
    : impl_(std::make_unique<Impl>()) {
  impl_->listen = std::move(listen);
  impl_->readiness = std::move(readiness);
}

HttpServer::~HttpServer() { stop(); }

std::optional<std::string> HttpServer::start() {
  auto& server = impl_->server;
  // Without TCP_NODELAY each keep-alive request waits ~44 ms (STACK.md).
  server.set_tcp_nodelay(true);
  // Short, so stop() does not wait long on an idle keep-alive connection.
  server.set_keep_alive_timeout(2);
  server.set_read_timeout(5, 0);
  server.set_payload_max_length(1 << 20);
  // A small fixed pool: admin traffic is light, and each worker is a thread for good
  // (the library's default is max(8, cores - 1)).
  // NOLINTNEXTLINE(cppcoreguidelines-owning-memory): httplib's API takes a raw owning pointer.
  server.new_task_queue = [] { return new httplib::ThreadPool(kHttpThreads); };
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  server.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    serveReadiness(impl_->readiness, res);
  });
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404) {
      res.set_content(problemBody(404, "not-found", "Not Found", "no resource at " + req.path),
                      std::string(kProblemContentType));
    }
  });
  server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    log::debug(kComponent, "http_request")
        .kv("method", req.method)
        .kv("path", req.path)
        .kv("status", res.status);
  });
  if (!server.bind_to_port(impl_->listen.host, impl_->listen.port)) {
    return "cannot listen on " + impl_->listen.toString() + " (address in use or not local?)";
  }
  impl_->thread = std::thread([&server] { server.listen_after_bind(); });
  log::info(kComponent, "http_listening").kv("address", impl_->listen.toString());
  return std::nullopt;
}

void HttpServer::stop() {
  if (impl_->thread.joinable()) {
    impl_->server.stop();
    impl_->thread.join();
  }
}

}  // namespace mcu::api
