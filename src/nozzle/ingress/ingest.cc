#include "nozzle/ingress/ingest.h"

#include "core/log.h"
#include "nozzle/decode/v1_decoder.h"

namespace nozzle {

Ingest::Ingest(const SourceConfig& config, int connection, SourceCounters& counters, EnvelopeHandler& handler)
    : config_(config),
      connection_(std::to_string(connection)),
      counters_(counters),
      handler_(handler),
      tap_(config.health != nullptr ? &config.health->at(static_cast<std::size_t>(connection)) : nullptr) {}

void Ingest::v1_message(std::string_view bytes) {
  counters_.frames.add();
  if (const auto error = decode_v1_envelope(bytes, env_)) {
    counters_.invalid.add();
    warn("invalid firehose envelope skipped", error->to_string());
    return;
  }
  deliver(env_);
}

void Ingest::v2_batch(std::string_view json) {
  counters_.frames.add();
  const V2BatchResult result = v2_.decode_batch(json);
  if (result.invalid > 0) {
    counters_.invalid.add(result.invalid);
    warn("invalid firehose envelope skipped", result.first_error ? result.first_error->to_string() : "");
  }
  for (Envelope& env : v2_.envelopes()) deliver(env);
}

void Ingest::deliver(Envelope& env) {
  counters_.received_by_type[static_cast<std::size_t>(env.type)].add();
  // Before the event filter: loss is noticed also when CounterEvents are not wanted downstream.
  if (env.type == EventType::CounterEvent) {
    notice_upstream_loss(env);
    // Loggregator's own ingress/egress/dropped counters, whatever --events forwards.
    if (tap_ != nullptr) tap_->observe(env);
  }
  // An unwanted envelope costs nothing more than its count.
  if (!config_.events.contains(env.type)) {
    counters_.filtered.add();
    return;
  }
  counters_.envelopes.add();
  handler_.on_envelope(env);
}

// Loss upstream of us is announced in-band, on v1 and on v2 alike (docs/WIRE.md, "Loss signals").
void Ingest::notice_upstream_loss(const Envelope& env) {
  const std::string& name = env.counter.name;
  if (name == kSlowConsumerCounter && env.counter.delta > 0) {
    counters_.slow_consumer.add();
    warn("Traffic Controller reports a slow consumer", name);
  } else if (name.find(kTruncatingBufferCounter) != std::string::npos) {
    counters_.upstream_dropped.add(env.counter.delta);
    warn("doppler dropped envelopes for this subscription", std::to_string(env.counter.delta));
  }
}

// The same rate-limit key and fields as FirehoseConnection::warn(), so that one connection's
// warnings are limited together.
void Ingest::warn(std::string_view message, std::string_view reason) {
  const std::string key = "firehose:" + connection_ + ":" + std::string(message);
  log::write_limited(key, std::chrono::seconds(10), log::Level::Warn, message,
                     {{"endpoint", config_.endpoint}, {"connection", connection_}, {"reason", reason}});
}

}  // namespace nozzle
