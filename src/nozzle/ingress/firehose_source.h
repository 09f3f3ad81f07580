// A firehose source: N connections with one subscription id, each on its own thread, each
// handing decoded envelopes to its own EnvelopeHandler (the rest of that thread's pipeline)
// through the ingest step both firehoses share (ingest.h).
//
// Thread contract: start() and stop() are called by the owner. on_envelope() is called on the
// connection's thread only, one envelope at a time; the Envelope is reused for the next one,
// so a handler that keeps anything copies it.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <string>

#include "cfapi/token_provider.h"
#include "core/counter.h"
#include "core/envelope.h"
#include "core/tls_client.h"
#include "nozzle/pipeline/envelope_handler.h"
#include "nozzle/pipeline/loggregator_health.h"

namespace boost::asio {
class io_context;
}

namespace nozzle {

// Counters shared by all connections of a source (atomics; read by the stats server).
struct SourceCounters {
  // Decoded envelopes by EventType value (before the event filter).
  std::array<Counter, 11> received_by_type;
  Counter frames;              // websocket frames / SSE data events received
  Counter envelopes;           // decoded envelopes handed on
  Counter invalid;             // envelopes or batches that failed to decode (skipped)
  Counter filtered;            // dropped by the event filter before any other work
  Counter connects;            // successful connections, the first ones included
  Counter reconnects;          // successful connections after a previous one ended
  Counter connect_failures;    // failed attempts (transport, TLS, HTTP status)
  Counter auth_refusals;       // 401 (v1) / 404 (v2): the token was refused
  Counter slow_consumer;       // close 1008 or a doppler_proxy.slow_consumer counter
  Counter upstream_dropped;    // TruncatingBuffer.DroppedMessages deltas
  Counter stream_closings;     // RLP "event: closing"
  Counter read_gathers;        // waits of --firehose-read-gather before a read (read_gather.h)
  Gauge connected;             // connections up right now
};

struct SourceConfig {
  std::string endpoint;         // wss://doppler... (v1) or https://log-stream... (v2)
  std::string subscription_id;  // shard id
  int connections = 1;
  EventSet events = EventSet::all();
  tls::ClientOptions tls;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds idle_timeout{60000};  // no frame, ping or heartbeat for this long
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{60000};
  std::chrono::milliseconds backoff_reset_after{30000};  // a connection that lived this long
  std::chrono::milliseconds tick_interval{50};
  // --firehose-read-gather: how long a trickling stream is left to gather before the next
  // read (read_gather.h); zero: never wait.
  std::chrono::microseconds read_gather{2000};
  // Loggregator's own counters (loggregator_health.h): connection i pushes them into
  // health->at(i) before the event filter, and the stream is asked for counters even when
  // `events` does not forward them. nullptr: neither.
  HealthTaps* health = nullptr;
  // --drain-thread shared: connection 0 runs this io_context (the drain pool's, from
  // DrainPool::hand_over_thread()) instead of one of its own, so that handing a burst to the
  // drains writes it on the same thread, with no other thread to wake. nullptr: its own.
  boost::asio::io_context* shared_io = nullptr;
};

// The events the firehose request asks for: `events`, plus CounterEvents for the health tap.
inline EventSet stream_events(const SourceConfig& config) {
  EventSet e = config.events;
  if (config.health != nullptr) e.add(EventType::CounterEvent);
  return e;
}

class FirehoseSource {
 public:
  virtual ~FirehoseSource() = default;
  virtual void start() = 0;
  // Closes every connection (close 1000 on v1) and joins the threads. Idempotent.
  virtual void stop() = 0;
  [[nodiscard]] virtual SourceCounters& counters() = 0;
};

// `handlers[i]` serves connection i; there must be config.connections of them, outliving the
// source. The token provider is shared by all connections.
enum class FirehoseApi { V1, V2 };
std::unique_ptr<FirehoseSource> make_firehose_source(FirehoseApi api, const SourceConfig& config,
                                                     cfapi::TokenProvider& tokens,
                                                     std::vector<EnvelopeHandler*> handlers);

// v1 filter-type query value for the selected events: "logs" when only LogMessage, "metrics"
// when no LogMessage, "" otherwise.
std::string_view v1_filter_type(const EventSet& events);
// v2 /v2/read query for the selected events and shard id (only the selectors they need).
std::string v2_read_query(const EventSet& events, std::string_view shard_id);

}  // namespace nozzle
