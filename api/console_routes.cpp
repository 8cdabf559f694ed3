#include "api/console_routes.h"

#include <string>

#include "api/console_assets.h"
#include "mcu/common/secret.h"

namespace mcu::api {
namespace {

constexpr std::string_view kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

void serveAsset(const ConsoleAsset& asset, const std::string& etag, const httplib::Request& req,
                httplib::Response& res) {
  res.set_header("Content-Security-Policy", std::string(kPolicy));
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Referrer-Policy", "no-referrer");
  // Revalidated each time: a new build's console is never mixed with an old one's scripts.
  res.set_header("Cache-Control", "no-cache");
  res.set_header("ETag", etag);
  if (req.get_header_value("If-None-Match") == etag) {
    res.status = 304;
    return;
  }
  res.set_content(std::string(asset.body), std::string(asset.content_type));
}

}  // namespace

void registerConsoleRoutes(httplib::Server& server) {
  for (const ConsoleAsset& asset : consoleAssets()) {
    // Built in place: `"\"" + ...` trips GCC 12's -Wrestrict false positive in Release.
    std::string etag = secret::sha256Hex(asset.body).substr(0, 16);
    etag.insert(etag.begin(), '"');
    etag.push_back('"');
    const auto handler = [&asset, etag](const httplib::Request& req, httplib::Response& res) {
      serveAsset(asset, etag, req, res);
    };
    if (asset.name == "index.html") {
      server.Get("/", handler);
    }
    server.Get("/console/" + std::string(asset.name), handler);
  }
}

}  // namespace mcu::api
