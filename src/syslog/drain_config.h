// A drain as the user configured it: one syslog destination and its options.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/envelope.h"
#include "syslog/format_options.h"
#include "syslog/framing.h"

namespace nozzle::syslog {

enum class Transport { Tls, Tcp, Udp, Relp, RelpTls };

[[nodiscard]] inline bool uses_tls(Transport t) { return t == Transport::Tls || t == Transport::RelpTls; }
[[nodiscard]] inline bool is_relp(Transport t) { return t == Transport::Relp || t == Transport::RelpTls; }

// What a TCP or TLS drain does with the batch in flight when its connection breaks: count it
// as lost (at-most-once, the default), or write it again on the next connection
// (at-least-once: the receiver may see some frames twice).
enum class Delivery { AtMostOnce, AtLeastOnce };

enum class SpoolFsync { Never, Segment, Always };

// A drain's disk spool (syslog/spool.h). Off while `dir` is empty.
struct SpoolOptions {
  std::string dir;                            // the drain's own folder
  std::uint64_t max_bytes = 1ull << 30;       // records and headers of every segment
  std::uint64_t segment_bytes = 16ull << 20;  // a segment is closed past this size
  SpoolFsync fsync = SpoolFsync::Segment;     // when written data is forced to the disk
  [[nodiscard]] bool enabled() const { return !dir.empty(); }
};

// What a drain forwards, besides events=: the selectors (README "Selectors"). Lists hold what
// the user wrote; nozzle/pipeline/selector.h compiles them into the one routing rule.
enum class Platform { Include, Exclude, Only };  // envelopes of no app: pass, never, nothing else

struct Selection {
  std::vector<std::string> orgs;          // orgs=: org names or guids (empty = all)
  std::vector<std::string> spaces;        // spaces=: space names or guids, or ORG/SPACE
  std::vector<std::string> apps;          // apps=: app names or guids
  std::vector<std::string> source_types;  // source-types=: LogMessage source type prefixes (APP, RTR)
  std::vector<std::string> exclude_orgs;  // exclude-orgs=, exclude-spaces=, ...: never these
  std::vector<std::string> exclude_spaces;
  std::vector<std::string> exclude_apps;
  std::vector<std::string> exclude_source_types;
  Platform platform = Platform::Include;  // platform=include|exclude|only
  bool operator==(const Selection&) const = default;
};

std::optional<Platform> parse_platform(std::string_view text);  // include, exclude, only

// A drain group (README "Drain groups"): several receivers behind one drain, written as several
// HOST:PORT in the URL's authority. Every endpoint shares the URL's options.
enum class GroupMode {
  Single,    // one endpoint: an ordinary drain
  Failover,  // the first healthy endpoint takes everything
  Balance,   // spread by app guid (rendezvous hashing over the healthy endpoints)
};

struct GroupEndpoint {
  std::string host;
  std::uint16_t port = 0;
  bool operator==(const GroupEndpoint&) const = default;
};

// A group's endpoints are kept in a 32-bit mask (drain_group.h); 16 is plenty.
constexpr std::size_t kMaxGroupEndpoints = 16;

struct GroupOptions {
  GroupMode mode = GroupMode::Single;
  std::vector<GroupEndpoint> endpoints;  // in the URL's order; empty for a single drain
  // How long an endpoint that failed must stay up before it takes its traffic back
  // (failback-after=).
  std::chrono::milliseconds failback_after{30000};
  [[nodiscard]] bool enabled() const { return mode != GroupMode::Single; }
};

std::string_view transport_scheme(Transport t);      // "syslog-tls", "syslog", "syslog-udp", "relp", "relp-tls"
std::string endpoint_label(const GroupEndpoint& e);  // "host:port", "[::1]:port"

struct DrainConfig {
  // name= if given, else "scheme://host:port"; used in metrics, logs and label routing (never holds secrets)
  std::string name;
  bool named = false;         // name= was given
  bool label_routed = false;  // labels=route (the default of a named drain): syslog-nozzle/drain labels route here
  bool label_only = false;    // labels=only: only apps whose label names this drain, nothing by selectors
  double rate_limit = 0;      // rate-limit=N/s: an app's log lines per second to this drain (0: none)
  double rate_burst = 0;      // rate-burst=N: lines an idle app may send at once (0: one second's worth)
  Transport transport = Transport::Tls;
  std::string host;  // a DNS name, an IPv4 address or an IPv6 address without brackets
  std::uint16_t port = 6514;

  // TLS only.
  std::string ca_file;       // extra trust anchors, besides the system store
  std::string cert_file;     // client certificate chain (mutual TLS)
  std::string key_file;      // its private key
  bool skip_verify = false;  // no peer verification at all; only when asked
  std::string server_name;   // name to verify and send as SNI; defaults to host

  Framing framing = Framing::OctetCounting;  // Datagram for UDP
  FormatOptions format;                      // style, max-message-bytes (director etc. filled later)
  EventSet events = EventSet::all();         // events=LogMessage,ValueMetric
  Selection select;                          // orgs=, spaces=, apps=, source-types=, exclude-*=, platform=
  GroupOptions group;                        // several HOST:PORT, mode=, failback-after=

  Delivery delivery = Delivery::AtMostOnce;  // delivery=at-least-once (RELP: always acknowledged)
  std::size_t relp_window = 1024;            // RELP frames in flight, unacknowledged (window=)
  SpoolOptions spool;                        // spool-dir=, spool-max-bytes=, spool-fsync=
  // With a spool, the memory queue goes to disk once it holds more than this share of
  // queue_max_bytes, also while the drain is up (a receiver slower than the firehose).
  double spool_high_water = 0.5;

  // Queue bounds: a push beyond either is dropped and counted as queue_full.
  std::size_t queue_max_frames = 100000;
  std::size_t queue_max_bytes = 64u << 20;

  std::chrono::milliseconds connect_timeout{10000};  // TCP connect + TLS handshake
  std::chrono::milliseconds write_timeout{30000};
  // Mutual TLS under TLS 1.3: how long after the handshake the first write waits for the
  // receiver's verdict on our certificate (an alert arrives within one round trip).
  std::chrono::milliseconds client_cert_verdict_window{500};
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30000};
};

}  // namespace nozzle::syslog
