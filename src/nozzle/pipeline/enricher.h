// The enrich stage: adds app, space and org names to app envelopes, and drops what must not go
// out (opted-out apps, orgs outside the --orgs allow-list). One Enricher per firehose
// connection thread; the app cache behind it is shared and thread-safe.
//
// Thread contract: every method is called on the owning connection thread only. `emit` is
// called on that thread too, from inside process(), tick() or flush(), once for each envelope
// that goes on, with the names found (empty fields when unknown). An envelope whose names are
// still being looked up may be held (copied) for at most the enrich wait and emitted later from
// tick(); process() never blocks on the network.
#pragma once

#include <chrono>
#include <functional>

#include "core/counter.h"
#include "core/envelope.h"

namespace nozzle {

struct EnrichCounters {
  Counter from_tags;         // names taken from the envelope's own tags
  Counter from_cache;        // names from the app cache
  Counter not_app;           // platform envelopes: nothing to enrich
  Counter held;              // envelopes held while their app was looked up
  Counter timeouts;          // held envelopes sent without names after the enrich wait
  Counter unknown_app;       // sent without names: Cloud Controller does not know the app
  Counter dropped_missing;   // dropped: unknown app and EnrichOptions::drop_missing_apps
  Counter dropped_org;       // dropped: org outside --orgs, or unknown while --orgs is set
  Counter dropped_opt_out;   // dropped: the app opted out (f2s-disable-logging: "true", syslog-nozzle/forward=false)
  Counter not_opted_in;      // dropped: --app-selection opt-in and the app carries no forwarding label
  Counter opt_in_unknown;    // dropped: --app-selection opt-in and the app's labels are unknown
  Counter hold_full;         // sent at once without names: the hold buffer's byte bound was reached
  Counter cc_unavailable;    // sent at once without names: Cloud Controller is failing, no wait
  Counter invalid_app_id;    // sent without names: the app id is not a guid
  Gauge holding;             // envelopes held now
  Gauge holding_bytes;       // their estimated bytes
};

class Enricher {
 public:
  using Emit = std::function<void(Envelope& env, const AppInfo& app)>;
  virtual ~Enricher() = default;

  virtual void process(Envelope& env, const Emit& emit) = 0;
  // Emits held envelopes whose lookup finished or whose wait ran out. Called periodically.
  virtual void tick(std::chrono::steady_clock::time_point now, const Emit& emit) = 0;
  // Emits everything still held (without waiting), at shutdown.
  virtual void flush(const Emit& emit) = 0;
};

}  // namespace nozzle
