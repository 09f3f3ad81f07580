// The app cache's snapshot file (--cache-file, alias --boltdb-path / BOLTDB_PATH): what lets a
// restarted nozzle enrich its first envelopes without asking Cloud Controller anything.
//
// Text, one app per line, framed by a header with a version and a trailer with the line count
// and a checksum, so that a truncated, corrupt or foreign file (a firehose-to-syslog BoltDB
// file, say) is recognised and ignored rather than half-read:
//
//   syslog-nozzle-app-cache 1
//   <guid> TAB <name> TAB <space guid> TAB <space name> TAB <org guid> TAB <org name> TAB <opt-out flags>
//   ...
//   end <apps> <FNV-1a 64 of the app lines, hex>
//
// Names escape backslash, tab, CR and LF. Written to a temporary file beside the target, synced,
// then renamed over it: a crash leaves the old snapshot or the new one, never a mix.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cfapi/cc_client.h"
#include "core/result.h"

namespace nozzle::cfapi {

inline constexpr std::string_view kSnapshotMagic = "syslog-nozzle-app-cache";
inline constexpr int kSnapshotVersion = 2;  // reads 1 too (written before the routing labels)

// Pure.
std::string format_snapshot(std::span<const CcApp> apps);
Result<std::vector<CcApp>> parse_snapshot(std::string_view text);

// Writes atomically (see above). Returns the bytes written or why not.
Result<std::size_t> write_snapshot_file(const std::string& path, std::string_view content);

struct LoadedSnapshot {
  bool absent = false;  // no file yet: the first start, not an error
  std::vector<CcApp> apps;
};
// Reads and parses; a failure says why (unreadable, foreign, version, corrupt, truncated).
Result<LoadedSnapshot> load_snapshot_file(const std::string& path);

}  // namespace nozzle::cfapi
