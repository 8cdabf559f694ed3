#include "api/http_server.h"

#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/auth.h"
#include "api/calls_handler.h"
#include "api/events_stream.h"
#include "api/http_metrics.h"
#include "api/openapi_document.h"
#include "api/participants_handler.h"
#include "api/problem.h"
#include "api/rooms_handler.h"
#include "mcu/common/log.h"

namespace mcu::api {
namespace {

constexpr std::string_view kComponent = "http";
// Event streams hold a worker each; the rest serve requests.
constexpr std::size_t kHttpThreads = 8;
constexpr std::size_t kMaxBody = std::size_t{64} * 1024;

// Each request runs start to end on one worker thread: its start time can live there.
thread_local std::chrono::steady_clock::time_point request_started;

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

// What the library answers by itself (no route, body too large, bad request line) gets a
// problem body too.
void errorBody(const httplib::Request& req, httplib::Response& res) {
  if (!res.body.empty()) {
    return;
  }
  switch (res.status) {
    case 404:
      sendProblem(res, notFound("no resource at " + req.path));
      return;
    case 413:
      sendProblem(res, {413, "too-large", "Payload Too Large",
                        "the body is over " + std::to_string(kMaxBody) + " bytes"});
      return;
    default:
      sendProblem(res, {res.status, "http-error", "HTTP error " + std::to_string(res.status),
                        "the request could not be served"});
  }
}

}  // namespace

struct HttpServer::Impl {
  HostPort listen;
  ReadinessProbe readiness;
  ApiContext context;
  httplib::Server server;
  std::unique_ptr<Authenticator> auth;
  HttpMetrics metrics;
  EventStreams streams;
  std::thread thread;
};

HttpServer::HttpServer(HostPort listen, ReadinessProbe readiness, ApiContext context)
    : impl_(std::make_unique<Impl>()) {
  impl_->listen = std::move(listen);
  impl_->readiness = std::move(readiness);
  impl_->context = std::move(context);
}

HttpServer::~HttpServer() { stop(); }

std::optional<std::string> HttpServer::start() {
  Impl& impl = *impl_;
  auto& server = impl.server;
  // Without TCP_NODELAY each keep-alive request waits ~44 ms (STACK.md).
  server.set_tcp_nodelay(true);
  // Short, so stop() does not wait long on an idle keep-alive connection.
  server.set_keep_alive_timeout(2);
  server.set_read_timeout(5, 0);
  server.set_payload_max_length(kMaxBody);
  // A small fixed pool: admin traffic is light, and each worker is a thread for good
  // (the library's default is max(8, cores - 1)).
  // NOLINTNEXTLINE(cppcoreguidelines-owning-memory): httplib's API takes a raw owning pointer.
  server.new_task_queue = [] { return new httplib::ThreadPool(kHttpThreads); };
  server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    request_started = std::chrono::steady_clock::now();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  server.Get("/readyz", [&impl](const httplib::Request&, httplib::Response& res) {
    serveReadiness(impl.readiness, res);
  });
  server.Get("/metrics", [&impl](const httplib::Request&, httplib::Response& res) {
    std::string text = impl.context.server_metrics ? impl.context.server_metrics() : "";
    text += impl.metrics.render();
    res.set_content(text, "text/plain; version=0.0.4");
  });
  if (impl.context.tokens != nullptr) {
    impl.auth = std::make_unique<Authenticator>(*impl.context.tokens);
    server.Get("/v1/openapi.json", impl.auth->protect(Role::kViewer, [](const httplib::Request&,
                                                                        httplib::Response& res) {
      res.set_content(std::string(openApiDocument()), "application/json");
    }));
    registerRoomRoutes(server, impl.context, *impl.auth);
    registerParticipantRoutes(server, impl.context, *impl.auth);
    registerCallRoutes(server, impl.context, *impl.auth);
    registerEventRoutes(server, impl.context, *impl.auth, impl.streams);
  }
  server.set_error_handler(errorBody);
  server.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown";
        try {
          std::rethrow_exception(std::move(ep));
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        log::error(kComponent, "handler_failed").kv("path", req.path).kv("error", what);
        sendProblem(res, {500, "internal", "Internal Server Error", "the request failed"});
      });
  server.set_logger([&impl](const httplib::Request& req, const httplib::Response& res) {
    impl.metrics.record(res.status, std::chrono::steady_clock::now() - request_started);
    log::debug(kComponent, "http_request")
        .kv("method", req.method)
        .kv("path", req.path)
        .kv("status", res.status);
  });
  if (!server.bind_to_port(impl.listen.host, impl.listen.port)) {
    return "cannot listen on " + impl.listen.toString() + " (address in use or not local?)";
  }
  impl.thread = std::thread([&server] { server.listen_after_bind(); });
  log::info(kComponent, "http_listening").kv("address", impl.listen.toString());
  return std::nullopt;
}

void HttpServer::stop() {
  if (impl_->thread.joinable()) {
    impl_->streams.stopping = true;
    if (impl_->context.events != nullptr) {
      impl_->context.events->wakeAll();
    }
    impl_->server.stop();
    impl_->thread.join();
  }
}

}  // namespace mcu::api
