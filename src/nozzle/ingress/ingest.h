// The ingest step both firehose connections share: decode -> count -> notice upstream loss ->
// event filter -> hand to the EnvelopeHandler. V1Connection and V2Connection only move bytes:
// each hands over a websocket message or an SSE data event, and from here on v1 and v2 are
// the same, so a loss signal or a counter cannot be seen on one firehose and missed on the other.
//
// Pure code (no Asio, no clock): unit-tested in test/unit/nozzle/ingress/ingest_test.cc.
// Thread contract: one Ingest per connection, used on that connection's thread only. The
// handler gets an Envelope that is reused for the next one.
#pragma once

#include <string>
#include <string_view>

#include "core/envelope.h"
#include "nozzle/decode/v2_decoder.h"
#include "nozzle/ingress/firehose_source.h"
#include "nozzle/pipeline/envelope_handler.h"

namespace nozzle {

// The in-band loss signals (docs/WIRE.md, "Loss signals"), matched as nozzles match them.
inline constexpr std::string_view kSlowConsumerCounter = "doppler_proxy.slow_consumer";
inline constexpr std::string_view kTruncatingBufferCounter = "TruncatingBuffer.DroppedMessage";

class Ingest {
 public:
  // `config` (its events and endpoint), `counters` and `handler` outlive the Ingest;
  // `connection` names the connection in the log.
  Ingest(const SourceConfig& config, int connection, SourceCounters& counters, EnvelopeHandler& handler);

  // One v1 websocket binary message: one dropsonde Envelope.
  void v1_message(std::string_view bytes);
  // The data of one v2 SSE "message" event: a JSON batch of loggregator v2 envelopes.
  void v2_batch(std::string_view json);

 private:
  void deliver(Envelope& env);
  void notice_upstream_loss(const Envelope& env);
  void warn(std::string_view message, std::string_view reason);

  const SourceConfig& config_;
  const std::string connection_;
  SourceCounters& counters_;
  EnvelopeHandler& handler_;
  HealthTap* tap_;  // config.health's tap of this connection, or nullptr
  Envelope env_;    // v1: decoded into, reused
  V2Decoder v2_;
};

}  // namespace nozzle
