// Admin endpoints: metrics, status, and the token-protected operator actions.
#include "proxy/admin/routes.hpp"

#include <openssl/crypto.h>

#include <boost/json.hpp>

namespace tandem::proxy::admin {
namespace {

AdminResponse json_error(int status, std::string_view message) {
  boost::json::object o;
  o["error"] = message;
  return AdminResponse{status, "application/json", boost::json::serialize(o) + "\n"};
}

}  // namespace

bool AdminRoutes::authorized(std::string_view authorization) const {
  const std::string& token = state_.config.admin.token;
  constexpr std::string_view scheme = "Bearer ";
  if (token.empty() || !authorization.starts_with(scheme)) return false;
  const std::string_view given = authorization.substr(scheme.size());
  // Constant-time compare: the token must not leak through response timing.
  return given.size() == token.size() && CRYPTO_memcmp(given.data(), token.data(), token.size()) == 0;
}

std::string AdminRoutes::status_json() const {
  boost::json::object o;
  o["version"] = TANDEM_VERSION;
  o["uptime_seconds"] = state_.uptime_seconds();
  o["phase"] = "passthrough";
  o["routing"] = "source";
  o["sessions"] = {{"active", state_.sessions_active.load()}, {"total", state_.sessions_total.load()}};
  o["backend"] = {{"url", state_.config.source.url.redacted()},
                  {"connect_errors", state_.backend_connect_errors.load()}};
  o["shutting_down"] = state_.shutting_down.load();
  if (state_.migration) o["migration"] = boost::json::parse(state_.migration->json());
  return boost::json::serialize(o) + "\n";
}

AdminResponse AdminRoutes::handle(const AdminRequest& request) const {
  std::string_view path = request.target.substr(0, request.target.find('?'));
  if (path == "/metrics") {
    if (request.method != "GET") return json_error(405, "use GET");
    return AdminResponse{200, "text/plain; version=0.0.4; charset=utf-8", state_.metrics.serialize()};
  }
  if (path == "/api/v1/status") {
    if (request.method != "GET") return json_error(405, "use GET");
    return AdminResponse{200, "application/json", status_json()};
  }
  const bool operator_action = path == "/api/v1/shutdown" || path == "/api/v1/mirror/pause" ||
                               path == "/api/v1/mirror/resume" || path == "/api/v1/mirror/mode";
  if (operator_action) {
    if (request.method != "POST") return json_error(405, "use POST");
    if (state_.config.admin.token.empty()) {
      return json_error(401, "admin.token is not configured; operator actions are disabled");
    }
    if (!authorized(request.authorization)) return json_error(401, "missing or wrong bearer token");
  }
  if (path == "/api/v1/shutdown") {
    if (state_.request_shutdown) state_.request_shutdown();
    return AdminResponse{202, "application/json", "{\"shutdown\":\"started\"}\n"};
  }
  if (path == "/api/v1/mirror/pause" || path == "/api/v1/mirror/resume") {
    const bool pause = path.ends_with("pause");
    const auto& action = pause ? state_.mirror_pause : state_.mirror_resume;
    if (!action) return json_error(409, "no mirror runs in this process (mirror.mode is off)");
    const bool changed = action();
    boost::json::object o;
    o["mirror"] = pause ? "paused" : "running";
    o["changed"] = changed;
    return AdminResponse{200, "application/json", boost::json::serialize(o) + "\n"};
  }
  if (path == "/api/v1/mirror/mode") {
    // ?to=wal|proxy[&hold_seconds=N]: the switch, with sessions held at a transaction boundary.
    if (!state_.mirror_switch) return json_error(409, "no mirror runs in this process (mirror.mode is off)");
    std::string to;
    double hold_seconds = 5;
    const auto q = request.target.find('?');
    std::string_view query = q == std::string_view::npos ? std::string_view() : request.target.substr(q + 1);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const auto pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      const auto eq = pair.find('=');
      const auto key = pair.substr(0, eq);
      const auto value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
      if (key == "to") {
        to = value;
      } else if (key == "hold_seconds") {
        try {
          std::size_t used = 0;
          hold_seconds = std::stod(std::string(value), &used);
          if (used != value.size()) throw std::invalid_argument("trailing");
        } catch (const std::exception&) {
          return json_error(400, "hold_seconds must be a number of seconds, got '" + std::string(value) + "'");
        }
      } else {
        return json_error(400, "unknown parameter '" + std::string(key) + "' (to, hold_seconds)");
      }
    }
    if (to.empty()) return json_error(400, "say which mode: ?to=wal or ?to=proxy");
    int status = 200;
    auto body = state_.mirror_switch(to, hold_seconds, status);
    return AdminResponse{status, "application/json", std::move(body)};
  }
  return json_error(404, "no such endpoint");
}

}  // namespace tandem::proxy::admin
