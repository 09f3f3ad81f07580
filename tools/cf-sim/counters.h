// cf-sim's own counters: envelopes sent per connection and type, requests by route and status,
// tokens issued. Tests assert on them (how many Cloud Controller calls the nozzle made, for
// example), in process through snapshot() or over GET /sim/counters.
//
// Thread-safe: sessions bump atomics; the registry's mutex is taken only when a connection
// opens or closes, when a request is counted, and when a snapshot is taken.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/counter.h"
#include "core/envelope.h"

namespace cfsim {

// One firehose (v1) or RLP (v2) connection.
struct ConnectionCounters {
  std::uint64_t id = 0;
  std::string kind;          // "v1" or "v2"
  std::string subscription;  // v1 subscription id or v2 shard_id
  std::string filter;        // v1 filter-type, or the v2 selector types
  std::array<nozzle::Counter, 11> by_type;  // indexed by nozzle::EventType's value
  nozzle::Counter malformed;  // garbage frames / broken batches sent
  nozzle::Counter bytes;      // payload bytes written
};

struct ConnectionSnapshot {
  std::uint64_t id = 0;
  std::string kind;
  std::string subscription;
  std::string filter;
  bool open = true;
  std::string close_reason;  // "", "client", "slow_consumer", "keepalive", "fault", "stream_timeout", "stopped"
  std::map<std::string, std::uint64_t> by_type;  // type name -> envelopes
  std::uint64_t envelopes = 0;                    // sum of by_type
  std::uint64_t malformed = 0;
  std::uint64_t bytes = 0;
};

struct CountersSnapshot {
  std::uint64_t tokens_issued = 0;
  std::uint64_t token_failures = 0;
  std::uint64_t slow_consumer_cutoffs = 0;
  std::uint64_t keepalive_timeouts = 0;
  std::uint64_t fault_drops = 0;
  // route ("/v3/apps", "/v3/apps/:guid", "/oauth/token", ...) -> status -> count
  std::map<std::string, std::map<int, std::uint64_t>> requests;
  std::vector<ConnectionSnapshot> connections;

  // Sums over routes starting with "/v3/".
  [[nodiscard]] std::uint64_t cc_requests() const;
  [[nodiscard]] std::uint64_t requests_to(std::string_view route, int status = 0) const;  // 0 = any status
  [[nodiscard]] std::uint64_t envelopes_sent() const;
  [[nodiscard]] std::string to_json() const;
};

class Counters {
 public:
  std::shared_ptr<ConnectionCounters> open_connection(std::string kind, std::string subscription,
                                                      std::string filter);
  void close_connection(const ConnectionCounters& c, std::string_view reason);
  void count_request(std::string_view route, int status);

  nozzle::Counter tokens_issued;
  nozzle::Counter token_failures;
  nozzle::Counter slow_consumer_cutoffs;
  nozzle::Counter keepalive_timeouts;
  nozzle::Counter fault_drops;

  [[nodiscard]] CountersSnapshot snapshot() const;

 private:
  struct Entry {
    std::shared_ptr<ConnectionCounters> counters;
    bool open = true;
    std::string close_reason;
  };
  mutable std::mutex mutex_;
  std::uint64_t next_id_ = 1;
  std::vector<Entry> connections_;
  std::map<std::string, std::map<int, std::uint64_t>, std::less<>> requests_;
};

}  // namespace cfsim
