// Segment files of length-prefixed, CRC-checked records; one writer thread that syncs in groups.
#include "migrator/journal/mirror_journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/crc.hpp>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <thread>

namespace tandem::migrator {
namespace {

constexpr std::size_t kHeader = 16;  // u32 payload length, u32 crc, u64 seq; little-endian
constexpr std::uint32_t kMaxPayload = 1u << 30;

void put_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
std::uint64_t get_le(const char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::string segment_name(std::uint64_t first_seq) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "segment-%020llu.tj", static_cast<unsigned long long>(first_seq));
  return buf;
}

std::optional<std::uint64_t> segment_first_seq(const std::string& name) {
  if (name.size() != 31 || !name.starts_with("segment-") || !name.ends_with(".tj")) return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 8; i < 28; ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(name[i] - '0');
  }
  return v;
}

std::string errno_text() { return std::strerror(errno); }

struct Segment {
  std::uint64_t first_seq = 0;
  std::filesystem::path path;
  std::uint64_t bytes = 0;
};

// Reads the records of one segment file from its start: calls `each` per valid record and returns
// the offset after the last valid one, and whether the file ended cleanly there.
struct ScanResult {
  std::uint64_t good_bytes = 0;
  std::uint64_t last_seq = 0;
  bool clean = true;
  std::string problem;
};
// Starts at `offset`, where record `expect_seq` begins. A record `each` declines is not counted.
ScanResult scan_segment(const Segment& s, std::uint64_t offset, std::uint64_t expect_seq,
                        const std::function<bool(std::uint64_t, std::string&&)>& each) {
  ScanResult r;
  r.last_seq = expect_seq - 1;
  r.good_bytes = offset;
  std::ifstream in(s.path, std::ios::binary);
  if (!in) {
    r.clean = false;
    r.problem = "cannot open";
    return r;
  }
  in.seekg(static_cast<std::streamoff>(offset));
  char header[kHeader];
  while (true) {
    in.read(header, kHeader);
    if (in.gcount() == 0) return r;
    if (in.gcount() < static_cast<std::streamsize>(kHeader)) {
      r.clean = false;
      r.problem = "a record header is cut short";
      return r;
    }
    const auto length = static_cast<std::uint32_t>(get_le(header, 4));
    const auto crc = static_cast<std::uint32_t>(get_le(header + 4, 4));
    const auto seq = get_le(header + 8, 8);
    if (length > kMaxPayload) {
      r.clean = false;
      r.problem = "a record length of " + std::to_string(length) + " bytes";
      return r;
    }
    std::string payload(length, '\0');
    in.read(payload.data(), length);
    if (in.gcount() < static_cast<std::streamsize>(length)) {
      r.clean = false;
      r.problem = "a record is cut short";
      return r;
    }
    if (journal_crc(seq, payload) != crc) {
      r.clean = false;
      r.problem = "a record fails its CRC";
      return r;
    }
    if (seq != r.last_seq + 1) {
      r.clean = false;
      r.problem = "sequence " + std::to_string(seq) + " where " + std::to_string(r.last_seq + 1) + " was expected";
      return r;
    }
    if (!each(seq, std::move(payload))) return r;
    r.last_seq = seq;
    r.good_bytes += kHeader + length;
  }
}

// The sequence of a whole, CRC-valid record starting anywhere after `offset` with a sequence
// above `last_seq`; nullopt when the file holds none (the bytes there are a torn tail).
std::optional<std::uint64_t> whole_record_after(const std::filesystem::path& path, std::uint64_t offset,
                                                std::uint64_t last_seq) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t at = offset + 1; at + kHeader <= bytes.size(); ++at) {
    const auto length = static_cast<std::uint32_t>(get_le(bytes.data() + at, 4));
    const auto seq = get_le(bytes.data() + at + 8, 8);
    if (seq <= last_seq || length > bytes.size() - at - kHeader) continue;
    const std::string_view payload(bytes.data() + at + kHeader, length);
    if (journal_crc(seq, payload) == static_cast<std::uint32_t>(get_le(bytes.data() + at + 4, 4))) return seq;
  }
  return std::nullopt;
}

}  // namespace

