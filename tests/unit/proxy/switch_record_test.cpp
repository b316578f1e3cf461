#include "proxy/switch_record.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>

namespace {

using tandem::proxy::read_switch_record;
using tandem::proxy::remove_switch_record;
using tandem::proxy::switch_record_path;
using tandem::proxy::SwitchRecord;
using tandem::proxy::write_switch_record;

struct StateDir {
  std::filesystem::path path;
  StateDir() {
    static int n = 0;
    path = std::filesystem::temp_directory_path() /
           ("tandem-switch-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
    std::filesystem::remove_all(path);
  }
  ~StateDir() { std::filesystem::remove_all(path); }
  void write(const std::string& text) const {
    std::filesystem::create_directories(path);
    std::ofstream(switch_record_path(path)) << text;
  }
};

}  // namespace

TEST_CASE("switch record: none, written, read back, replaced, removed") {
  StateDir dir;
  auto none = read_switch_record(dir.path);
  REQUIRE(none.has_value());
  CHECK(!none->has_value());

  const SwitchRecord to_proxy{"proxy", "0/16B3748", "12345678901234567890", 42};
  REQUIRE(write_switch_record(dir.path, to_proxy).has_value());
  auto read = read_switch_record(dir.path);
  REQUIRE(read.has_value());
  REQUIRE(read->has_value());
  CHECK(**read == to_proxy);

  const SwitchRecord to_wal{"wal", "1A/FF000028", "", 0};
  REQUIRE(write_switch_record(dir.path, to_wal).has_value());
  read = read_switch_record(dir.path);
  REQUIRE(read.has_value());
  REQUIRE(read->has_value());
  CHECK(**read == to_wal);
  CHECK(!std::filesystem::exists(dir.path / "mirror_switch.new"));

  REQUIRE(remove_switch_record(dir.path).has_value());
  read = read_switch_record(dir.path);
  REQUIRE(read.has_value());
  CHECK(!read->has_value());
  // Removing what is not there is no error: a restart may finish a switch whose record is gone.
  CHECK(remove_switch_record(dir.path).has_value());
}

TEST_CASE("switch record: an unreadable record is an error naming the file and the field") {
  StateDir dir;
  auto check_refused = [&](const std::string& text, const std::string& field) {
    dir.write(text);
    auto r = read_switch_record(dir.path);
    REQUIRE(!r.has_value());
    CHECK(r.error().find(switch_record_path(dir.path).string()) != std::string::npos);
    CHECK_MESSAGE(r.error().find(field) != std::string::npos, r.error());
  };
  check_refused("to sideways\nlsn 0/1\nmarker 1\njournal_seq 0\n", "to: \"sideways\"");
  check_refused("to wal\nlsn 0-1\nmarker \njournal_seq 0\n", "lsn: \"0-1\"");
  check_refused("to wal\nlsn /1\nmarker \njournal_seq 0\n", "lsn: \"/1\"");
  check_refused("to proxy\nlsn 0/1\nmarker \njournal_seq 3\n", "no marker");
  check_refused("to proxy\nlsn 0/1\nmarker 7\njournal_seq -3\n", "journal_seq: \"-3\"");
  check_refused("to proxy\nlsn 0/1\nmarker 7\n", "journal_seq: \"\"");
  check_refused("garbage", "unreadable line");
}
