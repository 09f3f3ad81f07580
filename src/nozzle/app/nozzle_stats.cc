// The nozzle's counters as /metrics (Prometheus text format 0.0.4), /health and /stats/app.
// Everything is read from atomics; nothing here waits on the pipeline.
#include <cstdlib>
#include <string>

#include "cfapi/app_cache.h"
#include "cfapi/token_provider.h"
#include "nozzle/ingress/firehose_source.h"
#include "nozzle/app/nozzle.h"
#include "syslog/drain_group.h"
#include "syslog/drain_pool.h"

namespace nozzle {

namespace {

class PromWriter {
 public:
  // Starts a metric family.
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP syslog_nozzle_";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE syslog_nozzle_";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  // One sample; labels as k1, v1, k2, v2...
  void sample(std::string_view name, std::initializer_list<std::string_view> labels, double value) {
    out_ += "syslog_nozzle_";
    out_ += name;
    if (labels.size() > 0) {
      out_ += '{';
      bool key = true;
      bool first = true;
      for (std::string_view l : labels) {
        if (key) {
          if (!first) out_ += ',';
          out_ += l;
          out_ += "=\"";
        } else {
          escape(l);
          out_ += '"';
        }
        key = !key;
        first = false;
      }
      out_ += '}';
    }
    out_ += ' ';
    char buf[32];
    if (value == static_cast<double>(static_cast<std::int64_t>(value))) {
      std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(value));
    } else {
      std::snprintf(buf, sizeof buf, "%.6g", value);
    }
    out_ += buf;
    out_ += '\n';
  }
  void single(std::string_view name, std::string_view type, std::string_view help, double value) {
    family(name, type, help);
    sample(name, {}, value);
  }
  std::string take() { return std::move(out_); }

 private:
  void escape(std::string_view v) {
    for (char c : v) {
      if (c == '\\') out_ += "\\\\";
      else if (c == '"') out_ += "\\\"";
      else if (c == '\n') out_ += "\\n";
      else out_ += c;
    }
  }
  std::string out_;
};

double u(std::uint64_t v) { return static_cast<double>(v); }

void json_field(std::string& out, std::string_view key, std::int64_t value, bool last = false) {
  out += '"';
  out += key;
  out += "\":";
  out += std::to_string(value);
  if (!last) out += ',';
}

}  // namespace

Nozzle::Totals Nozzle::totals() const {
  Totals t;
  if (source_) {
    auto& s = source_->counters();
    for (const auto& c : s.received_by_type) t.received += c.get();
    t.invalid = s.invalid.get();
    t.filtered = s.filtered.get();
  }
  const auto& e = enrich_counters_;
  t.filtered += e.dropped_org.get() + e.dropped_opt_out.get() + e.dropped_missing.get() + e.not_opted_in.get() +
                e.opt_in_unknown.get() + pipeline_counters_.rate_limited.get();
  t.formatted = pipeline_counters_.formatted.get();
  t.enriched = e.from_tags.get() + e.from_cache.get();
  t.app_envelopes = t.enriched + e.timeouts.get() + e.unknown_app.get() + e.hold_full.get() +
                    e.cc_unavailable.get() + e.invalid_app_id.get();
  if (drains_) {
    for (std::size_t i = 0; i < drains_->size(); ++i) {
      auto& c = drains_->at(i).counters();
      t.sent_frames += c.sent_frames.get();
      t.dropped_frames += c.dropped_total();
      t.queued_frames += static_cast<std::uint64_t>(std::max<std::int64_t>(0, c.queued_frames.get()));
    }
  }
  t.stdout_messages = stdout_.messages();
  return t;
}

