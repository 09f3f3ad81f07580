#include "nozzle/pipeline/loggregator_health.h"

#include <algorithm>

#include "core/hash.h"

namespace nozzle {

namespace {

struct NameRule {
  std::string_view name;
  LgKind kind;
};

// The counters each component puts on the firehose (docs/WIRE.md, "Loggregator's own counters").
// Current releases: origin tag loggregator.<component> (v1: the envelope's origin), source_id
// doppler / traffic_controller / reverse_log_proxy / metron, names ingress, egress, dropped.
constexpr NameRule kModern[] = {{"ingress", LgKind::Ingress}, {"egress", LgKind::Egress}, {"dropped", LgKind::Dropped}};
// Dropsonde-era releases: origin DopplerServer, LoggregatorTrafficController, MetronAgent.
constexpr NameRule kLegacyDoppler[] = {{"listeners.receivedEnvelopes", LgKind::Ingress},
                                       {"doppler.shedEnvelopes", LgKind::Dropped},
                                       {"httpServer.receivedMessages", LgKind::Egress}};
constexpr NameRule kLegacyTrafficController[] = {{"listeners.receivedEnvelopes", LgKind::Ingress}};
constexpr NameRule kLegacyAgent[] = {{"dropsondeAgentListener.receivedMessageCount", LgKind::Ingress},
                                     {"grpc.sentMessageCount", LgKind::Egress},
                                     {"udp.sentMessageCount", LgKind::Egress},
                                     {"grpc.sendErrorCount", LgKind::Dropped},
                                     {"udp.sendErrorCount", LgKind::Dropped}};

struct OriginRule {
  std::string_view origin;
  LgComponent component;
  bool legacy;
};
constexpr OriginRule kOrigins[] = {
    {"loggregator.doppler", LgComponent::Doppler, false},
    {"loggregator.trafficcontroller", LgComponent::TrafficController, false},
    {"loggregator.rlp", LgComponent::Rlp, false},
    {"loggregator.metron", LgComponent::Agent, false},
    {"DopplerServer", LgComponent::Doppler, true},
    {"LoggregatorTrafficController", LgComponent::TrafficController, true},
    {"MetronAgent", LgComponent::Agent, true},
};
// When an envelope has no known origin, its source_id says which component it is.
struct SourceRule {
  std::string_view source_id;
  LgComponent component;
};
constexpr SourceRule kSources[] = {{"doppler", LgComponent::Doppler},
                                   {"traffic_controller", LgComponent::TrafficController},
                                   {"reverse_log_proxy", LgComponent::Rlp},
                                   {"metron", LgComponent::Agent}};

template <std::size_t N>
std::optional<LgKind> find_kind(const NameRule (&rules)[N], std::string_view name) {
  for (const NameRule& r : rules) {
    if (r.name == name) return r.kind;
  }
  return std::nullopt;
}

}  // namespace

std::string_view lg_component_name(LgComponent c) {
  switch (c) {
    case LgComponent::Doppler: return "doppler";
    case LgComponent::TrafficController: return "traffic_controller";
    case LgComponent::Rlp: return "rlp";
    case LgComponent::Agent: return "agent";
  }
  return "unknown";
}

std::string_view lg_kind_name(LgKind k) {
  switch (k) {
    case LgKind::Ingress: return "ingress";
    case LgKind::Egress: return "egress";
    case LgKind::Dropped: return "dropped";
  }
  return "unknown";
}

std::optional<LgObservation> classify_loggregator_counter(const Envelope& env) {
  if (env.type != EventType::CounterEvent) return std::nullopt;
  const std::string_view name = env.counter.name;
  LgObservation o;
  bool found = false;
  for (const OriginRule& r : kOrigins) {
    if (env.origin == r.origin) {
      o.component = r.component;
      o.legacy = r.legacy;
      found = true;
      break;
    }
  }
  if (!found) {
    // No origin tag: the source_id says it (v2), or stands in for the origin (a conversion to
    // v1 that filled the origin from the source id).
    std::string_view source = env.origin;
    if (source.empty()) source = env.tag("source_id").value_or(std::string_view{});
    for (const SourceRule& r : kSources) {
      if (source == r.source_id) {
        o.component = r.component;
        found = true;
        break;
      }
    }
  }
  if (!found) return std::nullopt;
  std::optional<LgKind> kind;
  if (!o.legacy) {
    kind = find_kind(kModern, name);
  } else if (o.component == LgComponent::Doppler) {
    kind = find_kind(kLegacyDoppler, name);
  } else if (o.component == LgComponent::TrafficController) {
    kind = find_kind(kLegacyTrafficController, name);
  } else {
    kind = find_kind(kLegacyAgent, name);
  }
  if (!kind) return std::nullopt;
  o.kind = *kind;
  o.total = env.counter.total;
  o.delta = env.counter.delta;
  o.timestamp_ns = env.timestamp_ns;
  // The series: one instance's counter with one set of tags (a counter with direction=ingress
  // and one with direction=egress are two series). Tags are combined in any order.
  std::uint64_t h = fnv1a(env.origin);
  h = fnv1a(name, mix64(h) ^ 0x11);
  h = fnv1a(env.deployment, mix64(h) ^ 0x22);
  h = fnv1a(env.job, mix64(h) ^ 0x33);
  h = fnv1a(env.index, mix64(h) ^ 0x44);
  h = fnv1a(env.ip, mix64(h) ^ 0x55);
  std::uint64_t tags = 0;
  for (std::size_t i = 0; i < env.tag_count; ++i) {
    tags += mix64(fnv1a(env.tags[i].value, fnv1a(env.tags[i].key) ^ 0x3d));
  }
  o.series = mix64(h ^ mix64(tags));
  return o;
}

void HealthTap::push(const LgObservation& o) {
  const std::uint64_t head = head_.load(std::memory_order_relaxed);
  if (head - tail_.load(std::memory_order_acquire) >= kCapacity) {
    overflow_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  ring_[head % kCapacity] = o;
  head_.store(head + 1, std::memory_order_release);
}

std::size_t HealthTap::drain(std::vector<LgObservation>& out) {
  const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
  const std::uint64_t head = head_.load(std::memory_order_acquire);
  for (std::uint64_t i = tail; i < head; ++i) out.push_back(ring_[i % kCapacity]);
  tail_.store(head, std::memory_order_release);
  return static_cast<std::size_t>(head - tail);
}

HealthTaps::HealthTaps(std::size_t connections) {
  for (std::size_t i = 0; i < connections; ++i) taps_.push_back(std::make_unique<HealthTap>());
}

std::size_t HealthTaps::drain(std::vector<LgObservation>& out) {
  std::size_t n = 0;
  for (auto& t : taps_) n += t->drain(out);
  return n;
}

std::uint64_t HealthTaps::overflowed() const {
  std::uint64_t n = 0;
  for (const auto& t : taps_) n += t->overflowed();
  return n;
}

std::uint64_t lg_step(LgSeriesState* state, const LgObservation& o) {
  if (o.total == 0 && o.delta > 0) return o.delta;  // a delta-only counter (no agent summed it)
  if (!state->seen) {
    state->seen = true;
    state->last_total = o.total;
    state->last_timestamp_ns = o.timestamp_ns;
    // A first reading: its delta is what the instance counted since its previous emission
    // (0 for a cumulative counter read from a metrics endpoint); never more than its total.
    return std::min(o.delta, o.total);
  }
  if (o.timestamp_ns != 0 && o.timestamp_ns < state->last_timestamp_ns) return 0;  // older: already counted
  const std::uint64_t previous = state->last_total;
  state->last_total = o.total;
  if (o.timestamp_ns != 0) state->last_timestamp_ns = o.timestamp_ns;
  return o.total >= previous ? o.total - previous : o.total;  // down: restarted from 0
}

HealthAggregator::HealthAggregator(LgComponent egress, std::chrono::seconds window)
    : egress_(egress), window_(window) {}

std::int64_t HealthAggregator::ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

void HealthAggregator::add(const LgObservation& o, Clock::time_point now) {
  const auto c = static_cast<std::size_t>(o.component);
  // A release that emits both the dropsonde-era names and the current ones counts the same
  // envelopes twice; once a component's current names have been seen, its old ones are ignored.
  if (!o.legacy) modern_seen_[c] = true;
  if (o.legacy && modern_seen_[c]) return;
  constexpr std::size_t kMaxSeries = 100000;
  auto it = series_.find(o.series);
  if (it == series_.end()) {
    if (series_.size() >= kMaxSeries) return;
    it = series_.emplace(o.series, LgSeriesState{}).first;
  }
  it->second.last_seen_ms = ms(now);
  totals_[c][static_cast<std::size_t>(o.kind)] += lg_step(&it->second, o);
}

void HealthAggregator::sample(Clock::time_point now, const NozzleLossTotals& nozzle) {
  if (samples_.empty() || now - samples_.back().at >= std::chrono::seconds(1)) {
    samples_.push_back(Sample{now, totals_, nozzle});
  }
  // Keep the newest sample at least a window old (the baseline) and everything after it.
  while (samples_.size() >= 2 && now - samples_[1].at >= window_) samples_.pop_front();
  if (now - last_expiry_ >= std::chrono::minutes(1)) {
    last_expiry_ = now;
    constexpr std::int64_t kForgetAfterMs = std::int64_t{3600} * 1000;  // an hour of silence
    const std::int64_t cutoff = ms(now) - kForgetAfterMs;
    std::erase_if(series_, [cutoff](const auto& kv) { return kv.second.last_seen_ms < cutoff; });
  }
}

double chain_loss(std::initializer_list<double> ratios) {
  double kept = 1.0;
  for (double r : ratios) kept *= 1.0 - std::clamp(r, 0.0, 1.0);
  return 1.0 - kept;
}

HealthReport HealthAggregator::report(Clock::time_point now, const NozzleLossTotals& nozzle) const {
  HealthReport r;
  r.window_max_seconds = static_cast<double>(window_.count());
  r.totals = totals_;
  r.series = series_.size();
  LgTotals base{};
  NozzleLossTotals nbase{};
  if (!samples_.empty()) {
    // The newest sample that is at least a window old, else the oldest one there is.
    const Sample* b = &samples_.front();
    for (const Sample& s : samples_) {
      if (now - s.at >= window_) b = &s;
    }
    base = b->totals;
    nbase = b->nozzle;
    r.window_seconds = std::chrono::duration<double>(now - b->at).count();
  }
  const auto diff = [](std::uint64_t a, std::uint64_t b) { return a >= b ? a - b : 0; };
  for (std::size_t c = 0; c < kLgComponents; ++c) {
    for (std::size_t k = 0; k < kLgKinds; ++k) r.window[c][k] = diff(totals_[c][k], base[c][k]);
    const std::uint64_t in = r.window[c][static_cast<std::size_t>(LgKind::Ingress)];
    const std::uint64_t dropped = r.window[c][static_cast<std::size_t>(LgKind::Dropped)];
    r.component_seen[c] = in > 0;
    r.component_ratio[c] = in > 0 ? std::min(1.0, static_cast<double>(dropped) / static_cast<double>(in)) : 0.0;
  }
  const auto idx = [](LgComponent c) { return static_cast<std::size_t>(c); };
  r.on_path[idx(LgComponent::Agent)] = true;
  r.on_path[idx(LgComponent::Doppler)] = true;
  r.on_path[idx(egress_)] = true;
  double kept = 1.0;
  for (std::size_t c = 0; c < kLgComponents; ++c) {
    if (r.on_path[c] && r.component_seen[c]) kept *= 1.0 - r.component_ratio[c];
  }
  r.loggregator_ratio = 1.0 - kept;

  NozzleLossTotals& w = r.nozzle_window;
  w.received = diff(nozzle.received, nbase.received);
  w.invalid = diff(nozzle.invalid, nbase.invalid);
  w.drain_produced = diff(nozzle.drain_produced, nbase.drain_produced);
  w.drain_dropped = diff(nozzle.drain_dropped, nbase.drain_dropped);
  w.too_large = diff(nozzle.too_large, nbase.too_large);
  const double decode =
      w.received + w.invalid > 0 ? static_cast<double>(w.invalid) / static_cast<double>(w.received + w.invalid) : 0.0;
  const double deliver = w.drain_produced + w.too_large > 0 ? static_cast<double>(w.drain_dropped + w.too_large) /
                                                                  static_cast<double>(w.drain_produced + w.too_large)
                                                            : 0.0;
  r.nozzle_ratio = chain_loss({decode, deliver});
  r.all_ratio = chain_loss({r.loggregator_ratio, r.nozzle_ratio});
  return r;
}

}  // namespace nozzle