std::uint32_t journal_crc(std::uint64_t seq, std::string_view payload) {
  boost::crc_32_type crc;
  std::string seq_bytes;
  put_le(seq_bytes, seq, 8);
  crc.process_bytes(seq_bytes.data(), seq_bytes.size());
  crc.process_bytes(payload.data(), payload.size());
  return crc.checksum();
}

struct MirrorJournal::Impl {
  JournalOptions options;
  mutable std::mutex mutex;
  std::condition_variable changed;
  std::vector<Segment> segments;
  int fd = -1;  // the last segment, open for appending
  std::string pending;
  std::vector<std::pair<std::uint64_t, std::function<void(bool)>>> callbacks;
  std::uint64_t pending_first = 0;  // seq of the first pending record
  std::uint64_t last_seq = 0, durable_seq = 0, total_bytes = 0, syncs = 0;
  bool full = false, stop = false;
  std::string error;
  std::thread writer;
  std::chrono::steady_clock::time_point last_sync{};
  // Where the last read ended, so that sequential reads do not rescan their segment.
  struct Cursor {
    std::filesystem::path path;
    std::uint64_t offset = 0, next_seq = 0;
  };
  mutable std::mutex cursor_mutex;
  mutable Cursor cursor;

  std::expected<void, std::string> open_segment(std::uint64_t first_seq) {
    Segment s{first_seq, options.dir / segment_name(first_seq), 0};
    const int f = ::open(s.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (f < 0) return std::unexpected("creating " + s.path.string() + ": " + errno_text());
    // The new file's name must survive a crash too.
    const int d = ::open(options.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d >= 0) {
      ::fsync(d);
      ::close(d);
    }
    if (fd >= 0) ::close(fd);
    fd = f;
    segments.push_back(s);
    return {};
  }

  void write_loop() {
    std::unique_lock lock(mutex);
    while (true) {
      changed.wait(lock, [&] { return stop || !pending.empty(); });
      if (pending.empty() && stop) return;
      if (options.sync_interval.count() > 0)
        changed.wait_until(lock, last_sync + options.sync_interval, [&] { return stop; });
      std::string batch;
      batch.swap(pending);
      auto done = std::move(callbacks);
      callbacks.clear();
      const std::uint64_t first = pending_first, last = last_seq;
      // After a failed write or sync nothing is written again: bytes after a partial record would
      // be unreadable, and a retried fdatasync may report success for pages the kernel dropped.
      std::string failure = error;
      // A new segment starts at a record boundary; opening it is rare enough to hold the lock.
      if (segments.empty() || segments.back().bytes >= options.segment_bytes)
        if (auto r = open_segment(first); !r) failure = r.error();
      // release_through() may erase older segments meanwhile; the one written to stays put.
      const std::filesystem::path current = segments.empty() ? options.dir : segments.back().path;
      lock.unlock();
      if (failure.empty()) {
        std::size_t written = 0;
        while (written < batch.size()) {
          const ssize_t n = ::write(fd, batch.data() + written, batch.size() - written);
          if (n < 0) {
            if (errno == EINTR) continue;
            failure = "writing " + current.string() + ": " + errno_text();
            break;
          }
          written += static_cast<std::size_t>(n);
        }
      }
      if (failure.empty() && ::fdatasync(fd) != 0) failure = "syncing " + current.string() + ": " + errno_text();
      lock.lock();
      last_sync = std::chrono::steady_clock::now();
      if (failure.empty()) {
        durable_seq = last;
        segments.back().bytes += batch.size();
        ++syncs;
      } else {
        error = failure;  // later appends are refused: the journal cannot promise durability
      }
      changed.notify_all();
      lock.unlock();
      for (auto& [seq, fn] : done)
        if (fn) fn(failure.empty());
      lock.lock();
    }
  }
};

MirrorJournal::MirrorJournal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  impl_->writer = std::thread([this] { impl_->write_loop(); });
}

MirrorJournal::~MirrorJournal() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stop = true;
  }
  impl_->changed.notify_all();
  if (impl_->writer.joinable()) impl_->writer.join();
  if (impl_->fd >= 0) ::close(impl_->fd);
}

