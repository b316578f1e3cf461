// The proxy's Prometheus metrics: one registry, handles resolved once so the hot path only
// touches atomics.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <memory>
#include <string>

#include "protocol/pgwire/statement_class.hpp"

namespace tandem::proxy {

class ProxyMetrics {
 public:
  explicit ProxyMetrics(std::string_view version);

  prometheus::Registry& registry() { return *registry_; }
  std::string serialize() const;

  prometheus::Gauge& client_connections;
  prometheus::Counter& client_connections_total;
  prometheus::Counter& client_received_bytes_total;
  prometheus::Counter& client_sent_bytes_total;
  prometheus::Counter& backend_connect_errors_total;
  prometheus::Counter& protocol_errors_total;
  prometheus::Counter& cancel_forwarded_total;
  prometheus::Counter& cancel_unknown_total;
  prometheus::Histogram& statement_duration_seconds;

  prometheus::Counter& statements(pgwire::StatementClass c) { return *statements_[static_cast<std::size_t>(c)]; }

 private:
  // Owns the families the references above point into; the pointee never moves.
  std::shared_ptr<prometheus::Registry> registry_;
  std::array<prometheus::Counter*, 4> statements_{};

  ProxyMetrics(std::shared_ptr<prometheus::Registry> registry, std::string_view version);
};

}  // namespace tandem::proxy
