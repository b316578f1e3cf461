// LISTEN/NOTIFY through the proxy: notifications arrive asynchronously with their payload and the
// notifying backend's real pid.
#include <doctest/doctest.h>

#include <string>

#include "support/pg_client.hpp"
#include "support/tandem_process.hpp"
#include "support/test_env.hpp"

using namespace tandem::it;
using namespace std::chrono_literals;

TEST_CASE("a NOTIFY from one proxy session reaches a LISTEN on another with payload and sender pid") {
  TandemProcess tandem;
  auto listener = PgConnection::connect_or_throw(tandem.conninfo());
  auto notifier = PgConnection::connect_or_throw(tandem.conninfo());
  const std::string channel = unique_name("it_channel");
  listener.query("listen " + channel);

  notifier.query("notify " + channel + ", 'hello from the notifier'");
  auto received = listener.wait_notification(5s);
  REQUIRE_MESSAGE(received.has_value(), "no notification within 5 s");
  CHECK(received->channel == channel);
  CHECK(received->payload == "hello from the notifier");
  CHECK(received->be_pid == notifier.backend_pid());

  // pg_notify with a payload that needs quoting, sent inside a transaction: delivered at commit.
  notifier.query("begin");
  PgResult sent = notifier.exec_params("select pg_notify($1, $2)", {channel, "it's \"quoted\"\ttab"});
  REQUIRE_MESSAGE(sent.ok(), sent.error_message());
  CHECK_FALSE(listener.wait_notification(300ms).has_value());
  notifier.query("commit");
  auto second = listener.wait_notification(5s);
  REQUIRE(second.has_value());
  CHECK(second->payload == "it's \"quoted\"\ttab");
  CHECK(second->be_pid == notifier.backend_pid());

  // A session notifying itself sees its own pid.
  listener.query("notify " + channel + ", 'self'");
  auto self = listener.wait_notification(5s);
  REQUIRE(self.has_value());
  CHECK(self->payload == "self");
  CHECK(self->be_pid == listener.backend_pid());

  listener.query("unlisten " + channel);
  notifier.query("notify " + channel + ", 'after unlisten'");
  CHECK_FALSE(listener.wait_notification(300ms).has_value());
}