namespace {

// Drain groups (README "Drain groups"): each endpoint's own counters, labelled with the group's
// name and the endpoint (HOST:PORT), so the label sets are bounded by the configuration.
template <typename Writer>
void render_endpoint_metrics(Writer& w, syslog::DrainPool& drains) {
  std::vector<syslog::DrainGroup*> groups;
  for (std::size_t i = 0; i < drains.size(); ++i) {
    if (auto* g = dynamic_cast<syslog::DrainGroup*>(&drains.at(i))) groups.push_back(g);
  }
  if (groups.empty()) return;
  w.family("drain_group_switches_total", "counter", "Times a drain group changed the endpoints that take its traffic.");
  for (auto* g : groups) w.sample("drain_group_switches_total", {"drain", g->config().name}, static_cast<double>(g->switches()));
  const auto per_endpoint = [&](const char* name, const char* type, const char* help, auto value) {
    w.family(name, type, help);
    for (auto* g : groups) {
      for (std::size_t j = 0; j < g->endpoint_count(); ++j) {
        const std::string endpoint = syslog::endpoint_label(g->config().group.endpoints[j]);
        w.sample(name, {"drain", g->config().name, "endpoint", endpoint}, static_cast<double>(value(*g, j)));
      }
    }
  };
  using G = syslog::DrainGroup;
  per_endpoint("drain_endpoint_up", "gauge", "1 while the group endpoint's connection is up.",
               [](G& g, std::size_t j) { return g.endpoint(j).counters().connected.get(); });
  per_endpoint("drain_endpoint_active", "gauge", "1 while the group endpoint takes traffic (failover: the active one; balance: in the ring).",
               [](G& g, std::size_t j) { return g.endpoint_active(j) ? 1 : 0; });
  per_endpoint("drain_endpoint_produced_total", "counter", "Frames handed to the group endpoint (frames moved to it from another endpoint included).",
               [](G& g, std::size_t j) { return g.endpoint(j).counters().produced.get(); });
  per_endpoint("drain_endpoint_sent_frames_total", "counter", "Frames the group endpoint wrote.",
               [](G& g, std::size_t j) { return g.endpoint(j).counters().sent_frames.get(); });
  per_endpoint("drain_endpoint_dropped_total", "counter", "Frames the group endpoint dropped, every reason (drain_dropped_total has them by reason for the group).",
               [](G& g, std::size_t j) { return g.endpoint(j).counters().dropped_total(); });
  per_endpoint("drain_endpoint_handed_over_total", "counter", "Queued frames the group moved from this endpoint to another while it was down.",
               [](G& g, std::size_t j) { return g.endpoint(j).counters().handed_over.get(); });
  per_endpoint("drain_endpoint_queue_frames", "gauge", "Frames queued or in flight at the group endpoint.",
               [](G& g, std::size_t j) { return g.endpoint(j).counters().queued_frames.get(); });
  per_endpoint("drain_endpoint_spool_frames", "gauge", "Frames in the group endpoint's disk spool, not yet read.",
               [](G& g, std::size_t j) { return g.endpoint(j).counters().spool_frames.get(); });
  per_endpoint("drain_endpoint_connect_failures_total", "counter", "Failed connection attempts of the group endpoint.",
               [](G& g, std::size_t j) { return g.endpoint(j).counters().connect_failures.get(); });
}

}  // namespace

