#include "proxy/switch_record.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>

namespace tandem::proxy {
namespace {

std::string errno_text() { return std::strerror(errno); }

std::expected<void, std::string> sync_path(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return std::unexpected("opening " + path.string() + ": " + errno_text());
  const int r = ::fsync(fd);
  const std::string error = r == 0 ? "" : errno_text();
  ::close(fd);
  if (r != 0) return std::unexpected("syncing " + path.string() + ": " + error);
  return {};
}

bool is_lsn(const std::string& s) {
  const auto slash = s.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == s.size() || slash > 8 || s.size() - slash - 1 > 8)
    return false;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (i != slash && !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

}  // namespace

std::filesystem::path switch_record_path(const std::filesystem::path& state_dir) { return state_dir / "mirror_switch"; }

std::expected<void, std::string> write_switch_record(const std::filesystem::path& state_dir,
                                                     const SwitchRecord& record) {
  const auto path = switch_record_path(state_dir);
  const auto temporary = state_dir / "mirror_switch.new";
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) return std::unexpected("creating " + state_dir.string() + ": " + ec.message());
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << "to " << record.to << "\nlsn " << record.lsn << "\nmarker " << record.marker << "\njournal_seq "
        << record.journal_seq << "\n";
    out.flush();
    if (!out) return std::unexpected("writing " + temporary.string());
  }
  if (auto s = sync_path(temporary, O_RDONLY); !s) return s;
  std::filesystem::rename(temporary, path, ec);
  if (ec) return std::unexpected("renaming " + temporary.string() + " to " + path.string() + ": " + ec.message());
  return sync_path(state_dir, O_RDONLY | O_DIRECTORY);
}

std::expected<std::optional<SwitchRecord>, std::string> read_switch_record(const std::filesystem::path& state_dir) {
  const auto path = switch_record_path(state_dir);
  std::ifstream in(path);
  if (!in) {
    if (!std::filesystem::exists(path)) return std::nullopt;
    return std::unexpected("cannot read " + path.string());
  }
  std::map<std::string, std::string> fields;
  std::string line;
  while (std::getline(in, line)) {
    const auto space = line.find(' ');
    if (space == std::string::npos) return std::unexpected(path.string() + ": unreadable line \"" + line + "\"");
    fields[line.substr(0, space)] = line.substr(space + 1);
  }
  auto bad = [&](const std::string& what) {
    return std::unexpected(path.string() + " is not a switch record (" + what +
                           "); it is written by a switch between mirror modes and must not be edited");
  };
  SwitchRecord r;
  r.to = fields["to"];
  r.lsn = fields["lsn"];
  r.marker = fields["marker"];
  if (r.to != "proxy" && r.to != "wal") return bad("to: \"" + r.to + "\"");
  if (!is_lsn(r.lsn)) return bad("lsn: \"" + r.lsn + "\"");
  if (r.to == "proxy" && r.marker.empty()) return bad("no marker");
  const auto& seq = fields["journal_seq"];
  const auto [end, error] = std::from_chars(seq.data(), seq.data() + seq.size(), r.journal_seq);
  if (error != std::errc{} || end != seq.data() + seq.size() || seq.empty()) return bad("journal_seq: \"" + seq + "\"");
  return r;
}

std::expected<void, std::string> remove_switch_record(const std::filesystem::path& state_dir) {
  std::error_code ec;
  std::filesystem::remove(switch_record_path(state_dir), ec);
  if (ec) return std::unexpected("removing " + switch_record_path(state_dir).string() + ": " + ec.message());
  return sync_path(state_dir, O_RDONLY | O_DIRECTORY);
}

}  // namespace tandem::proxy
