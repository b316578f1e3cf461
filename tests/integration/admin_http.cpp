// The admin HTTP port: Prometheus metrics, the status document, token-protected shutdown, 404s, and
// counters that follow the traffic through the proxy.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "support/pg_client.hpp"
#include "support/tandem_process.hpp"
#include "support/test_env.hpp"
#include "tests/common/expected_checks.hpp"

using namespace tandem::it;
using namespace std::chrono_literals;

namespace {

bool skipped_in_direct_mode() {
  if (!direct_mode()) return false;
  MESSAGE("skipped in direct mode: the admin port belongs to tandem");
  return true;
}

HttpResponse request_ok(std::expected<HttpResponse, std::string> response, std::string_view what) {
  REQUIRE_VALUE(response, what << ": " << response.error());
  return std::move(*response);
}

double number_at(const JsonValue& doc, std::string_view path) {
  const JsonValue* v = doc.find(path);
  REQUIRE_MESSAGE(v != nullptr, "status has no " << path);
  REQUIRE_MESSAGE(v->is_number(), path << " is not a number");
  return std::get<double>(v->value);
}

double sample(const TandemProcess& tandem, std::string_view name,
              const std::map<std::string, std::string>& labels = {}) {
  return tandem.metric(name, labels).value_or(-1);
}

// Polls until the metric exceeds `before` by at least `by`; returns the last value seen.
double wait_growth(const TandemProcess& tandem, std::string_view name, const std::map<std::string, std::string>& labels,
                   double before, double by) {
  double now = before;
  poll_until(2s, [&] { return (now = sample(tandem, name, labels)) >= before + by; });
  return now;
}

}  // namespace

TEST_CASE("GET /metrics is Prometheus text with every metric of the contract") {
  if (skipped_in_direct_mode()) return;
  TandemProcess tandem;
  {
    // Some traffic first, so that histograms and labelled counters have samples.
    auto conn = PgConnection::connect_or_throw(tandem.conninfo());
    conn.query("select 1");
  }
  HttpResponse response = request_ok(http_get(tandem.admin_port(), "/metrics"), "GET /metrics");
  REQUIRE(response.status == 200);
  CHECK(response.headers["content-type"].starts_with("text/plain"));
  const std::vector<std::pair<std::string, std::string>> families = {
      {"tandem_client_connections", "gauge"},
      {"tandem_client_connections_total", "counter"},
      {"tandem_statements_total", "counter"},
      {"tandem_statement_duration_seconds", "histogram"},
      {"tandem_client_received_bytes_total", "counter"},
      {"tandem_client_sent_bytes_total", "counter"},
      {"tandem_backend_connect_errors_total", "counter"},
      {"tandem_protocol_errors_total", "counter"},
      {"tandem_cancel_requests_total", "counter"},
      {"tandem_build_info", ""},
  };
  for (const auto& [name, type] : families) {
    CAPTURE(name);
    const std::string type_line = "# TYPE " + name + " ";
    auto at = response.body.find(type_line);
    CHECK_MESSAGE(at != std::string::npos, "no '" << type_line << "' line");
    if (at != std::string::npos && !type.empty()) {
      CHECK(response.body.substr(at + type_line.size(), type.size()) == type);
    }
  }
  for (const char* cls : {"read", "write", "transaction", "other"}) {
    CAPTURE(cls);
    CHECK(prometheus_sample(response.body, "tandem_statements_total", {{"class", cls}}).has_value());
  }
  for (const char* result : {"forwarded", "unknown"}) {
    CAPTURE(result);
    CHECK(prometheus_sample(response.body, "tandem_cancel_requests_total", {{"result", result}}).has_value());
  }
  CHECK(prometheus_sample(response.body, "tandem_build_info", {{"version", "0.1.0"}}) == 1.0);
  CHECK(prometheus_sample(response.body, "tandem_statement_duration_seconds_count").value_or(0) >= 1);
}

