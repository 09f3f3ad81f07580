#include "nozzle/pipeline/connection_pipeline.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "core/log.h"

namespace nozzle {

void StdoutWriter::write(std::string_view message) {
  std::lock_guard lock(mutex_);
  std::fwrite(message.data(), 1, message.size(), stdout);
  if (message.empty() || message.back() != '\n') std::fputc('\n', stdout);
  messages_.add();
}

ConnectionPipeline::ConnectionPipeline(std::unique_ptr<Enricher> enricher,
                                       const std::vector<syslog::Formatter>& formatters,
                                       const std::vector<Route>& routes, PipelineCounters& counters,
                                       StdoutWriter* stdout_writer, PipelineLimits limits)
    : enricher_(std::move(enricher)),
      formatters_(formatters),
      routes_(routes),
      counters_(counters),
      stdout_(stdout_writer),
      out_(formatters.size()),
      done_(formatters.size(), false),
      staged_(routes.size()),
      emit_([this](Envelope& env, const AppInfo& app) { deliver(env, app); }) {
  for (const Route& r : routes_) label_routes_ = label_routes_ || !r.label_name.empty();
  limits_ = limits;
  if (limits_.app.enabled()) limiter_ = std::make_unique<AppRateLimiter>(limits_.app);
  for (const Route& r : routes_) {
    route_limiters_.push_back(r.limit.enabled() && r.drain != nullptr ? std::make_unique<AppRateLimiter>(r.limit)
                                                                      : nullptr);
  }
  route_limited_.assign(routes_.size(), 0);
}

void ConnectionPipeline::on_envelope(Envelope& env) { enricher_->process(env, emit_); }

void ConnectionPipeline::on_batch_end() { commit(); }

void ConnectionPipeline::on_tick() {
  enricher_->tick(std::chrono::steady_clock::now(), emit_);
  report_limits(false);
  commit();
}

void ConnectionPipeline::on_stop() {
  enricher_->flush(emit_);
  report_limits(true);
  commit();
  std::fflush(stdout);
}

std::int64_t ConnectionPipeline::now_ns() {
  if (burst_now_ns_ == 0) {
    burst_now_ns_ =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
  }
  return burst_now_ns_;
}

void ConnectionPipeline::report_limits(bool final) {
  if (limits_.report == nullptr) return;
  const std::int64_t now = now_ns();
  constexpr std::int64_t kEveryNs = 1'000'000'000;  // the limiters are read once a second
  if (!final && now - reported_at_ns_ < kEveryNs) return;
  reported_at_ns_ = now;
  if (limiter_) {
    limiter_->take(drops_, now);
    for (const auto& n : limits_.report->add("global", drops_, now, final)) {
      send_notice(n, limits_.app.per_second, "global", kNoticeAll);
    }
  }
  for (std::size_t r = 0; r < routes_.size(); ++r) {
    if (!route_limiters_[r]) continue;
    route_limiters_[r]->take(drops_, now);
    const std::string& scope = routes_[r].drain->config().name;
    for (const auto& n : limits_.report->add(scope, drops_, now, final)) {
      send_notice(n, routes_[r].limit.per_second, scope, static_cast<int>(r));
    }
  }
}

void ConnectionPipeline::send_notice(const RateLimitReport::Notice& n, double per_second, const std::string& scope,
                                     int mode) {
  // The limit this thread enforces is its share; the notice states the whole limit.
  const double limit = per_second * static_cast<double>(std::max(limits_.connections, 1));
  notice_.clear();
  notice_.type = EventType::LogMessage;
  notice_.origin = "syslog-nozzle";
  notice_.timestamp_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  notice_.log.timestamp_ns = notice_.timestamp_ns;
  notice_.log.app_id = n.app.app_id;
  notice_.log.message = notice_text(n.dropped, limit, scope);
  notice_.log.message_type = LogMessage::Type::Err;
  notice_.log.source_type = "LGR";  // Loggregator's own messages about an app's logs carry LGR
  deliver(notice_, n.app.info(), mode);
  ++notices_;
}

void ConnectionPipeline::commit() {
  for (std::size_t r = 0; r < routes_.size(); ++r) {
    if (!staged_[r].empty()) routes_[r].drain->push_batch(staged_[r]);
  }
  if (formatted_ != 0) counters_.formatted.add(std::exchange(formatted_, 0));
  if (drain_filtered_ != 0) counters_.drain_filtered.add(std::exchange(drain_filtered_, 0));
  if (too_large_ != 0) counters_.messages_too_large.add(std::exchange(too_large_, 0));
  if (label_unknown_ != 0) counters_.label_unknown_drain.add(std::exchange(label_unknown_, 0));
  if (rate_limited_ != 0) counters_.rate_limited.add(std::exchange(rate_limited_, 0));
  if (notices_ != 0) counters_.rate_limit_notices.add(std::exchange(notices_, 0));
  for (std::size_t r = 0; r < route_limited_.size(); ++r) {
    if (route_limited_[r] != 0) routes_[r].drain->counters().rate_limited.add(std::exchange(route_limited_[r], 0));
  }
  burst_now_ns_ = 0;  // the next burst reads the clock again
}

void ConnectionPipeline::deliver(Envelope& env, const AppInfo& app, int mode) {
  // Limits count an app's log lines; notices are never limited.
  const bool limited_kind = mode == kNormal && env.type == EventType::LogMessage && !app.app_id.empty();
  if (limited_kind && limiter_ && !limiter_->allow(app, now_ns())) {
    ++rate_limited_;
    return;
  }
  if (mode == kNormal) ++formatted_;
  std::fill(done_.begin(), done_.end(), false);
  const Subject subject = Subject::of(env, app);
  // A syslog-nozzle/drain label that names a label-routed drain decides among those drains.
  bool by_label = false;
  if (label_routes_ && !app.drain_label.empty()) {
    for (const Route& route : routes_) by_label = by_label || route.label_name == app.drain_label;
    if (!by_label) {
      ++label_unknown_;
      log::write_limited("pipeline.label_unknown_drain", std::chrono::minutes(1), log::Level::Warn,
                         "an app's syslog-nozzle/drain label names no drain routed by label; its selectors decide",
                         {{"app_id", app.app_id}, {"label", app.drain_label}});
    }
  }
  for (std::size_t r = 0; r < routes_.size(); ++r) {
    const Route& route = routes_[r];
    if (mode >= 0 && static_cast<std::size_t>(mode) != r) continue;
    bool selected = false;
    if (by_label && !route.label_name.empty()) selected = route.label_name == app.drain_label;
    else if (!route.label_only) selected = route.selection.selects(subject);
    if (!route.events.contains(env.type) || !selected) {
      if (mode == kNormal) ++drain_filtered_;
      continue;
    }
    if (limited_kind && route_limiters_[r] && !route_limiters_[r]->allow(app, now_ns())) {
      ++route_limited_[r];
      continue;
    }
    syslog::FormattedMessages& out = out_[route.format];
    if (!done_[route.format]) {
      // Drains that share a format share one formatting of the envelope.
      out.clear();
      formatters_[route.format].format(env, app, out);
      too_large_ += out.too_large;
      done_[route.format] = true;
    }
    // A drain group in mode=balance keeps one app's lines (or one VM's, for platform
    // envelopes) on one endpoint.
    const std::string_view key = app.app_id.empty() ? std::string_view(env.ip) : app.app_id;
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (route.drain != nullptr) {
        (void)route.drain->stage_keyed(out.message(i), key, staged_[r]);  // the drain counts what it drops
      } else if (stdout_ != nullptr) {
        stdout_->write(out.message(i));
      }
    }
    if (staged_[r].bytes.size() >= kCommitBytes) route.drain->push_batch(staged_[r]);
  }
}

}  // namespace nozzle
