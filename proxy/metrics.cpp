// Registers the proxy's metric families.
#include "proxy/metrics.hpp"

#include <prometheus/text_serializer.h>

#include <sstream>

namespace tandem::proxy {
namespace {

prometheus::Counter& counter(prometheus::Registry& r, const std::string& name, const std::string& help,
                             const prometheus::Labels& labels = {}) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add(labels);
}

}  // namespace

ProxyMetrics::ProxyMetrics(std::string_view version)
    : ProxyMetrics(std::make_shared<prometheus::Registry>(), version) {}

ProxyMetrics::ProxyMetrics(std::shared_ptr<prometheus::Registry> reg, std::string_view version)
    : client_connections(prometheus::BuildGauge()
                             .Name("tandem_client_connections")
                             .Help("Client connections currently open")
                             .Register(*reg)
                             .Add({})),
      client_connections_total(counter(*reg, "tandem_client_connections_total", "Client connections accepted")),
      client_received_bytes_total(counter(*reg, "tandem_client_received_bytes_total", "Bytes received from clients")),
      client_sent_bytes_total(counter(*reg, "tandem_client_sent_bytes_total", "Bytes sent to clients")),
      backend_connect_errors_total(
          counter(*reg, "tandem_backend_connect_errors_total", "Failed connection attempts to the source PostgreSQL")),
      protocol_errors_total(
          counter(*reg, "tandem_protocol_errors_total", "Client sessions ended for a protocol violation")),
      cancel_forwarded_total(
          counter(*reg, "tandem_cancel_requests_total", "Cancel requests received", {{"result", "forwarded"}})),
      cancel_unknown_total(
          counter(*reg, "tandem_cancel_requests_total", "Cancel requests received", {{"result", "unknown"}})),
      statement_duration_seconds(
          prometheus::BuildHistogram()
              .Name("tandem_statement_duration_seconds")
              .Help("Time from a client's Query or Sync to the server's ReadyForQuery, seen at the proxy")
              .Register(*reg)
              .Add({}, prometheus::Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                               0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30})),
      registry_(std::move(reg)) {
  auto& family = prometheus::BuildCounter()
                     .Name("tandem_statements_total")
                     .Help("Statements relayed, by class")
                     .Register(*registry_);
  for (auto c : {pgwire::StatementClass::read, pgwire::StatementClass::write, pgwire::StatementClass::transaction,
                 pgwire::StatementClass::other}) {
    statements_[static_cast<std::size_t>(c)] = &family.Add({{"class", std::string(pgwire::to_string(c))}});
  }
  prometheus::BuildGauge()
      .Name("tandem_build_info")
      .Help("Build information")
      .Register(*registry_)
      .Add({{"version", std::string(version)}})
      .Set(1);
}

std::string ProxyMetrics::serialize() const { return prometheus::TextSerializer().Serialize(registry_->Collect()); }

}  // namespace tandem::proxy
