// The whole nozzle: discovery, UAA tokens, the app cache, the drains, the firehose source with
// one pipeline per connection, and the stats server, started and stopped in order.
//
// Start: drains first (so that nothing is produced before they exist), then the app cache
// (warm-up in the background), then the firehose. Stop (SIGTERM): the firehose first, then each
// connection's held envelopes are flushed into the drains, the drains are flushed until the
// deadline (TLS ends with close_notify), the cache snapshot is written, the stats server stops.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <utility>
#include <string>
#include <vector>

#include "nozzle/app/config.h"
#include "nozzle/pipeline/connection_pipeline.h"
#include "nozzle/pipeline/enricher.h"
#include "nozzle/pipeline/loggregator_health.h"

namespace nozzle {

namespace cfapi {
class TokenProvider;
class CcClient;
class AppCache;
}  // namespace cfapi
namespace syslog {
class DrainPool;
}
class FirehoseSource;
class StatsServer;

class Nozzle {
 public:
  explicit Nozzle(Config config);
  ~Nozzle();
  Nozzle(const Nozzle&) = delete;
  Nozzle& operator=(const Nozzle&) = delete;

  // Starts everything. Discovery is retried with backoff until it succeeds or stop is
  // requested (then returns false). Throws std::runtime_error for start-up errors that retrying
  // cannot fix (an unreadable certificate, a port in use).
  bool start();
  // Blocks until request_stop().
  void wait();
  // Thread-safe; for the signal thread.
  void request_stop();
  // Shuts down in order within the deadline. Idempotent.
  void stop(std::chrono::steady_clock::time_point deadline);

  // /metrics (Prometheus text format), /health (JSON), /stats/app (firehose-to-syslog's JSON).
  [[nodiscard]] std::string render_metrics() const;
  [[nodiscard]] std::pair<bool, std::string> render_health() const;
  [[nodiscard]] std::string render_stats_app() const;
  // /loggregator (JSON): Loggregator's health per component and overall, over the window.
  [[nodiscard]] std::string render_loggregator() const;

  // Totals for the demo's summary and for tests.
  struct Totals {
    std::uint64_t received = 0;   // decoded envelopes (before the event filter)
    std::uint64_t invalid = 0;
    std::uint64_t filtered = 0;   // event filter, org and opt-out drops
    std::uint64_t formatted = 0;
    std::uint64_t enriched = 0;   // names from tags or the cache
    std::uint64_t app_envelopes = 0;
    std::uint64_t sent_frames = 0;
    std::uint64_t dropped_frames = 0;
    std::uint64_t queued_frames = 0;
    std::uint64_t stdout_messages = 0;
  };
  [[nodiscard]] Totals totals() const;
  [[nodiscard]] std::uint16_t stats_port() const;
  [[nodiscard]] const Config& config() const { return config_; }

 private:
  bool discover();
  void start_stats_server();
  // Drains the connections' health taps into the aggregator and records a window sample;
  // returns the report as of now. Called every second by wait() and on each scrape.
  HealthReport update_health() const;
  [[nodiscard]] NozzleLossTotals nozzle_loss_totals() const;

  Config config_;
  std::string uaa_url_;
  std::string firehose_url_;

  std::unique_ptr<cfapi::TokenProvider> tokens_;
  std::unique_ptr<cfapi::CcClient> cc_;
  std::unique_ptr<cfapi::AppCache> cache_;
  std::unique_ptr<syslog::DrainPool> drains_;
  std::vector<syslog::Formatter> formatters_;
  std::vector<Route> routes_;
  PipelineCounters pipeline_counters_;
  RateLimitReport rate_limits_;
  EnrichCounters enrich_counters_;
  StdoutWriter stdout_;
  std::vector<std::unique_ptr<ConnectionPipeline>> pipelines_;
  std::unique_ptr<FirehoseSource> source_;
  std::unique_ptr<StatsServer> stats_;

  // Loggregator health (--loggregator-health): one tap per connection, drained on the main
  // thread or the stats server's, under health_mutex_. Not on the firehose threads.
  mutable std::mutex health_mutex_;
  std::unique_ptr<HealthTaps> health_taps_;           // set under health_mutex_ in start()
  mutable std::unique_ptr<HealthAggregator> health_;  // guarded by health_mutex_
  mutable std::vector<LgObservation> health_buffer_;  // guarded by health_mutex_

  // /stats/app's *_per_sec: rates over the interval since the previous sample (at least 1 s).
  struct RateSample {
    std::chrono::steady_clock::time_point at{};
    std::uint64_t consume = 0;
    std::uint64_t publish = 0;
    std::uint64_t consume_per_sec = 0;
    std::uint64_t publish_per_sec = 0;
  };
  mutable std::mutex rate_mutex_;
  mutable RateSample rate_;

  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_requested_ = false;  // guarded by mutex_
  bool stopped_ = false;
  std::chrono::steady_clock::time_point started_at_;
};

}  // namespace nozzle
