// The RLP gateway's /v2/read event stream on one connection (docs/WIRE.md, "Event stream"): chunked
// text/event-stream, `data: {"batch":[...]}` events of protojson envelopes, a heartbeat after
// heartbeat_interval without data, and `event: closing` after stream_timeout.
#pragma once

#include <memory>
#include <string>

#include "firehose_session.h"
#include "rlp_protocol.h"

namespace cfsim {

class RlpSession final : public StreamSession {
 public:
  RlpSession(std::unique_ptr<Transport> transport, StreamContext ctx, std::shared_ptr<StreamGroup> group,
             RlpSelectors selectors, std::shared_ptr<ConnectionCounters> conn);
  ~RlpSession() override;

 private:
  void fill(std::string& out, Clock::time_point now) override;
  void on_bytes(std::string_view, Clock::time_point) override {}  // the client only listens
  void on_tick(Clock::time_point now) override;
  void on_write_stalled(Clock::time_point) override;
  std::string stop_bytes() override;

  StreamContext ctx_;
  std::shared_ptr<StreamGroup> group_;
  RlpSelectors selectors_;
  nozzle::Envelope env_;
  std::string batch_;
  std::uint64_t sent_ = 0;  // workload envelopes this connection was given (for drop faults)
  Clock::time_point last_write_{};
};

}  // namespace cfsim