TEST_CASE("GET /api/v1/status has the documented fields and counts the open sessions") {
  if (skipped_in_direct_mode()) return;
  TandemProcess tandem;
  HttpResponse response = request_ok(http_get(tandem.admin_port(), "/api/v1/status"), "GET status");
  REQUIRE(response.status == 200);
  CHECK(response.headers["content-type"].starts_with("application/json"));
  auto doc = parse_json(response.body);
  REQUIRE_VALUE(doc, doc.error() << " in " << response.body);
  INFO("status: " << response.body);

  const JsonValue* version = doc->find("version");
  REQUIRE(version != nullptr);
  CHECK(std::get<std::string>(version->value) == "0.1.0");
  const JsonValue* phase = doc->find("phase");
  REQUIRE(phase != nullptr);
  CHECK(std::get<std::string>(phase->value) == "passthrough");
  const JsonValue* routing = doc->find("routing");
  REQUIRE(routing != nullptr);
  CHECK(std::get<std::string>(routing->value) == "source");
  const JsonValue* url = doc->find("backend.url");
  REQUIRE(url != nullptr);
  CHECK(url->is_string());
  const JsonValue* shutting_down = doc->find("shutting_down");
  REQUIRE(shutting_down != nullptr);
  CHECK(std::get<bool>(shutting_down->value) == false);
  CHECK(number_at(*doc, "backend.connect_errors") == 0);
  const double uptime = number_at(*doc, "uptime_seconds");
  CHECK(uptime >= 0);
  const double total_before = number_at(*doc, "sessions.total");

  std::vector<PgConnection> sessions;
  for (int i = 0; i < 3; ++i) sessions.push_back(PgConnection::connect_or_throw(tandem.conninfo()));
  double active = -1;
  CHECK_MESSAGE(poll_until(2s, [&] { return (active = number_at(tandem.status(), "sessions.active")) == 3; }),
                "sessions.active is " << active << " with 3 sessions open");
  CHECK(number_at(tandem.status(), "sessions.total") >= total_before + 3);
  sessions.pop_back();
  CHECK_MESSAGE(poll_until(2s, [&] { return (active = number_at(tandem.status(), "sessions.active")) == 2; }),
                "sessions.active is " << active << " with 2 sessions open");
  std::this_thread::sleep_for(100ms);
  CHECK(number_at(tandem.status(), "uptime_seconds") > uptime);
}

TEST_CASE("neither the status document nor the log shows the source password") {
  if (skipped_in_direct_mode()) return;
  const std::string password = "s3cr3t-Pw-for-redaction";
  PgUrl base = parse_pg_url(servers().pg_url);
  TandemOptions options;
  // Trust authentication ignores the password, so the proxy still works with it.
  options.source_url =
      "postgresql://" + base.user + ":" + password + "@127.0.0.1:" + std::to_string(base.port) + "/" + base.dbname;
  options.log_level = "debug";
  TandemProcess tandem(options);
  {
    auto conn = PgConnection::connect_or_throw(tandem.conninfo());
    conn.query("select 1");
  }
  HttpResponse response = request_ok(http_get(tandem.admin_port(), "/api/v1/status"), "GET status");
  CHECK(response.body.find(password) == std::string::npos);
  auto doc = parse_json(response.body);
  REQUIRE(doc.has_value());
  const JsonValue* url = doc->find("backend.url");
  REQUIRE(url != nullptr);
  CHECK(std::get<std::string>(url->value).find("127.0.0.1") != std::string::npos);
  CHECK(tandem.log_text().find(password) == std::string::npos);
  CHECK(tandem.metrics_text().find(password) == std::string::npos);
}

