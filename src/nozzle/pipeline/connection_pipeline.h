// What one firehose connection thread does with each decoded envelope after the event filter:
// enrich, format once per distinct drain format, and push into every drain that wants it (by
// event type and the drain's selectors, selector.h). Also the --debug output (frames to stdout
// instead of drains).
//
// Frames bound for a drain collect in this thread's own batch for the drain and go to the
// drain's queue together at the end of each read burst (on_batch_end), tick or stop, or when
// a batch reaches kCommitBytes: one lock and at most one writer wake-up per burst. The
// stage's counters are kept here too and added to the shared ones at the same moments.
//
// Thread contract: on_envelope/on_tick/on_stop run on the connection's thread only. Drains'
// push_batch() is thread-safe; the formatters and routes are shared read-only.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "nozzle/pipeline/enricher.h"
#include "nozzle/pipeline/envelope_handler.h"
#include "nozzle/pipeline/rate_limiter.h"
#include "nozzle/pipeline/selector.h"
#include "syslog/drain.h"
#include "syslog/rfc5424.h"

namespace nozzle {

// Counters of the stage, shared by all connections.
struct PipelineCounters {
  Counter formatted;            // envelopes that reached formatting
  Counter messages_too_large;   // messages dropped by the formatter (cannot fit max-message-bytes)
  Counter drain_filtered;       // (envelope, drain) pairs skipped by a drain's events= or selectors
  Counter label_unknown_drain;  // app envelopes whose syslog-nozzle/drain label names no label-routed drain
  Counter rate_limited;         // app log lines over --app-rate-limit, dropped before formatting
  Counter rate_limit_notices;   // notices sent to apps' drains about their dropped lines (not formatted_)
};

// --app-rate-limit: the limit (this connection's share) and the report the threads share.
struct PipelineLimits {
  RateLimit app;                      // for every drain; off by default
  RateLimitReport* report = nullptr;  // needed when any limit (this or a route's) is on
  int connections = 1;                // the limits above are 1/connections of what was asked
};

// One destination: a drain (or stdout in --debug) with its own filters.
struct Route {
  syslog::Drain* drain = nullptr;  // null: write to stdout
  EventSet events = EventSet::all();
  DrainSelection selection;  // orgs=, spaces=, apps=, source-types=, exclude-*=, platform=
  std::size_t format = 0;    // index into the formatters
  // The drain's name= when it is routed by label (labels=route, the default of a named drain):
  // an app whose syslog-nozzle/drain label names it comes here whatever the selectors say, and
  // an app whose label names another such drain does not. "" for every other route.
  std::string label_name;
  bool label_only = false;  // labels=only: nothing comes by the selectors
  RateLimit limit;          // rate-limit= (this connection's share): per app, for this drain only
};

// Writes whole messages to stdout under a lock (--debug and --demo).
class StdoutWriter {
 public:
  void write(std::string_view message);
  [[nodiscard]] std::uint64_t messages() const { return messages_.get(); }

 private:
  std::mutex mutex_;
  Counter messages_;
};

class ConnectionPipeline final : public EnvelopeHandler {
 public:
  ConnectionPipeline(std::unique_ptr<Enricher> enricher, const std::vector<syslog::Formatter>& formatters,
                     const std::vector<Route>& routes, PipelineCounters& counters, StdoutWriter* stdout_writer,
                     PipelineLimits limits = {});

  // A batch this large goes to its drain at once, whatever the burst: it bounds the memory
  // and the delay of frames of a long burst.
  static constexpr std::size_t kCommitBytes = 256u << 10;

  void on_envelope(Envelope& env) override;
  void on_batch_end() override;
  void on_tick() override;
  void on_stop() override;

 private:
  static constexpr int kNormal = -2;     // deliver(): an envelope of the firehose
  static constexpr int kNoticeAll = -1;  // a notice for every drain that selects the app
  // Routes an envelope to its drains; a notice (kNoticeAll, or one route's index) bypasses the
  // limits and is not counted as formatted.
  void deliver(Envelope& env, const AppInfo& app, int mode = kNormal);
  // Hands the limiters' drops to the report and sends the notices it says are due.
  void report_limits(bool final);
  void send_notice(const RateLimitReport::Notice& n, double per_second, const std::string& scope, int mode);
  std::int64_t now_ns();
  // Hands every route's batch to its drain and adds the local counts to the shared counters.
  void commit();

  std::unique_ptr<Enricher> enricher_;
  const std::vector<syslog::Formatter>& formatters_;
  const std::vector<Route>& routes_;
  PipelineCounters& counters_;
  StdoutWriter* stdout_;
  std::vector<syslog::FormattedMessages> out_;  // one per formatter, reused
  std::vector<bool> done_;                      // out_[i] holds this envelope's messages
  std::vector<syslog::FrameBatch> staged_;      // per route: frames not yet handed to the drain
  bool label_routes_ = false;                   // some route has a label_name
  std::uint64_t label_unknown_ = 0;
  // Limits: the global limiter, one per limited route (null otherwise), and their drops.
  PipelineLimits limits_;
  std::unique_ptr<AppRateLimiter> limiter_;
  std::vector<std::unique_ptr<AppRateLimiter>> route_limiters_;
  std::vector<std::uint64_t> route_limited_;
  std::uint64_t rate_limited_ = 0;
  std::uint64_t notices_ = 0;
  std::int64_t burst_now_ns_ = 0;  // the clock, read once per burst (0: not yet)
  std::int64_t reported_at_ns_ = 0;
  std::vector<Drops> drops_;
  Envelope notice_;
  std::uint64_t formatted_ = 0;  // not yet added to counters_
  std::uint64_t drain_filtered_ = 0;
  std::uint64_t too_large_ = 0;
  Enricher::Emit emit_;
};

}  // namespace nozzle
