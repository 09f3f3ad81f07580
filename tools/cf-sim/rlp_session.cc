#include "rlp_session.h"

#include "v2_json.h"

namespace cfsim {
namespace {

constexpr std::string_view kClosing = "event: closing\ndata: closing due to stream timeout\n\n";
// Cut off mid-envelope: what a receiver sees when a batch is broken.
constexpr std::string_view kBrokenBatch = "data: {\"batch\":[{\"timestamp\":\"1\", \"source_id\":\n\n";

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The v2 source_id and selector name of an envelope, as ToV2 gives them.
std::string_view source_of(const nozzle::Envelope& env) {
  switch (env.type) {
    case nozzle::EventType::LogMessage: return env.log.app_id;
    case nozzle::EventType::ContainerMetric: return env.container.application_id;
    case nozzle::EventType::HttpStartStop: return env.http.application_id;
    default: break;
  }
  if (auto s = env.tag("source_id")) return *s;
  return {};
}

std::string_view name_of(const nozzle::Envelope& env) {
  if (env.type == nozzle::EventType::CounterEvent) return env.counter.name;
  if (env.type == nozzle::EventType::ValueMetric) return env.value_metric.name;
  return {};
}

}  // namespace

RlpSession::RlpSession(std::unique_ptr<Transport> transport, StreamContext ctx, std::shared_ptr<StreamGroup> group,
                       RlpSelectors selectors, std::shared_ptr<ConnectionCounters> conn)
    : StreamSession(std::move(transport), ctx.counters, std::move(conn),
                    std::min<std::chrono::microseconds>(
                        ctx.options.stream_tick, std::min(ctx.options.heartbeat_interval, ctx.options.stream_timeout) / 4),
                    // The gateway has no slow-consumer cut-off of its own; a stuck write ends
                    // the stream after the Go server's write timeout.
                    std::chrono::milliseconds(60000)),
      ctx_(ctx),
      group_(std::move(group)),
      selectors_(std::move(selectors)) {
  last_write_ = Clock::now();
}

RlpSession::~RlpSession() {
  if (selectors_.shard_id.empty()) ctx_.hub.leave(group_);
}

std::string RlpSession::stop_bytes() {
  std::string out;
  append_chunk(out, kClosing);
  out += kLastChunk;
  return out;
}

void RlpSession::fill(std::string& out, Clock::time_point now) {
  const std::int64_t ts = now_ns();
  const std::size_t limit = ctx_.options.write_bytes;
  std::array<std::uint64_t, 11> types{};
  std::uint64_t malformed = 0;
  std::size_t in_batch = 0;
  const auto open_batch = [&] {
    batch_ = "data: {\"batch\":[";
    in_batch = 0;
  };
  const auto close_batch = [&] {
    if (in_batch == 0) return;
    batch_ += "]}\n\n";
    append_chunk(out, batch_);
    in_batch = 0;
  };
  const auto add = [&](const nozzle::Envelope& env) {
    if (in_batch > 0) batch_ += ctx_.options.json_style.spaces ? ", " : ",";
    append_v2_envelope(env, ctx_.options.json_style, batch_);
    ++types[static_cast<std::size_t>(env.type)];
    if (++in_batch >= ctx_.options.rlp_batch_size) {
      close_batch();
      open_batch();
    }
  };
  open_batch();
  while (group_->take_injection(env_)) {
    if (selectors_.matches(env_.type, source_of(env_), name_of(env_))) add(env_);
  }
  const std::uint64_t drop_every = ctx_.faults.drop_every_envelopes();
  bool drop = false;
  while (out.size() + batch_.size() < limit) {
    std::uint64_t want = ctx_.options.rlp_batch_size;
    if (drop_every > 0) {
      if (sent_ >= drop_every) {
        drop = true;
        break;
      }
      want = std::min<std::uint64_t>(want, drop_every - sent_);
    }
    const Claim c = group_->claim(want, now);
    if (c.count == 0) break;
    sent_ += c.count;
    for (std::uint64_t seq = c.first; seq < c.first + c.count; ++seq) {
      if (ctx_.workload.make(seq, ts, env_) == Workload::Kind::Malformed) {
        close_batch();
        open_batch();
        append_chunk(out, kBrokenBatch);
        ++malformed;
        continue;
      }
      if (!selectors_.matches(env_.type, source_of(env_), name_of(env_))) continue;
      add(env_);
    }
  }
  close_batch();
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (types[i] > 0) conn_->by_type[i].add(types[i]);
  }
  if (malformed > 0) conn_->malformed.add(malformed);
  if (drop) {
    // A stream that ends without the gateway's "closing" event: what a client sees when a
    // gateway or router instance goes away.
    ctx_.counters.fault_drops.add();
    begin_close("fault", std::string(kLastChunk), false);
    return;
  }
  if (!out.empty()) {
    last_write_ = now;
  } else if (now - last_write_ >= ctx_.options.heartbeat_interval) {
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
    append_chunk(out, "event: heartbeat\ndata: " + std::to_string(secs) + "\n\n");
    last_write_ = now;
  }
}

void RlpSession::on_tick(Clock::time_point now) {
  if (now - started() >= ctx_.options.stream_timeout) begin_close("stream_timeout", stop_bytes(), false);
}

void RlpSession::on_write_stalled(Clock::time_point) { begin_close("slow_consumer", stop_bytes(), false); }

}  // namespace cfsim
