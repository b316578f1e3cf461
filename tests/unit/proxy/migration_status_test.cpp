// Unit tests of the refused-statement figures: per fingerprint, per table, bounded.
#include <doctest/doctest.h>
#include <prometheus/registry.h>

#include <boost/json.hpp>

#include "proxy/migration_status.hpp"

using tandem::proxy::MigrationStatus;

namespace {

boost::json::object mirror_of(const MigrationStatus& s) {
  return boost::json::parse(s.json()).as_object().at("mirror").as_object();
}

}  // namespace

TEST_CASE("refused statements count per fingerprint and per table, keeping the first as the example") {
  prometheus::Registry registry;
  MigrationStatus s(registry);
  s.set_mirror("proxy", "running", "", 0);
  CHECK(s.add_refused("00000000000000aa", "public.items", "UPDATE items SET a = 1", "not translatable: x"));
  CHECK_FALSE(s.add_refused("00000000000000aa", "public.items", "UPDATE items SET a = 2", "not translatable: y"));
  CHECK(s.add_refused("00000000000000bb", "public.items", "CREATE INDEX i ON items (lower(v))", "z"));
  const auto m = mirror_of(s);
  const auto& r = m.at("refused").as_object();
  REQUIRE(r.size() == 2);
  const auto& a = r.at("00000000000000aa").as_object();
  CHECK(a.at("statements").to_number<std::uint64_t>() == 2);
  CHECK(a.at("statement").as_string() == "UPDATE items SET a = 1");
  CHECK(a.at("last_reason").as_string() == "not translatable: y");
  CHECK(a.at("table").as_string() == "public.items");
  const auto& d = m.at("diverged").as_object().at("public.items").as_object();
  CHECK(d.at("statements").to_number<std::uint64_t>() == 3);
  CHECK(d.at("last_reason").as_string() == "z: CREATE INDEX i ON items (lower(v))");
}

TEST_CASE("fingerprints beyond the bound count under `other`") {
  prometheus::Registry registry;
  MigrationStatus s(registry);
  s.set_mirror("proxy", "running", "", 0);
  for (std::size_t i = 0; i < MigrationStatus::kMaxRefusedFingerprints; ++i)
    CHECK(s.add_refused("fp" + std::to_string(i), "public.t", "DDL " + std::to_string(i), "r"));
  // Known fingerprints still count under their own; new ones under one entry, logged once.
  CHECK_FALSE(s.add_refused("fp0", "public.t", "DDL 0", "r"));
  CHECK(s.add_refused("new1", "public.u", "DDL new1", "r"));
  CHECK_FALSE(s.add_refused("new2", "public.v", "DDL new2", "r"));
  const auto m = mirror_of(s);
  const auto& r = m.at("refused").as_object();
  CHECK(r.size() == MigrationStatus::kMaxRefusedFingerprints + 1);
  CHECK(r.at("fp0").as_object().at("statements").to_number<std::uint64_t>() == 2);
  CHECK(r.at("other").as_object().at("statements").to_number<std::uint64_t>() == 2);
  CHECK(!r.contains("new1"));
  // Each table is still counted as diverged under its own name.
  CHECK(m.at("diverged").as_object().at("public.v").as_object().at("statements").to_number<std::uint64_t>() == 1);
  // The metric series are bounded the same way.
  std::size_t series = 0;
  for (const auto& family : registry.Collect())
    if (family.name == "tandem_mirror_refused_statements") series = family.metric.size();
  CHECK(series == MigrationStatus::kMaxRefusedFingerprints + 1);
}

TEST_CASE("mirror state metric: one series at 1, the mode's; a switch of mode clears the mode before") {
  prometheus::Registry registry;
  MigrationStatus s(registry);
  auto value = [&](const std::string& mode, const std::string& state) {
    for (const auto& family : registry.Collect()) {
      if (family.name != "tandem_mirror_state") continue;
      for (const auto& m : family.metric) {
        std::string got_mode, got_state;
        for (const auto& l : m.label) {
          if (l.name == "mode") got_mode = l.value;
          if (l.name == "state") got_state = l.value;
        }
        if (got_mode == mode && got_state == state) return m.gauge.value;
      }
    }
    return -1.0;
  };
  s.set_mirror("wal", "running", "", 0);
  CHECK(value("wal", "running") == 1);
  s.set_mirror("proxy", "catching_up", "", 0);
  CHECK(value("wal", "running") == 0);
  CHECK(value("proxy", "catching_up") == 1);
  s.set_mirror("wal", "switching", "", 0);
  CHECK(value("wal", "switching") == 1);
  CHECK(value("proxy", "catching_up") == 0);
}

TEST_CASE("lag in transactions: the journal's in mode proxy and while switching to wal, the WAL estimate in wal") {
  prometheus::Registry registry;
  MigrationStatus s(registry);
  auto gauge = [&] {
    for (const auto& family : registry.Collect())
      if (family.name == "tandem_mirror_lag_transactions") return family.metric.at(0).gauge.value;
    return -1.0;
  };
  auto shown = [&]() -> std::int64_t {
    const auto m = mirror_of(s);
    auto it = m.find("lag_transactions");
    return it == m.end() ? -1 : it->value().to_number<std::int64_t>();
  };
  s.set_mirror("wal", "running", "", 0);
  CHECK(shown() == -1);  // not known yet
  s.set_wal_lag_transactions(12);
  CHECK(shown() == 12);
  CHECK(gauge() == 12);
  s.set_mirror("proxy", "running", "", 0);
  s.set_journal(100, 1, 50, 45, false);
  CHECK(shown() == 5);
  CHECK(gauge() == 5);
  s.set_wal_lag_transactions(7);  // a late report of the WAL mirror changes nothing in proxy
  CHECK(shown() == 5);
  s.set_mirror("wal", "switching", "", 0);
  s.set_journal(100, 1, 50, 48, false);
  CHECK(shown() == 2);
  CHECK(gauge() == 2);
  s.set_mirror("wal", "running", "", 0);
  CHECK(shown() == 7);
  CHECK(gauge() == 7);
}

TEST_CASE("last switch: the counts of switches made and refused, over both targets") {
  prometheus::Registry registry;
  MigrationStatus s(registry);
  s.set_mirror("wal", "running", "", 0);
  s.note_switch("proxy", true, "at 0/1", 0.004);
  s.note_switch("wal", false, "1 session(s) did not reach a transaction boundary", 1);
  s.note_switch("wal", true, "at 0/2", 0.003);
  s.note_switch("proxy", true, "at 0/3", 0.005);
  const auto last = mirror_of(s).at("last_switch").as_object();
  CHECK(last.at("switches").to_number<std::uint64_t>() == 3);
  CHECK(last.at("refused").to_number<std::uint64_t>() == 1);
  CHECK(last.at("to").as_string() == "proxy");
}
