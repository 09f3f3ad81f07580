#include "nozzle/app/nozzle.h"

#include <algorithm>
#include <malloc.h>

#include <stdexcept>

#include "cfapi/app_cache.h"
#include "cfapi/cc_client.h"
#include "cfapi/discovery.h"
#include "cfapi/token_provider.h"
#include "core/backoff.h"
#include "core/log.h"
#include "nozzle/pipeline/caching_enricher.h"
#include "nozzle/ingress/firehose_source.h"
#include "nozzle/app/stats_server.h"
#include "syslog/drain_pool.h"

namespace nozzle {

namespace {

cfapi::TlsOptions cf_tls(const Config& c) { return {.ca_file = c.ca_cert, .skip_verify = c.skip_ssl_validation}; }

EnrichOptions enrich_options(const Config& c) {
  EnrichOptions o;
  o.enrich_wait = c.enrich_wait;
  o.orgs = c.orgs;
  o.strip_app_name_suffixes = c.strip_app_name_suffixes;
  o.ignore_missing_apps = c.ignore_missing_apps;
  o.drop_missing_apps = c.drop_missing_apps;
  o.opt_in = c.app_opt_in;
  o.read_labels = c.app_opt_in || std::any_of(c.drains.begin(), c.drains.end(),
                                              [](const syslog::DrainConfig& d) { return d.label_routed; });
  o.hold_bytes = c.enrich_hold_bytes;
  o.cache.cc_pull_time = c.cc_pull_time;
  o.cache.missing_app_ttl = c.missing_app_ttl;
  o.cache.cc_rps = c.cc_rps;
  o.cache.cache_file = c.cache_file;
  return o;
}

// Drains with the same format options share one Formatter (and one formatting per envelope).
std::size_t formatter_for(std::vector<syslog::Formatter>& formatters, const syslog::FormatOptions& o) {
  for (std::size_t i = 0; i < formatters.size(); ++i) {
    const auto& f = formatters[i].options();
    if (f.style == o.style && f.max_message_bytes == o.max_message_bytes && f.director == o.director &&
        f.extra_fields == o.extra_fields && f.procid == o.procid && f.json_logs == o.json_logs) {
      return i;
    }
  }
  formatters.emplace_back(o);
  return formatters.size() - 1;
}

}  // namespace

Nozzle::Nozzle(Config config) : config_(std::move(config)) {}

Nozzle::~Nozzle() { stop(std::chrono::steady_clock::now()); }

void Nozzle::request_stop() {
  {
    std::lock_guard lock(mutex_);
    stop_requested_ = true;
  }
  cv_.notify_all();
}

void Nozzle::wait() {
  // Envelopes held while the app cache warms up, and a drain's backlog, are freed in the
  // firehose threads' malloc arenas, where glibc keeps them resident (it trims only the top of
  // a heap): 64 MiB of free memory stayed in RSS after a warm-up at 50,000 envelopes/s. Giving
  // free pages back every few seconds costs well under a millisecond.
  constexpr int kTrimEvery = 10;  // seconds
  // Once a second, Loggregator's counters are taken from the connections' taps (so that their
  // rings never fill) and a sample is kept for the loss window.
  std::unique_lock lock(mutex_);
  for (int tick = 1; !cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_requested_; }); ++tick) {
    lock.unlock();
    update_health();
    if (tick % kTrimEvery == 0) malloc_trim(0);
    lock.lock();
  }
}