std::string Nozzle::render_metrics() const {
  PromWriter w;
  w.family("envelopes_received_total", "counter", "Decoded firehose envelopes, by event type, before the event filter.");
  for (EventType type : kAllEventTypes) {
    const std::uint64_t v =
        source_ ? source_->counters().received_by_type[static_cast<std::size_t>(type)].get() : 0;
    w.sample("envelopes_received_total", {"type", event_type_name(type)}, u(v));
  }
  const SourceCounters empty_source;
  const SourceCounters& s = source_ ? source_->counters() : empty_source;
  w.single("firehose_frames_total", "counter", "Websocket frames and SSE data events received.", u(s.frames.get()));
  w.single("envelopes_invalid_total", "counter", "Envelopes or batches that failed to decode (skipped).", u(s.invalid.get()));
  const auto& e = enrich_counters_;
  w.family("envelopes_filtered_total", "counter", "Envelopes dropped on purpose, by reason.");
  w.sample("envelopes_filtered_total", {"reason", "event_type"}, u(s.filtered.get()));
  w.sample("envelopes_filtered_total", {"reason", "org"}, u(e.dropped_org.get()));
  w.sample("envelopes_filtered_total", {"reason", "opt_out"}, u(e.dropped_opt_out.get()));
  w.sample("envelopes_filtered_total", {"reason", "missing_app"}, u(e.dropped_missing.get()));
  w.sample("envelopes_filtered_total", {"reason", "not_opted_in"}, u(e.not_opted_in.get()));
  w.sample("envelopes_filtered_total", {"reason", "opt_in_unknown"}, u(e.opt_in_unknown.get()));
  w.sample("envelopes_filtered_total", {"reason", "app_rate_limit"}, u(pipeline_counters_.rate_limited.get()));
  w.family("envelopes_enriched_total", "counter", "App envelopes that got their names, by where from.");
  w.sample("envelopes_enriched_total", {"source", "tags"}, u(e.from_tags.get()));
  w.sample("envelopes_enriched_total", {"source", "cache"}, u(e.from_cache.get()));
  w.family("envelopes_unenriched_total", "counter", "App envelopes sent without names, by reason.");
  w.sample("envelopes_unenriched_total", {"reason", "enrich_timeout"}, u(e.timeouts.get()));
  w.sample("envelopes_unenriched_total", {"reason", "unknown_app"}, u(e.unknown_app.get()));
  w.sample("envelopes_unenriched_total", {"reason", "hold_full"}, u(e.hold_full.get()));
  w.sample("envelopes_unenriched_total", {"reason", "cc_unavailable"}, u(e.cc_unavailable.get()));
  w.sample("envelopes_unenriched_total", {"reason", "invalid_app_id"}, u(e.invalid_app_id.get()));
  w.single("envelopes_held", "gauge", "Envelopes held while their app is looked up.", static_cast<double>(e.holding.get()));
  w.single("enrich_timeouts_total", "counter", "Held envelopes sent without names after --enrich-wait.", u(e.timeouts.get()));
  w.single("envelopes_formatted_total", "counter", "Envelopes that reached formatting.", u(pipeline_counters_.formatted.get()));
  w.single("messages_too_large_total", "counter", "Messages the formatter could not fit into max-message-bytes.",
           u(pipeline_counters_.messages_too_large.get()));
  w.single("drain_filtered_total", "counter", "Envelope and drain pairs skipped by a drain's events= or selectors (orgs=, apps=, ...).",
           u(pipeline_counters_.drain_filtered.get()));
  w.single("label_unknown_drain_total", "counter",
           "App envelopes whose syslog-nozzle/drain label names no drain routed by label (their drains' selectors decided).",
           u(pipeline_counters_.label_unknown_drain.get()));
  w.single("rate_limit_notices_total", "counter",
           "Notices sent to limited apps' drains saying how many of their lines were dropped (not counted as formatted).",
           u(pipeline_counters_.rate_limit_notices.get()));
  w.family("app_rate_limited_total", "counter",
           "Log lines dropped over a rate limit, for the 10 apps with the most, by limit (global or the drain's name).");
  for (const auto& t : rate_limits_.top()) {
    w.sample("app_rate_limited_total",
             {"scope", t.scope, "app_id", t.app.app_id, "app_name", t.app.app_name, "space_name", t.app.space_name,
              "org_name", t.app.org_name},
             u(t.dropped));
  }

  w.single("firehose_connected", "gauge", "Firehose connections up.", static_cast<double>(s.connected.get()));
  w.single("firehose_reconnects_total", "counter", "Firehose connections made after an earlier one ended.", u(s.reconnects.get()));
  w.single("firehose_connect_failures_total", "counter", "Failed firehose connection attempts.", u(s.connect_failures.get()));
  w.single("firehose_auth_refusals_total", "counter", "Tokens refused by the firehose (401 v1, 404 v2).", u(s.auth_refusals.get()));
  w.single("firehose_read_gathers_total", "counter",
           "Waits of --firehose-read-gather before a read, while the firehose trickled (one wake-up for several envelopes).",
           u(s.read_gathers.get()));
  w.single("slow_consumer_alerts_total", "counter", "Slow-consumer signals: close 1008 or doppler_proxy.slow_consumer.", u(s.slow_consumer.get()));
  w.single("upstream_dropped_total", "counter", "Envelopes doppler reported dropping for this subscription.", u(s.upstream_dropped.get()));
  w.single("uaa_tokens_fetched_total", "counter", "UAA tokens fetched.", u(tokens_ ? tokens_->tokens_fetched() : 0));
  w.single("uaa_token_failures_total", "counter", "Failed UAA token requests.", u(tokens_ ? tokens_->fetch_failures() : 0));

  if (cache_) {
    auto& c = cache_->counters();
    w.family("cc_requests_total", "counter", "Cloud Controller requests, by outcome.");
    const std::uint64_t failed = c.failures.get();
    const std::uint64_t limited = c.rate_limited.get();
    const std::uint64_t total = c.requests.get();
    w.sample("cc_requests_total", {"outcome", "ok"}, u(total >= failed ? total - failed : 0));
    w.sample("cc_requests_total", {"outcome", "failed"}, u(failed >= limited ? failed - limited : 0));
    w.sample("cc_requests_total", {"outcome", "rate_limited"}, u(limited));
    w.single("app_cache_refreshed_total", "counter", "Apps asked for again because their entry expired and they were seen since.",
             u(c.refreshed.get()));
    w.single("app_cache_refresh_skipped_total", "counter",
             "Expired entries of apps not seen since their last answer: kept and served, not asked for until seen.",
             u(c.refresh_skipped.get()));
    w.single("app_cache_entries", "gauge", "Apps in the cache (known, missing and pending).", static_cast<double>(c.entries.get()));
    const std::uint64_t hits = e.from_cache.get();
    const std::uint64_t misses = e.held.get() + e.unknown_app.get();
    w.single("app_cache_hit_ratio", "gauge", "Share of untagged app envelopes whose names were in the cache.",
             hits + misses == 0 ? 1.0 : static_cast<double>(hits) / static_cast<double>(hits + misses));
  }

  if (drains_) {
    w.family("drain_messages_produced_total", "counter", "Messages offered to each drain.");
    for (std::size_t i = 0; i < drains_->size(); ++i) {
      auto& d = drains_->at(i);
      w.sample("drain_messages_produced_total", {"drain", d.config().name}, u(d.counters().produced.get()));
    }
    w.family("drain_sent_frames_total", "counter", "Frames written to each drain.");
    for (std::size_t i = 0; i < drains_->size(); ++i) {
      auto& d = drains_->at(i);
      w.sample("drain_sent_frames_total", {"drain", d.config().name}, u(d.counters().sent_frames.get()));
    }
    w.family("drain_sent_bytes_total", "counter", "Bytes written to each drain, framing included.");
    for (std::size_t i = 0; i < drains_->size(); ++i) {
      auto& d = drains_->at(i);
      w.sample("drain_sent_bytes_total", {"drain", d.config().name}, u(d.counters().sent_bytes.get()));
    }
    w.family("drain_dropped_total", "counter", "Messages each drain dropped, by reason.");
    for (std::size_t i = 0; i < drains_->size(); ++i) {
      auto& d = drains_->at(i);
      auto& c = d.counters();
      w.sample("drain_dropped_total", {"drain", d.config().name, "reason", "queue_full"}, u(c.dropped_queue_full.get()));
      w.sample("drain_dropped_total", {"drain", d.config().name, "reason", "too_large"}, u(c.dropped_too_large.get()));
      w.sample("drain_dropped_total", {"drain", d.config().name, "reason", "write_failed"}, u(c.dropped_write_failed.get()));
      w.sample("drain_dropped_total", {"drain", d.config().name, "reason", "shutdown"}, u(c.dropped_shutdown.get()));
      w.sample("drain_dropped_total", {"drain", d.config().name, "reason", "spool_full"}, u(c.dropped_spool_full.get()));
      w.sample("drain_dropped_total", {"drain", d.config().name, "reason", "spool_io"}, u(c.dropped_spool_io.get()));
      w.sample("drain_dropped_total", {"drain", d.config().name, "reason", "spool_corrupt"}, u(c.dropped_spool_corrupt.get()));
    }
    // Delivery: the spool, resends and RELP acknowledgements (zero for drains without them).
    const auto per_drain = [&](const char* name, const char* type, const char* help, auto value) {
      w.family(name, type, help);
      for (std::size_t i = 0; i < drains_->size(); ++i) {
        auto& d = drains_->at(i);
        w.sample(name, {"drain", d.config().name}, static_cast<double>(value(d.counters())));
      }
    };
    using C = syslog::DrainCounters;
    per_drain("drain_spool_frames", "gauge", "Frames in the drain's disk spool, not yet read.", [](C& c) { return c.spool_frames.get(); });
    per_drain("drain_spool_bytes", "gauge", "Bytes of the drain's spool segments.", [](C& c) { return c.spool_bytes.get(); });
    per_drain("drain_spool_segments", "gauge", "Segment files of the drain's spool.", [](C& c) { return c.spool_segments.get(); });
    per_drain("drain_spool_failed", "gauge", "1 while the spool is off after an I/O error (memory only).", [](C& c) { return c.spool_failed.get(); });
    per_drain("drain_spooled_frames_total", "counter", "Frames moved from memory to the spool.", [](C& c) { return c.spooled.get(); });
    per_drain("drain_replayed_frames_total", "counter", "Frames read back from the spool and delivered.", [](C& c) { return c.replayed.get(); });
    per_drain("drain_recovered_frames_total", "counter", "Frames found in the spool at start (counted as produced).", [](C& c) { return c.recovered_frames.get(); });
    per_drain("drain_rate_limited_total", "counter", "App log lines over the drain's rate-limit=, never offered to it (not in produced).", [](C& c) { return c.rate_limited.get(); });
    per_drain("drain_resent_frames_total", "counter", "Frames written again on a new connection after a break.", [](C& c) { return c.resent.get(); });
    per_drain("drain_relp_in_flight_frames", "gauge", "RELP frames sent and not yet acknowledged.", [](C& c) { return c.relp_in_flight.get(); });
    w.family("drain_queue_frames", "gauge", "Frames queued or in flight per drain.");
    for (std::size_t i = 0; i < drains_->size(); ++i) {
      auto& d = drains_->at(i);
      w.sample("drain_queue_frames", {"drain", d.config().name}, static_cast<double>(d.counters().queued_frames.get()));
    }
    w.family("drain_queue_bytes", "gauge", "Bytes queued or in flight per drain.");
    for (std::size_t i = 0; i < drains_->size(); ++i) {
      auto& d = drains_->at(i);
      w.sample("drain_queue_bytes", {"drain", d.config().name}, static_cast<double>(d.counters().queued_bytes.get()));
    }
    // The bounds, so that a dashboard shows how full the queue and the spool are.
    w.family("drain_queue_max_bytes", "gauge", "Bytes the drain's memory queue holds at most (past it: spool or queue_full).");
    for (std::size_t i = 0; i < drains_->size(); ++i) {
      auto& d = drains_->at(i);
      w.sample("drain_queue_max_bytes", {"drain", d.config().name}, static_cast<double>(d.config().queue_max_bytes));
    }
    w.family("drain_spool_max_bytes", "gauge", "Bytes the drain's spool may hold (0: no spool).");
    for (std::size_t i = 0; i < drains_->size(); ++i) {
      auto& d = drains_->at(i);
      const auto& spool = d.config().spool;
      w.sample("drain_spool_max_bytes", {"drain", d.config().name}, spool.enabled() ? static_cast<double>(spool.max_bytes) : 0.0);
    }
    w.family("drain_connected", "gauge", "1 while the drain's connection is up.");
    for (std::size_t i = 0; i < drains_->size(); ++i) {
      auto& d = drains_->at(i);
      w.sample("drain_connected", {"drain", d.config().name}, static_cast<double>(d.counters().connected.get()));
    }
    w.family("drain_reconnects_total", "counter", "Connections made after an earlier one ended, per drain.");
    for (std::size_t i = 0; i < drains_->size(); ++i) {
      auto& d = drains_->at(i);
      w.sample("drain_reconnects_total", {"drain", d.config().name}, u(d.counters().reconnects.get()));
    }
    w.family("drain_connect_failures_total", "counter", "Failed connection attempts per drain (TLS included).");
    for (std::size_t i = 0; i < drains_->size(); ++i) {
      auto& d = drains_->at(i);
      w.sample("drain_connect_failures_total", {"drain", d.config().name}, u(d.counters().connect_failures.get()));
    }
    render_endpoint_metrics(w, *drains_);
  }
  // Loggregator's health and the foundation's loss (README, "Loggregator health").
  const HealthReport h = update_health();
  const auto lg_counter = [&](LgKind kind, const char* help) {
    const std::string name = "loggregator_" + std::string(lg_kind_name(kind)) + "_total";
    w.family(name, "counter", help);
    for (std::size_t c = 0; c < kLgComponents; ++c) {
      w.sample(name, {"component", lg_component_name(static_cast<LgComponent>(c))},
               u(h.totals[c][static_cast<std::size_t>(kind)]));
    }
  };
  lg_counter(LgKind::Ingress, "Envelopes Loggregator's components say they received, summed over their instances (counter resets excluded).");
  lg_counter(LgKind::Egress, "Envelopes Loggregator's components say they sent on, summed over their instances.");
  lg_counter(LgKind::Dropped, "Envelopes Loggregator's components say they dropped, summed over their instances.");
  w.family("loggregator_loss_ratio", "gauge",
           "Dropped over ingress of each Loggregator component over the last 5 minutes; all: 1 - (1-agent)(1-doppler)(1-traffic_controller or rlp).");
  for (std::size_t c = 0; c < kLgComponents; ++c) {
    w.sample("loggregator_loss_ratio", {"component", lg_component_name(static_cast<LgComponent>(c))}, h.component_ratio[c]);
  }
  w.sample("loggregator_loss_ratio", {"component", "all"}, h.loggregator_ratio);
  w.single("loggregator_window_seconds", "gauge", "Seconds the loss ratios cover (5 minutes once the nozzle has run that long).",
           h.window_seconds);
  w.single("loggregator_samples_dropped_total", "counter", "Loggregator counter readings lost because a connection's ring was full.",
           u(h.samples_dropped));
  w.family("loss_ratio", "gauge",
           "Share of the foundation's envelopes lost over the last 5 minutes: in Loggregator, in the nozzle (decode failures and drain drops), or all.");
  w.sample("loss_ratio", {"where", "loggregator"}, h.loggregator_ratio);
  w.sample("loss_ratio", {"where", "nozzle"}, h.nozzle_ratio);
  w.sample("loss_ratio", {"where", "all"}, h.all_ratio);
  return w.take();
}

