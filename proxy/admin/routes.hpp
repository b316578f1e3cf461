// The admin API's routing and answers, independent of the HTTP transport.
#pragma once

#include <string>
#include <string_view>

#include "proxy/proxy_state.hpp"

namespace tandem::proxy::admin {

struct AdminRequest {
  std::string_view method;
  std::string_view target;         // path and optional query
  std::string_view authorization;  // the Authorization header, empty when absent
};

struct AdminResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

class AdminRoutes {
 public:
  explicit AdminRoutes(ProxyState& state) : state_(state) {}
  AdminResponse handle(const AdminRequest& request) const;

 private:
  bool authorized(std::string_view authorization) const;
  std::string status_json() const;

  ProxyState& state_;
};

}  // namespace tandem::proxy::admin