bool Nozzle::discover() {
  cfapi::HttpClient http(cf_tls(config_));
  Backoff backoff(std::chrono::milliseconds(500), std::chrono::milliseconds(30000), Backoff::system_random());
  for (;;) {
    auto found = cfapi::discover(http, cfapi::Endpoints{.api = config_.api_endpoint,
                                                        .doppler = config_.doppler_endpoint,
                                                        .rlp = config_.rlp_endpoint});
    if (found) {
      uaa_url_ = found->uaa;
      firehose_url_ = config_.firehose == FirehoseApi::V1 ? found->doppler : found->rlp;
      if (!firehose_url_.empty()) return true;
      log::error("the API root names no endpoint for the chosen firehose; set --doppler-endpoint or --rlp-endpoint",
                 {{"firehose", config_.firehose == FirehoseApi::V1 ? "v1" : "v2"}});
    } else {
      log::write_limited("discovery", std::chrono::seconds(30), log::Level::Warn, "endpoint discovery failed",
                         {{"reason", found.error()}});
    }
    std::unique_lock lock(mutex_);
    if (cv_.wait_for(lock, backoff.next(), [this] { return stop_requested_; })) return false;
  }
}

bool Nozzle::start() {
  started_at_ = std::chrono::steady_clock::now();
  // Drains and stats first: they need no foundation, and /health answers during discovery.
  const int pid = static_cast<int>(::getpid());
  drains_ = std::make_unique<syslog::DrainPool>();
  if (config_.debug || config_.drains.empty()) {
    syslog::FormatOptions o;
    o.procid = pid;
    o.director = config_.bosh_director;
    o.extra_fields = config_.extra_fields;
    o.max_message_bytes = 1u << 20;
    routes_.push_back(Route{nullptr, EventSet::all(), DrainSelection(config_.selection), formatter_for(formatters_, o)});
  } else {
    for (const syslog::DrainConfig& d : config_.drains) {
      syslog::DrainConfig dc = d;
      dc.format.procid = pid;
      syslog::Drain& drain = drains_->add(dc);
      routes_.push_back(Route{&drain, dc.events, DrainSelection(dc.select), formatter_for(formatters_, dc.format),
                              dc.label_routed ? dc.name : std::string(), dc.label_only,
                              RateLimit{dc.rate_limit, dc.rate_burst}.share(config_.connections)});
    }
  }
  drains_->start();
  start_stats_server();

  if (!discover()) return false;
  tokens_ = std::make_unique<cfapi::TokenProvider>(
      cfapi::UaaConfig{.uaa_url = uaa_url_, .client_id = config_.client_id, .client_secret = config_.client_secret,
                       .username = config_.username, .password = config_.password},
      cf_tls(config_));
  tokens_->start();  // its own thread fetches the first token while the rest starts
  const EnrichOptions enrich = enrich_options(config_);
  cc_ = std::make_unique<cfapi::CcClient>(
      cfapi::CcClientConfig{.api_url = config_.api_endpoint, .tls = cf_tls(config_)}, *tokens_);
  cache_ = std::make_unique<cfapi::AppCache>(enrich.cache, *cc_);
  cache_->start();

  SourceConfig sc;
  sc.endpoint = firehose_url_;
  sc.subscription_id = config_.subscription_id;
  sc.connections = config_.connections;
  sc.events = config_.events;
  sc.tls = {.ca_file = config_.ca_cert, .skip_verify = config_.skip_ssl_validation};
  sc.idle_timeout = std::max(config_.keep_alive, std::chrono::milliseconds(20000));
  sc.read_gather = config_.read_gather;
  sc.backoff_initial = config_.min_retry_delay;
  sc.backoff_max = config_.max_retry_delay;
  if (config_.loggregator_health) {
    std::lock_guard lock(health_mutex_);  // the stats server may be rendering already
    health_taps_ = std::make_unique<HealthTaps>(static_cast<std::size_t>(config_.connections));
    health_ = std::make_unique<HealthAggregator>(
        config_.firehose == FirehoseApi::V1 ? LgComponent::TrafficController : LgComponent::Rlp);
    sc.health = health_taps_.get();
  }
  std::vector<EnvelopeHandler*> handlers;
  const PipelineLimits limits{RateLimit{config_.app_rate_limit, config_.app_rate_burst}.share(config_.connections),
                              &rate_limits_, config_.connections};
  for (int i = 0; i < config_.connections; ++i) {
    pipelines_.push_back(std::make_unique<ConnectionPipeline>(
        std::make_unique<CachingEnricher>(enrich, *cache_, enrich_counters_), formatters_, routes_,
        pipeline_counters_, &stdout_, limits));
    handlers.push_back(pipelines_.back().get());
  }
  // auto: one connection and no spool. With a spool, a drain that is down writes to disk, and
  // that (an fsync included) is kept off the firehose thread.
  const bool spooling = std::any_of(config_.drains.begin(), config_.drains.end(),
                                    [](const syslog::DrainConfig& d) { return d.spool.enabled(); });
  const bool shared = config_.drain_thread == Config::DrainThread::Shared ||
                      (config_.drain_thread == Config::DrainThread::Auto && config_.connections == 1 && !spooling);
  if (shared) sc.shared_io = &drains_->hand_over_thread();
  source_ = make_firehose_source(config_.firehose, sc, *tokens_, handlers);
  source_->start();
  log::info("nozzle started", {{"firehose", firehose_url_},
                               {"subscription_id", config_.subscription_id},
                               {"connections", std::to_string(config_.connections)},
                               {"drain_thread", shared ? "shared" : "own"},
                               {"drains", std::to_string(config_.drains.size())}});
  return true;
}

