// The v1 Traffic Controller firehose on one websocket connection (docs/WIRE.md, "v1 firehose"): one
// binary message per dropsonde envelope, many messages per socket write; ping at once and again
// ping_interval after each pong, close 1008 when no pong comes within keepalive_timeout; a write
// blocked for slow_consumer_timeout cuts the consumer off (close 1000) and sends a
// doppler_proxy.slow_consumer CounterEvent to every subscription.
#pragma once

#include <memory>
#include <string>

#include "faults.h"
#include "hub.h"
#include "sim_options.h"
#include "stream_session.h"
#include "workload.h"
#include "ws_frame.h"

namespace cfsim {

enum class FirehoseFilter { All, Logs, Metrics };

struct StreamContext {
  const SimulatorOptions& options;
  const Workload& workload;
  Hub& hub;
  Counters& counters;
  const Faults& faults;
};

class FirehoseSession final : public StreamSession {
 public:
  FirehoseSession(std::unique_ptr<Transport> transport, StreamContext ctx, std::shared_ptr<StreamGroup> group,
                  FirehoseFilter filter, std::shared_ptr<ConnectionCounters> conn);

 private:
  void fill(std::string& out, Clock::time_point now) override;
  void on_bytes(std::string_view bytes, Clock::time_point now) override;
  void on_tick(Clock::time_point now) override;
  void on_write_stalled(Clock::time_point now) override;
  std::string stop_bytes() override { return ws_close_frame(1000, ""); }

  void append_envelope(std::string& out, const nozzle::Envelope& env);

  StreamContext ctx_;
  std::shared_ptr<StreamGroup> group_;
  FirehoseFilter filter_;
  WsFrameReader reader_;
  WsFrame frame_;
  nozzle::Envelope env_;
  std::string scratch_;
  std::uint64_t sent_ = 0;
  bool awaiting_pong_ = true;
  Clock::time_point pong_deadline_{};
  Clock::time_point next_ping_{};
};

// The Traffic Controller's answer to the upgrade request, and the first ping.
std::string firehose_handshake(std::string_view websocket_key);

}  // namespace cfsim