std::pair<bool, std::string> Nozzle::render_health() const {
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  const std::int64_t firehose = source_ ? source_->counters().connected.get() : 0;
  bool ok = firehose > 0;
  bool any_degraded = false;
  std::string drains = "[";
  if (drains_) {
    for (std::size_t i = 0; i < drains_->size(); ++i) {
      auto& d = drains_->at(i);
      auto& c = d.counters();
      const std::int64_t since = c.down_since_ms.get();
      const std::int64_t down_ms = c.connected.get() == 1 || since == 0 ? 0 : now_ms - since;
      // A drain with a working spool that still has room loses nothing while down: failing the
      // instance would restart it, and on Cloud Foundry a restart throws the spool away.
      const auto& spool = d.config().spool;
      const bool spooling = spool.enabled() && c.spool_failed.get() == 0;
      const double spool_use = spool.enabled() ? static_cast<double>(c.spool_bytes.get()) / static_cast<double>(spool.max_bytes) : 0.0;
      const bool down_too_long = down_ms > config_.drain_down_threshold.count() && !(spooling && spool_use < 1.0);
      const bool degraded = spool_use > 0.8 || c.spool_failed.get() != 0;
      ok = ok && !down_too_long;
      any_degraded = any_degraded || degraded;
      if (i > 0) drains += ',';
      drains += "{\"name\":\"" + d.config().name + "\",\"connected\":" +
                (c.connected.get() == 1 ? "true" : "false") + ",\"down_ms\":" + std::to_string(down_ms);
      if (spool.enabled()) {
        drains += ",\"spool_bytes\":" + std::to_string(c.spool_bytes.get()) + ",\"spool_max_bytes\":" +
                  std::to_string(spool.max_bytes) + ",\"spool_failed\":" + (c.spool_failed.get() ? "true" : "false");
      }
      drains += std::string(",\"degraded\":") + (degraded ? "true" : "false") + "}";
    }
  }
  drains += "]";
  std::string body = std::string("{\"status\":\"") + (!ok ? "unhealthy" : any_degraded ? "degraded" : "ok") +
                     "\",\"firehose_connections\":" + std::to_string(firehose) + ",\"drains\":" + drains + "}\n";
  return {ok, body};
}

