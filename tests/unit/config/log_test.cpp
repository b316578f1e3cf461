// Unit tests of the structured log line format.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "config/log.hpp"

namespace log = tandem::log;

namespace {

struct Capture {
  std::vector<std::string> lines;
  Capture() {
    log::set_sink_for_testing([this](std::string_view l) { lines.emplace_back(l); });
  }
  ~Capture() {
    log::set_sink_for_testing(nullptr);
    log::set_level(log::Level::info);
    log::set_format_json(false);
  }
};

}  // namespace

TEST_CASE("a log line is key=value with quoting where needed") {
  Capture cap;
  log::info("session.start")
      .kv("client", "127.0.0.1:5000")
      .kv("pid", std::int64_t{42})
      .kv("note", "two words")
      .kv("q", "a\"b\nc");
  REQUIRE(cap.lines.size() == 1);
  const auto& l = cap.lines[0];
  CHECK(l.starts_with("ts="));
  CHECK(l.find(" level=info event=session.start client=127.0.0.1:5000 pid=42 note=\"two words\" q=\"a\\\"b\\nc\"") !=
        std::string::npos);
}

TEST_CASE("lines below the level are not written") {
  Capture cap;
  log::set_level(log::Level::warn);
  log::info("quiet").kv("k", "v");
  log::debug("quieter");
  log::warn("loud");
  REQUIRE(cap.lines.size() == 1);
  CHECK(cap.lines[0].find("event=loud") != std::string::npos);
}

TEST_CASE("the json format writes one object per line") {
  Capture cap;
  log::set_format_json(true);
  log::error("boom").kv("table", "t\"1").kv("rows", std::uint64_t{3}).kv("ok", false);
  REQUIRE(cap.lines.size() == 1);
  CHECK(cap.lines[0].starts_with("{\"ts\":\""));  // strings are quoted, the timestamp too
  CHECK(cap.lines[0].find("\"level\":\"error\",\"event\":\"boom\"") != std::string::npos);
  CHECK(cap.lines[0].find("\"event\":\"boom\",\"table\":\"t\\\"1\",\"rows\":3,\"ok\":false}") != std::string::npos);
}

TEST_CASE("levels parse from their names") {
  CHECK(log::parse_level("debug") == log::Level::debug);
  CHECK(log::parse_level("warning") == log::Level::warn);
  CHECK_FALSE(log::parse_level("verbose").has_value());
}