std::expected<std::unique_ptr<MirrorJournal>, std::string> MirrorJournal::open(const JournalOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) return std::unexpected("creating " + options.dir.string() + ": " + ec.message());
  std::vector<Segment> found;
  for (const auto& entry : std::filesystem::directory_iterator(options.dir, ec)) {
    if (auto first = segment_first_seq(entry.path().filename().string()))
      found.push_back({*first, entry.path(), static_cast<std::uint64_t>(entry.file_size())});
  }
  if (ec) return std::unexpected("reading " + options.dir.string() + ": " + ec.message());
  std::sort(found.begin(), found.end(), [](const Segment& a, const Segment& b) { return a.first_seq < b.first_seq; });
  std::uint64_t last = found.empty() ? 0 : found.front().first_seq - 1;
  for (std::size_t i = 0; i < found.size(); ++i) {
    auto& s = found[i];
    if (s.first_seq != last + 1)
      return std::unexpected("mirror journal " + s.path.string() + " starts at record " + std::to_string(s.first_seq) +
                             " but the one before ends at " + std::to_string(last));
    auto r = scan_segment(s, 0, s.first_seq, [](std::uint64_t, std::string&&) { return true; });
    if (!r.clean) {
      if (i + 1 != found.size())
        return std::unexpected("mirror journal " + s.path.string() + " is damaged at offset " +
                               std::to_string(r.good_bytes) + " (" + r.problem + ") before its last segment");
      // Only a torn tail may be cut: a whole record further on means damage in the middle.
      if (auto later = whole_record_after(s.path, r.good_bytes, r.last_seq))
        return std::unexpected("mirror journal " + s.path.string() + " is damaged at offset " +
                               std::to_string(r.good_bytes) + " (" + r.problem + "), with record " +
                               std::to_string(*later) + " intact after it");
      // A crash mid-write: the torn tail was never acknowledged as durable.
      if (::truncate(s.path.c_str(), static_cast<off_t>(r.good_bytes)) != 0)
        return std::unexpected("cutting the torn tail of " + s.path.string() + ": " + errno_text());
      s.bytes = r.good_bytes;
    }
    last = r.last_seq;
  }
  impl->segments = std::move(found);
  impl->last_seq = impl->durable_seq = last;
  for (const auto& s : impl->segments) impl->total_bytes += s.bytes;
  if (!impl->segments.empty()) {
    const auto& tail = impl->segments.back();
    impl->fd = ::open(tail.path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (impl->fd < 0) return std::unexpected("opening " + tail.path.string() + ": " + errno_text());
  }
  return std::unique_ptr<MirrorJournal>(new MirrorJournal(std::move(impl)));
}

std::expected<std::uint64_t, std::string> MirrorJournal::append(std::string payload) {
  return append(std::move(payload), nullptr);
}

std::expected<std::uint64_t, std::string> MirrorJournal::append(std::string payload,
                                                                std::function<void(bool)> on_durable) {
  auto& d = *impl_;
  if (payload.size() > kMaxPayload)
    return std::unexpected("a mirrored transaction of " + std::to_string(payload.size()) +
                           " bytes exceeds the journal's record limit of 1 GiB");
  std::lock_guard lock(d.mutex);
  if (!d.error.empty()) return std::unexpected("mirror journal failed: " + d.error);
  const std::uint64_t size = kHeader + payload.size();
  if (d.total_bytes + size > d.options.max_bytes) {
    d.full = true;
    return std::unexpected("mirror journal full: " + std::to_string(d.total_bytes) + " bytes in " +
                           d.options.dir.string() + " of at most " + std::to_string(d.options.max_bytes) +
                           "; the applier is behind (is MySQL reachable?)");
  }
  const std::uint64_t seq = ++d.last_seq;
  const bool first_pending = d.pending.empty();
  if (first_pending) d.pending_first = seq;
  put_le(d.pending, payload.size(), 4);
  put_le(d.pending, journal_crc(seq, payload), 4);
  put_le(d.pending, seq, 8);
  d.pending += payload;
  d.total_bytes += size;
  if (on_durable) d.callbacks.emplace_back(seq, std::move(on_durable));
  // Only the writer waits for appends, and only for the first of a batch: while it waits out the
  // sync interval, more records join the batch without waking it. A wake-up per record cost two
  // context switches per mirrored transaction, taken from the clients on a busy machine.
  if (first_pending) d.changed.notify_all();
  return seq;
}

