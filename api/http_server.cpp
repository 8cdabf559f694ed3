#include "api/http_server.h"

#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/auth.h"
#include "api/calls_handler.h"
#include "api/connection_stream.h"
#include "api/console_routes.h"
#include "api/events_stream.h"
#include "api/gated_server.h"
#include "api/http_metrics.h"
#include "api/nodes_handler.h"
#include "api/openapi_document.h"
#include "api/participants_handler.h"
#include "api/playback_handler.h"
#include "api/problem.h"
#include "api/recordings_handler.h"
#include "api/room_forwarding.h"
#include "api/rooms_handler.h"
#include "mcu/common/build_info.h"
#include "mcu/common/json_text.h"
#include "mcu/common/log.h"
#include "mcu/common/thread_priority.h"

namespace mcu::api {
namespace {

constexpr std::string_view kComponent = "http";
// Workers answer whole requests only (the gate waits for slow clients), so a few suffice;
// each open event stream holds one more.
constexpr std::size_t kHttpThreads = 8;
constexpr std::size_t kProbeThreads = 2;
constexpr std::size_t kMaxBody = std::size_t{64} * 1024;
constexpr std::size_t kMaxRequestsPerConnection = 1000;
constexpr int kListenBacklog = 1024;
// A client that stops reading its response is dropped after this.
constexpr auto kWriteTimeout = std::chrono::seconds(10);

// GET /v1/version: which build answers (behind a viewer token: a version tells an attacker
// which vulnerabilities to try).
std::string versionJson() {
  const BuildInfo& b = buildInfo();
  return nlohmann::json{{"version", b.version}, {"commit", b.commit}, {"build_type", b.build_type}}
      .dump();
}

bool isProbe(const std::string& path) { return path == "/healthz" || path == "/readyz"; }

// Each request runs start to end on one worker thread: its start time can live there.
thread_local std::chrono::steady_clock::time_point request_started;

void serveReadiness(const ReadinessProbe& probe, httplib::Response& res) {
  nlohmann::json checks = nlohmann::json::object();
  const auto probed = probe();
  for (const auto& check : probed) {
    checks[check.name] = {{"ok", check.ok}, {"detail", check.detail}};
  }
  const bool all_ok = allReady(probed);
  res.status = all_ok ? 200 : 503;
  const nlohmann::json body{{"status", all_ok ? "ready" : "not_ready"}, {"checks", checks}};
  res.set_content(jsonText(body), "application/json");
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
  Impl(GateLimits limits, const TlsServerContext* tls)
      : gate(
            limits,
            [this](std::shared_ptr<HttpConnection> conn, const RequestFraming& f) {
              auto& pool = isProbe(f.path) ? *probe_workers : *api_workers;
              pool.enqueue([this, conn = std::move(conn), size = f.size] { serve(conn, size); });
            },
            tls),
        server(gate) {}

  // On a worker: answer the request at the head of the connection's buffer.
  void serve(const std::shared_ptr<HttpConnection>& conn, std::size_t size) {
    runBelowMediaPriority();  // the pool's threads are the library's: set on their first job
    bool closed = false;
    const bool last = ++conn->served >= kMaxRequestsPerConnection;
    bool ok = false;
    {
      ConnectionStream stream(*conn, size, kWriteTimeout);
      ok = server.serve(stream, last, closed);
    }
    conn->buffer.erase(0, size);
    if (ok && !closed && !last) {
      gate.resume(conn);
    } else {
      gate.close(conn);
    }
  }

  HostPort listen;
  ReadinessProbe readiness;
  ApiContext context;
  ConnectionGate gate;
  GatedServer server;
  std::unique_ptr<httplib::ThreadPool> api_workers;
  std::unique_ptr<httplib::ThreadPool> probe_workers;
  std::unique_ptr<Authenticator> auth;
  HttpMetrics metrics;
  EventStreams streams;
  std::thread thread;
};

HttpServer::HttpServer(HostPort listen, ReadinessProbe readiness, ApiContext context,
                       GateLimits limits, const TlsServerContext* tls)
    : impl_(std::make_unique<Impl>(limits, tls)) {
  impl_->listen = std::move(listen);
  impl_->readiness = std::move(readiness);
  impl_->context = std::move(context);
}

HttpServer::~HttpServer() { stop(); }

Result<void> HttpServer::start() {
  Impl& impl = *impl_;
  auto& server = impl.server;
  // Without TCP_NODELAY each keep-alive request waits ~44 ms (STACK.md).
  server.set_tcp_nodelay(true);
  // What the Keep-Alive header tells clients; the gate enforces it.
  server.set_keep_alive_timeout(
      std::chrono::duration_cast<std::chrono::seconds>(impl.gate.limits().idle_timeout).count());
  server.set_keep_alive_max_count(kMaxRequestsPerConnection);
  server.set_payload_max_length(kMaxBody);
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
    text += impl.gate.renderMetrics();
    res.set_content(text, "text/plain; version=0.0.4");
  });
  if (impl.context.tokens != nullptr) {
    impl.auth = std::make_unique<Authenticator>(*impl.context.tokens);
    impl.auth->setForwarder([&impl](const httplib::Request& req, httplib::Response& res) {
      return forwardToRoomOwner(impl.context, req, res);
    });
    server.Get("/v1/openapi.json", impl.auth->protect(Role::kViewer, [](const httplib::Request&,
                                                                        httplib::Response& res) {
      res.set_content(std::string(openApiDocument()), "application/json");
    }));
    server.Get("/v1/version", impl.auth->protect(Role::kViewer, [](const httplib::Request&,
                                                                   httplib::Response& res) {
      res.set_content(versionJson(), "application/json");
    }));
    // Which role a token has, so a client (the console) shows only what it may do.
    server.Get("/v1/me", impl.auth->protect(Role::kViewer, [](const httplib::Request&,
                                                              httplib::Response& res, Role caller) {
      res.set_content(nlohmann::json{{"role", roleText(caller)}}.dump(), "application/json");
    }));
    registerConsoleRoutes(server);
    registerRoomRoutes(server, impl.context, *impl.auth);
    registerParticipantRoutes(server, impl.context, *impl.auth);
    registerPlaybackRoutes(server, impl.context, *impl.auth);
    registerRecordingRoutes(server, impl.context, *impl.auth);
    registerCallRoutes(server, impl.context, *impl.auth);
    registerNodeRoutes(server, impl.context, *impl.auth);
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
    return Error{"cannot listen on " + impl.listen.toString() + " (address in use or not local?)"};
  }
  if (!server.raiseBacklog(kListenBacklog)) {
    return Error{"cannot listen on " + impl.listen.toString()};
  }
  if (auto gate = impl.gate.start(); !gate) {
    return gate;
  }
  impl.api_workers = std::make_unique<httplib::ThreadPool>(
      kHttpThreads + static_cast<std::size_t>(std::max(0, impl.context.max_event_streams)));
  impl.probe_workers = std::make_unique<httplib::ThreadPool>(kProbeThreads);
  impl.thread = std::thread([&server] { server.listen_after_bind(); });
  log::info(kComponent, "http_listening").kv("address", impl.listen.toString());
  return {};
}

void HttpServer::stop() {
  if (impl_->thread.joinable()) {
    impl_->streams.stopping = true;
    if (impl_->context.events != nullptr) {
      impl_->context.events->wakeAll();
    }
    impl_->server.stop();
    impl_->thread.join();
    // Waiting connections are closed; requests being answered finish, then their
    // connections are closed too.
    impl_->gate.stop();
    impl_->api_workers->shutdown();
    impl_->probe_workers->shutdown();
  }
}

}  // namespace mcu::api
