// Construction of the shared proxy state.
#include "proxy/proxy_state.hpp"

namespace tandem::proxy {

ProxyState::ProxyState(const config::Config& cfg)
    : config(cfg), metrics(TANDEM_VERSION), started_at(std::chrono::steady_clock::now()) {}

double ProxyState::uptime_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at).count();
}

}  // namespace tandem::proxy
