// Unit tests of the mirror journal on real files: order, group commit, crash recovery of a torn
// tail, refusal of damage elsewhere, the size bound and release.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "migrator/journal/mirror_journal.hpp"
#include "tests/common/expected_checks.hpp"

using namespace tandem::migrator;
using namespace std::chrono_literals;

namespace {

struct Dir {
  std::filesystem::path path;
  Dir() {
    static int n = 0;
    path = std::filesystem::temp_directory_path() /
           ("tandem-journal-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
    std::filesystem::remove_all(path);
  }
  ~Dir() { std::filesystem::remove_all(path); }
  std::vector<std::filesystem::path> segments() const {
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(path)) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
  }
};

std::unique_ptr<MirrorJournal> open_or_fail(const JournalOptions& o) {
  auto j = MirrorJournal::open(o);
  REQUIRE_VALUE(j, (j ? "" : j.error()));
  return std::move(*j);
}

std::string payload(std::uint64_t i) { return "tx " + std::to_string(i) + std::string(i % 50, 'x'); }

}  // namespace

TEST_CASE("journal: records come back in order across segments, durable once synced") {
  Dir dir;
  auto j = open_or_fail({dir.path, 300, 1 << 20});
  std::uint64_t last = 0;
  for (std::uint64_t i = 1; i <= 100; ++i) {
    auto seq = j->append(payload(i));
    REQUIRE(seq.has_value());
    CHECK(*seq == i);
    last = *seq;
    if (i % 10 == 0) REQUIRE(j->wait_durable(last, 5s));  // segments roll between write batches
  }
  REQUIRE(j->wait_durable(last, 5s));
  CHECK(j->durable_seq() == 100);
  CHECK(j->figures().segments > 1);
  std::uint64_t next = 1;
  while (next <= 100) {
    auto batch = j->read(next, 7);
    REQUIRE(batch.has_value());
    REQUIRE_FALSE(batch->empty());
    for (const auto& r : *batch) {
      CHECK(r.seq == next);
      CHECK(r.payload == payload(next));
      ++next;
    }
  }
  auto none = j->read(101, 10);
  REQUIRE(none.has_value());
  CHECK(none->empty());
  // Reading again from the middle (not where the last read ended) still works.
  auto again = j->read(42, 3);
  REQUIRE(again.has_value());
  REQUIRE(again->size() == 3);
  CHECK(again->front().seq == 42);
}

TEST_CASE("journal: concurrent appends share syncs (group commit) and every callback reports durable") {
  Dir dir;
  auto j = open_or_fail({dir.path, 1 << 20, 1 << 26});
  std::atomic<int> durable{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        auto seq = j->append("row", [&](bool ok) { durable += ok ? 1 : 0; });
        REQUIRE(seq.has_value());
        REQUIRE(j->wait_durable(*seq, 10s));
      }
    });
  for (auto& t : threads) t.join();
  const auto f = j->figures();
  CHECK(f.durable_seq == 800);
  CHECK(durable.load() == 800);
  CHECK(f.syncs < 800);  // appends that arrived during a sync went out with the next one
  MESSAGE("800 appends, " << f.syncs << " syncs");
}

TEST_CASE("journal: a sync interval makes appends spread over it share one sync; each still becomes durable") {
  Dir dir;
  JournalOptions options{dir.path, 1 << 20, 1 << 26};
  options.sync_interval = std::chrono::milliseconds(200);
  auto j = open_or_fail(options);
  std::uint64_t last = 0;
  for (int i = 0; i < 20; ++i) {
    auto seq = j->append("row " + std::to_string(i));
    REQUIRE(seq.has_value());
    last = *seq;
    std::this_thread::sleep_for(2ms);
  }
  REQUIRE(j->wait_durable(last, 10s));
  // 20 appends 2 ms apart within one 200 ms interval: a sync for the first, one for the rest
  // (a sync per append would be 20).
  CHECK(j->figures().syncs <= 3);
  auto records = j->read(1, 100);
  REQUIRE(records.has_value());
  CHECK(records->size() == 20);
}

