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
                                       StdoutWriter* stdout_writer)
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
}

void ConnectionPipeline::on_envelope(Envelope& env) { enricher_->process(env, emit_); }

void ConnectionPipeline::on_batch_end() { commit(); }

void ConnectionPipeline::on_tick() {
  enricher_->tick(std::chrono::steady_clock::now(), emit_);
  commit();
}

void ConnectionPipeline::on_stop() {
  enricher_->flush(emit_);
  commit();
  std::fflush(stdout);
}

void ConnectionPipeline::commit() {
  for (std::size_t r = 0; r < routes_.size(); ++r) {
    if (!staged_[r].empty()) routes_[r].drain->push_batch(staged_[r]);
  }
  if (formatted_ != 0) counters_.formatted.add(std::exchange(formatted_, 0));
  if (drain_filtered_ != 0) counters_.drain_filtered.add(std::exchange(drain_filtered_, 0));
  if (too_large_ != 0) counters_.messages_too_large.add(std::exchange(too_large_, 0));
  if (label_unknown_ != 0) counters_.label_unknown_drain.add(std::exchange(label_unknown_, 0));
}

void ConnectionPipeline::deliver(Envelope& env, const AppInfo& app) {
  ++formatted_;
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
    bool selected = false;
    if (by_label && !route.label_name.empty()) selected = route.label_name == app.drain_label;
    else if (!route.label_only) selected = route.selection.selects(subject);
    if (!route.events.contains(env.type) || !selected) {
      ++drain_filtered_;
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
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (route.drain != nullptr) {
        (void)route.drain->stage(out.message(i), staged_[r]);  // the drain counts what it drops
      } else if (stdout_ != nullptr) {
        stdout_->write(out.message(i));
      }
    }
    if (staged_[r].bytes.size() >= kCommitBytes) route.drain->push_batch(staged_[r]);
  }
}

}  // namespace nozzle