std::string Nozzle::render_stats_app() const {
  // firehose-to-syslog's /stats/app keys, each counted (its "subinupt_buffer" spelling kept).
  const Totals t = totals();
  const SourceCounters empty_source;
  const SourceCounters& s = source_ ? source_->counters() : empty_source;
  auto by = [&](EventType type) {
    return static_cast<std::int64_t>(s.received_by_type[static_cast<std::size_t>(type)].get());
  };
  const std::uint64_t publish = t.sent_frames + t.stdout_messages;
  std::uint64_t consume_rate = 0;
  std::uint64_t publish_rate = 0;
  {
    std::lock_guard lock(rate_mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (rate_.at == std::chrono::steady_clock::time_point{}) rate_.at = started_at_;
    const double elapsed = std::chrono::duration<double>(now - rate_.at).count();
    if (elapsed >= 1.0) {
      rate_.consume_per_sec = static_cast<std::uint64_t>(static_cast<double>(t.received - rate_.consume) / elapsed);
      rate_.publish_per_sec = static_cast<std::uint64_t>(static_cast<double>(publish - rate_.publish) / elapsed);
      rate_ = RateSample{now, t.received, publish, rate_.consume_per_sec, rate_.publish_per_sec};
    }
    consume_rate = rate_.consume_per_sec;
    publish_rate = rate_.publish_per_sec;
  }
  const char* index = std::getenv("CF_INSTANCE_INDEX");
  std::string out = "{";
  json_field(out, "consume", static_cast<std::int64_t>(t.received));
  json_field(out, "consume_per_sec", static_cast<std::int64_t>(consume_rate));
  json_field(out, "consume_fail", static_cast<std::int64_t>(t.invalid));
  json_field(out, "consume_http_start_stop", by(EventType::HttpStartStop));
  json_field(out, "consume_value_metric", by(EventType::ValueMetric));
  json_field(out, "consume_counter_event", by(EventType::CounterEvent));
  json_field(out, "consume_log_message", by(EventType::LogMessage));
  json_field(out, "consume_error", by(EventType::Error));
  json_field(out, "consume_container_metric", by(EventType::ContainerMetric));
  json_field(out, "consume_unknown", by(EventType::Event));
  json_field(out, "ignored", static_cast<std::int64_t>(t.filtered));
  json_field(out, "forwarded", static_cast<std::int64_t>(t.formatted));
  json_field(out, "publish", static_cast<std::int64_t>(publish));
  json_field(out, "publish_per_sec", static_cast<std::int64_t>(publish_rate));
  json_field(out, "publish_fail", static_cast<std::int64_t>(t.dropped_frames));
  json_field(out, "slow_consumer_alert", static_cast<std::int64_t>(s.slow_consumer.get()));
  json_field(out, "subinupt_buffer", static_cast<std::int64_t>(t.queued_frames));
  json_field(out, "instance_id", index != nullptr ? std::atoll(index) : 0, true);
  out += "}\n";
  return out;
}

}  // namespace nozzle
