// The mirror inside `tandem serve`, in either mode ("wal": the replication slot feeds the
// applier; "proxy": the sessions' captured writes, through the journal), and the switch between
// the two while clients are served: the proxy holds every session at a transaction boundary for
// a moment, and the position PostgreSQL has then is where one mirror stops and the other starts.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "proxy/proxy_state.hpp"

namespace tandem::proxy {

class MirrorControl {
 public:
  // `state.migration` must be set; `state.release_held` too, before a switch.
  MirrorControl(const config::Config& config, ProxyState& state);
  ~MirrorControl();  // stops whichever mirror runs, after the batch in hand
  MirrorControl(const MirrorControl&) = delete;
  MirrorControl& operator=(const MirrorControl&) = delete;

  // Starts the mode the config names. "proxy": returns once what the replication slot holds is
  // applied (or after 120 s), so that the journal continues where the slot ends. "wal": returns
  // at once; a journal left by the proxy mirror is applied first, then the slot is followed.
  void start();
  bool pause();
  bool resume();
  // Switches to `mode`, holding sessions at a transaction boundary for at most `hold_seconds`.
  // Returns the JSON answer and sets the HTTP status: 200 switched, 400 unknown mode, 409 not
  // possible now (already in that mode, a switch still finishing, sessions not at a boundary in
  // time; nothing changed then), 503 PostgreSQL or the journal failed (nothing changed).
  std::string switch_to(std::string_view mode, double hold_seconds, int& http_status);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::proxy