TEST_CASE("POST /api/v1/shutdown needs the bearer token and then stops tandem with exit 0") {
  if (skipped_in_direct_mode()) return;
  TandemProcess tandem;
  HttpResponse anonymous = request_ok(http_post(tandem.admin_port(), "/api/v1/shutdown"), "POST without token");
  CHECK(anonymous.status == 401);
  HttpResponse wrong =
      request_ok(http_post(tandem.admin_port(), "/api/v1/shutdown", {{"Authorization", "Bearer not-the-token"}}),
                 "POST with a wrong token");
  CHECK(wrong.status == 401);
  HttpResponse not_bearer =
      request_ok(http_post(tandem.admin_port(), "/api/v1/shutdown", {{"Authorization", "Basic dGVzdC10b2tlbg=="}}),
                 "POST with basic auth");
  CHECK(not_bearer.status == 401);
  REQUIRE(tandem.running());
  {
    auto still = PgConnection::connect(tandem.conninfo());
    REQUIRE_VALUE(still, "proxy stopped after refused shutdowns: " << still.error());
  }

  HttpResponse accepted = request_ok(
      http_post(tandem.admin_port(), "/api/v1/shutdown", {{"Authorization", "Bearer " + tandem.admin_token()}}),
      "POST with the token");
  CHECK(accepted.status == 202);
  auto status = tandem.wait_exit(5s);
  INFO("log tail:\n" << tandem.log_tail());
  REQUIRE_MESSAGE(status.exited, "tandem still running 5 s after an accepted shutdown");
  CHECK(status.code == 0);
}

TEST_CASE("an unknown admin path is 404") {
  if (skipped_in_direct_mode()) return;
  TandemProcess tandem;
  for (const char* path : {"/nope", "/api/v1/nope", "/metricsx"}) {
    CAPTURE(path);
    HttpResponse response = request_ok(http_get(tandem.admin_port(), path), path);
    CHECK(response.status == 404);
  }
}

TEST_CASE("statement counters grow by class, and byte and connection counters follow the traffic") {
  if (skipped_in_direct_mode()) return;
  TandemProcess tandem;
  const double connections_before = sample(tandem, "tandem_client_connections_total");
  auto conn = PgConnection::connect_or_throw(tandem.conninfo());
  CHECK(wait_growth(tandem, "tandem_client_connections_total", {}, connections_before, 1) >= connections_before + 1);
  conn.query("create temp table counted (x int, payload text)");

  struct Step {
    std::string sql;
    std::string cls;
  };
  for (const Step& step :
       {Step{"insert into counted values (1, 'a')", "write"}, Step{"update counted set x = 2", "write"},
        Step{"select * from counted", "read"}, Step{"begin", "transaction"}, Step{"commit", "transaction"}}) {
    CAPTURE(step.sql);
    const double before = sample(tandem, "tandem_statements_total", {{"class", step.cls}});
    conn.query(step.sql);
    CHECK(wait_growth(tandem, "tandem_statements_total", {{"class", step.cls}}, before, 1) >= before + 1);
  }
  // The extended protocol is classified too.
  const double reads_before = sample(tandem, "tandem_statements_total", {{"class", "read"}});
  PgResult extended = conn.exec_params("select x from counted where x = $1", {"2"});
  REQUIRE(extended.ok());
  CHECK(wait_growth(tandem, "tandem_statements_total", {{"class", "read"}}, reads_before, 1) >= reads_before + 1);
  const double writes_before = sample(tandem, "tandem_statements_total", {{"class", "write"}});
  PgResult inserted = conn.exec_params("insert into counted values ($1, $2)", {"3", "b"});
  REQUIRE(inserted.ok());
  CHECK(wait_growth(tandem, "tandem_statements_total", {{"class", "write"}}, writes_before, 1) >= writes_before + 1);

  const double received_before = sample(tandem, "tandem_client_received_bytes_total");
  const double sent_before = sample(tandem, "tandem_client_sent_bytes_total");
  const std::string big(20000, 'z');
  conn.query("insert into counted values (4, '" + big + "')");
  CHECK(wait_growth(tandem, "tandem_client_received_bytes_total", {}, received_before, 20000) >=
        received_before + 20000);
  conn.query("select payload from counted where x = 4");
  CHECK(wait_growth(tandem, "tandem_client_sent_bytes_total", {}, sent_before, 20000) >= sent_before + 20000);
}
