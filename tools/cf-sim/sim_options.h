// Everything a Simulator is configured with (the cf-sim binary fills it from its flags).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "foundation.h"
#include "loggregator_metrics.h"
#include "uaa.h"
#include "v2_json.h"
#include "workload.h"

namespace cfsim {

struct SimulatorOptions {
  std::string address = "127.0.0.1";
  unsigned short port = 0;  // 0: the OS chooses
  bool tls = true;          // false: plain HTTP / ws
  std::string cert_file;    // with key_file: serve these instead of a generated certificate
  std::string key_file;
  std::string ca_file;      // where the generated CA is written; "" = a file in the temp dir
  int threads = 2;          // io_context threads

  FoundationOptions foundation;
  WorkloadOptions workload;
  UaaOptions uaa;

  // v1 Traffic Controller (docs/WIRE.md, "Keep-alive" and "Loss signals").
  std::chrono::milliseconds ping_interval{15000};       // after a pong, wait this long, ping again
  std::chrono::milliseconds keepalive_timeout{30000};   // no pong for this long: close 1008
  std::chrono::milliseconds slow_consumer_timeout{5000};
  // RLP gateway (docs/WIRE.md, "Event stream").
  std::chrono::milliseconds heartbeat_interval{15000};
  std::chrono::milliseconds stream_timeout{14 * 60 * 1000};
  std::size_t rlp_batch_size = 100;  // envelopes per SSE event
  V2JsonStyle json_style;

  std::size_t write_bytes = 256 * 1024;  // bytes per socket write on the streams
  // The longest tick of a stream: a paced stream sends what its rate allows at each tick, so
  // this is the grain of its bursts (5 ms: at 2,000/s, 10 envelopes every 5 ms). Smaller ticks
  // trickle, as a Traffic Controller forwarding envelopes one by one does.
  std::chrono::microseconds stream_tick{5000};

  // Loggregator's own ingress/dropped/egress counters on every stream (loggregator_metrics.h).
  LoggregatorMetricsOptions loggregator;
};

}  // namespace cfsim
