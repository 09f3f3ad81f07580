#include "nozzle/connection_pipeline.h"

#include <algorithm>
#include <cstdio>

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
      emit_([this](Envelope& env, const AppInfo& app) { deliver(env, app); }) {}

void ConnectionPipeline::on_envelope(Envelope& env) { enricher_->process(env, emit_); }

void ConnectionPipeline::on_tick() { enricher_->tick(std::chrono::steady_clock::now(), emit_); }

void ConnectionPipeline::on_stop() {
  enricher_->flush(emit_);
  std::fflush(stdout);
}

void ConnectionPipeline::deliver(Envelope& env, const AppInfo& app) {
  counters_.formatted.add();
  std::fill(done_.begin(), done_.end(), false);
  for (const Route& route : routes_) {
    if (!route.events.contains(env.type) ||
        (!route.orgs.empty() &&
         std::find(route.orgs.begin(), route.orgs.end(), app.org_name) == route.orgs.end())) {
      counters_.drain_filtered.add();
      continue;
    }
    syslog::FormattedMessages& out = out_[route.format];
    if (!done_[route.format]) {
      // Drains that share a format share one formatting of the envelope.
      out.clear();
      formatters_[route.format].format(env, app, out);
      counters_.messages_too_large.add(out.too_large);
      done_[route.format] = true;
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (route.drain != nullptr) {
        (void)route.drain->push(out.message(i));  // the drain counts what it drops
      } else if (stdout_ != nullptr) {
        stdout_->write(out.message(i));
      }
    }
  }
}

}  // namespace nozzle