bool MirrorJournal::wait_durable(std::uint64_t seq, std::chrono::milliseconds limit) {
  std::unique_lock lock(impl_->mutex);
  impl_->changed.wait_for(lock, limit, [&] { return impl_->durable_seq >= seq || !impl_->error.empty(); });
  return impl_->durable_seq >= seq;
}

std::uint64_t MirrorJournal::durable_seq() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->durable_seq;
}

std::expected<std::vector<JournalRecord>, std::string> MirrorJournal::read(std::uint64_t from_seq,
                                                                           std::size_t max_records,
                                                                           std::size_t max_bytes) const {
  std::vector<Segment> segments;
  std::uint64_t durable = 0;
  {
    std::lock_guard lock(impl_->mutex);
    segments = impl_->segments;
    durable = impl_->durable_seq;
  }
  std::vector<JournalRecord> out;
  if (from_seq > durable || max_records == 0) return out;
  if (segments.empty() || from_seq < segments.front().first_seq)
    return std::unexpected("mirror journal record " + std::to_string(from_seq) + " was already released");
  std::size_t i = segments.size() - 1;
  while (segments[i].first_seq > from_seq) --i;
  std::uint64_t offset = 0, expect = segments[i].first_seq;
  {
    std::lock_guard lock(impl_->cursor_mutex);
    if (impl_->cursor.path == segments[i].path && impl_->cursor.next_seq <= from_seq &&
        impl_->cursor.next_seq > expect) {
      offset = impl_->cursor.offset;
      expect = impl_->cursor.next_seq;
    }
  }
  std::size_t bytes = 0;
  for (; i < segments.size(); ++i) {
    bool more = true;
    auto r = scan_segment(segments[i], offset, expect, [&](std::uint64_t seq, std::string&& payload) {
      if (seq > durable || out.size() >= max_records || (bytes >= max_bytes && !out.empty())) {
        more = false;
        return false;
      }
      if (seq >= from_seq) {
        bytes += payload.size();
        out.push_back({seq, std::move(payload)});
      }
      return true;
    });
    // Records past `durable` may be half written; anything wrong before them is damage.
    if (!r.clean && r.last_seq < durable && more)
      return std::unexpected("mirror journal " + segments[i].path.string() + " is damaged at offset " +
                             std::to_string(r.good_bytes) + " (" + r.problem + ")");
    {
      std::lock_guard lock(impl_->cursor_mutex);
      impl_->cursor = {segments[i].path, r.good_bytes, r.last_seq + 1};
    }
    if (!more) break;
    offset = 0;
    if (i + 1 < segments.size()) expect = segments[i + 1].first_seq;
  }
  return out;
}

void MirrorJournal::release_through(std::uint64_t applied_seq) {
  std::lock_guard lock(impl_->mutex);
  auto& segs = impl_->segments;
  while (segs.size() > 1 && segs[1].first_seq <= applied_seq + 1) {
    std::error_code ec;
    std::filesystem::remove(segs.front().path, ec);
    impl_->total_bytes -= segs.front().bytes;
    segs.erase(segs.begin());
    impl_->full = false;
  }
}

JournalFigures MirrorJournal::figures() const {
  std::lock_guard lock(impl_->mutex);
  JournalFigures f;
  f.first_seq = impl_->segments.empty() ? 0 : impl_->segments.front().first_seq;
  f.last_seq = impl_->last_seq;
  f.durable_seq = impl_->durable_seq;
  f.bytes = impl_->total_bytes;
  f.segments = impl_->segments.size();
  f.syncs = impl_->syncs;
  f.full = impl_->full;
  return f;
}

std::string MirrorJournal::error() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->error;
}

}  // namespace tandem::migrator
