#include "firehose_session.h"

#include "v1_encoder.h"

namespace cfsim {
namespace {

constexpr std::uint64_t kClaim = 64;
// Invalid protobuf: a tag with wire type 7 (there is none), then text.
constexpr std::string_view kGarbage = "\xff\xff\xff\x0f cf-sim malformed frame";

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string firehose_handshake(std::string_view key) {
  std::string out =
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Accept: " +
      websocket_accept(key) + "\r\n\r\n";
  append_ws_header(out, kWsPing, 0);  // the TC pings at once
  return out;
}

FirehoseSession::FirehoseSession(std::unique_ptr<Transport> transport, StreamContext ctx,
                                 std::shared_ptr<StreamGroup> group, FirehoseFilter filter,
                                 std::shared_ptr<ConnectionCounters> conn)
    : StreamSession(std::move(transport), ctx.counters, std::move(conn),
                    std::min<std::chrono::microseconds>(
                        ctx.options.stream_tick, std::min(ctx.options.keepalive_timeout, ctx.options.slow_consumer_timeout) / 4),
                    ctx.options.slow_consumer_timeout),
      ctx_(ctx),
      group_(std::move(group)),
      filter_(filter) {
  pong_deadline_ = Clock::now() + ctx_.options.keepalive_timeout;
}

void FirehoseSession::append_envelope(std::string& out, const nozzle::Envelope& env) {
  scratch_.clear();
  if (!encode_v1(env, scratch_)) return;
  append_ws_header(out, kWsBinary, scratch_.size());
  out += scratch_;
  conn_->by_type[static_cast<std::size_t>(env.type)].add();
  ++sent_;
}

void FirehoseSession::fill(std::string& out, Clock::time_point now) {
  const std::int64_t ts = now_ns();
  while (group_->take_injection(env_)) {
    // filter-type=logs carries LogMessages only, =metrics everything else (injections too).
    if (filter_ == FirehoseFilter::Logs && env_.type != nozzle::EventType::LogMessage) continue;
    if (filter_ == FirehoseFilter::Metrics && env_.type == nozzle::EventType::LogMessage) continue;
    append_envelope(out, env_);
  }
  const std::uint64_t drop_every = ctx_.faults.drop_every_envelopes();
  std::array<std::uint64_t, 11> types{};
  std::uint64_t malformed = 0;
  const std::size_t limit = ctx_.options.write_bytes;
  while (out.size() < limit) {
    std::uint64_t want = kClaim;
    if (drop_every > 0) {
      if (sent_ >= drop_every) {
        ctx_.counters.fault_drops.add();
        begin_close("fault", ws_close_frame(1000, ""), true);
        break;
      }
      want = std::min(want, drop_every - sent_);
    }
    const Claim c = group_->claim(want, now);
    if (c.count == 0) break;
    for (std::uint64_t seq = c.first; seq < c.first + c.count; ++seq) {
      if (ctx_.workload.kind(seq) == Workload::Kind::Malformed) {
        append_ws_header(out, kWsBinary, kGarbage.size());
        out += kGarbage;
        ++malformed;
        ++sent_;
        continue;
      }
      const auto type = ctx_.workload.type(seq);
      if (type == nozzle::EventType::Event) continue;  // ToV1 drops v2 events
      if (filter_ == FirehoseFilter::Logs && type != nozzle::EventType::LogMessage) continue;
      if (filter_ == FirehoseFilter::Metrics && type == nozzle::EventType::LogMessage) continue;
      ctx_.workload.make(seq, ts, env_);
      scratch_.clear();
      encode_v1(env_, scratch_);
      append_ws_header(out, kWsBinary, scratch_.size());
      out += scratch_;
      ++types[static_cast<std::size_t>(type)];
      ++sent_;
    }
  }
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (types[i] > 0) conn_->by_type[i].add(types[i]);
  }
  if (malformed > 0) conn_->malformed.add(malformed);
}

void FirehoseSession::on_bytes(std::string_view bytes, Clock::time_point now) {
  reader_.feed(bytes);
  while (reader_.next(frame_)) {
    switch (frame_.opcode) {
      case kWsPong:
        awaiting_pong_ = false;
        next_ping_ = now + ctx_.options.ping_interval;
        break;
      case kWsPing: {
        std::string pong;
        append_ws_header(pong, kWsPong, frame_.payload.size());
        pong += frame_.payload;
        queue_control(pong);
        break;
      }
      case kWsClose:
        if (closing()) {
          peer_closed();
        } else {
          // The client ends the stream: echo its close, as RFC 6455 5.5.1 asks.
          begin_close("client", ws_close_frame(1000, ""), false);
        }
        return;
      default:
        break;  // the TC reads and ignores anything else the client sends
    }
  }
  if (reader_.failed()) begin_close("client", ws_close_frame(1002, "protocol error"), false);
}

void FirehoseSession::on_tick(Clock::time_point now) {
  if (awaiting_pong_ && now > pong_deadline_) {
    ctx_.counters.keepalive_timeouts.add();
    begin_close("keepalive",
                ws_close_frame(1008, "Client did not respond to ping before keep-alive timeout expired."), true);
    return;
  }
  if (!awaiting_pong_ && now >= next_ping_) {
    std::string ping;
    append_ws_header(ping, kWsPing, 0);
    queue_control(ping);
    awaiting_pong_ = true;
    pong_deadline_ = now + ctx_.options.keepalive_timeout;
  }
  const auto drop_every = ctx_.faults.drop_every();
  if (drop_every.count() > 0 && now - started() >= drop_every) {
    ctx_.counters.fault_drops.add();
    begin_close("fault", ws_close_frame(1000, ""), true);
  }
}

void FirehoseSession::on_write_stalled(Clock::time_point) {
  ctx_.counters.slow_consumer_cutoffs.add();
  nozzle::Envelope counter;
  make_slow_consumer_counter(now_ns(), ctx_.counters.slow_consumer_cutoffs.get(), counter);
  ctx_.hub.inject_all(counter);
  begin_close("slow_consumer", ws_close_frame(1000, ""), true);
}

}  // namespace cfsim