TEST_CASE("journal: a torn record at the end is cut off on open; appends continue from the last whole one") {
  Dir dir;
  {
    auto j = open_or_fail({dir.path, 1 << 20, 1 << 20});
    for (int i = 1; i <= 10; ++i) REQUIRE(j->append(payload(i)).has_value());
    REQUIRE(j->wait_durable(10, 5s));
  }
  const auto file = dir.segments().back();
  const auto size = std::filesystem::file_size(file);
  std::filesystem::resize_file(file, size - 5);  // record 10 cut short, as by a crash mid-write
  {
    auto j = open_or_fail({dir.path, 1 << 20, 1 << 20});
    CHECK(j->figures().last_seq == 9);
    auto seq = j->append("after the crash");
    REQUIRE(seq.has_value());
    CHECK(*seq == 10);
    REQUIRE(j->wait_durable(10, 5s));
  }
  {
    std::ofstream garbage(file, std::ios::app | std::ios::binary);
    garbage.write("\x07\x00\x00\x00garbage", 11);  // a header that promises more than is there
  }
  auto j = open_or_fail({dir.path, 1 << 20, 1 << 20});
  auto all = j->read(1, 100);
  REQUIRE(all.has_value());
  REQUIRE(all->size() == 10);
  CHECK(all->back().payload == "after the crash");
}

TEST_CASE("journal: damage before the last segment refuses to open, naming the file and offset") {
  Dir dir;
  {
    auto j = open_or_fail({dir.path, 100, 1 << 20});
    for (int i = 1; i <= 30; ++i) {
      auto seq = j->append(payload(i));
      REQUIRE(seq.has_value());
      REQUIRE(j->wait_durable(*seq, 5s));
    }
  }
  const auto first = dir.segments().front();
  {
    std::fstream f(first, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f.put('#');  // a payload byte: the record's CRC no longer matches
  }
  auto j = MirrorJournal::open({dir.path, 100, 1 << 20});
  REQUIRE_FALSE(j.has_value());
  CHECK(j.error().find(first.filename().string()) != std::string::npos);
  CHECK(j.error().find("offset 0") != std::string::npos);
  CHECK(j.error().find("CRC") != std::string::npos);
}

TEST_CASE("journal: damage inside the last segment, with whole records after it, refuses to open") {
  Dir dir;
  {
    auto j = open_or_fail({dir.path, 1 << 20, 1 << 20});
    for (int i = 1; i <= 20; ++i) REQUIRE(j->append(payload(i)).has_value());
    REQUIRE(j->wait_durable(20, 5s));
  }
  const auto file = dir.segments().back();
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f.put('#');  // record 1's payload: records 2..20 follow intact, so this is no torn tail
  }
  auto j = MirrorJournal::open({dir.path, 1 << 20, 1 << 20});
  REQUIRE_FALSE(j.has_value());
  CHECK(j.error().find("damaged at offset 0") != std::string::npos);
  CHECK(std::filesystem::file_size(file) > 100);  // nothing was cut
}

TEST_CASE("journal: bounded size: appends are refused with an alarm until applied segments are released") {
  Dir dir;
  auto j = open_or_fail({dir.path, 256, 2048});
  std::uint64_t accepted = 0;
  std::string refusal;
  for (int i = 1; i <= 200; ++i) {
    auto seq = j->append(std::string(100, 'p'));
    if (!seq) {
      refusal = seq.error();
      break;
    }
    accepted = *seq;
    REQUIRE(j->wait_durable(accepted, 5s));
  }
  CHECK(accepted > 5);
  CHECK(refusal.find("mirror journal full") != std::string::npos);
  CHECK(refusal.find(dir.path.string()) != std::string::npos);
  CHECK(j->figures().full);
  REQUIRE(j->wait_durable(accepted, 5s));
  j->release_through(accepted);  // everything applied: all but the segment being written go
  const auto f = j->figures();
  CHECK_FALSE(f.full);
  CHECK(f.segments == 1);
  CHECK(f.bytes <= 256 + 116);
  auto more = j->append("again");
  CHECK(more.has_value());
  auto gone = j->read(1, 1);
  REQUIRE_FALSE(gone.has_value());
  CHECK(gone.error().find("already released") != std::string::npos);
}