void Nozzle::stop(std::chrono::steady_clock::time_point deadline) {
  if (stopped_) return;
  stopped_ = true;
  request_stop();
  // The firehose first: each connection flushes its held envelopes into the drains on its way
  // out (ConnectionPipeline::on_stop), so they are queued before the drains flush.
  if (source_) source_->stop();
  // No new token is wanted now. A request to UAA in flight is abandoned (within about a
  // second, inside the deadline the drains flush to), and the cache's thread, should it wait
  // for a token, is let go.
  if (tokens_) tokens_->stop();
  if (drains_) drains_->stop(deadline);
  if (cache_) cache_->stop();  // writes the snapshot
  if (stats_) stats_->stop();
  const Totals t = totals();
  log::info("nozzle stopped", {{"received", std::to_string(t.received)},
                               {"sent_frames", std::to_string(t.sent_frames)},
                               {"dropped_frames", std::to_string(t.dropped_frames)}});
}

// /health always: Cloud Foundry's health check (and a container's) needs it. /metrics and
// /stats/app tell anyone who can reach the port about the foundation's apps and traffic, so
// they are served only with --enable-stats-server (off unless set, as in firehose-to-syslog).
void Nozzle::start_stats_server() {
  const bool stats = config_.enable_stats_server;
  const std::string paths = stats ? "/health /metrics /stats/app /loggregator" : "/health";
  stats_ = std::make_unique<StatsServer>(config_.stats_address, [this, stats, paths](const std::string& path) {
    if (path == "/health") {
      auto [ok, body] = render_health();
      return HttpReply{ok ? 200 : 503, "application/json", std::move(body)};
    }
    if (stats && path == "/metrics") {
      return HttpReply{200, "text/plain; version=0.0.4; charset=utf-8", render_metrics()};
    }
    if (stats && path == "/stats/app") return HttpReply{200, "application/json", render_stats_app()};
    if (stats && path == "/loggregator") return HttpReply{200, "application/json", render_loggregator()};
    if (path == "/") return HttpReply{200, "text/plain; charset=utf-8", "syslog-nozzle: " + paths + "\n"};
    if (path == "/metrics" || path == "/stats/app" || path == "/loggregator") {
      return HttpReply{404, "text/plain; charset=utf-8",
                       "not found: /metrics, /stats/app and /loggregator are served with --enable-stats-server (ENABLE_STATS_SERVER=true)\n"};
    }
    return HttpReply{404, "text/plain; charset=utf-8", "not found\n"};
  });
  stats_->start();
  log::info("stats server listening", {{"address", config_.stats_address},
                                       {"port", std::to_string(stats_->port())},
                                       {"paths", paths}});
}

std::uint16_t Nozzle::stats_port() const { return stats_ ? stats_->port() : 0; }

}  // namespace nozzle
