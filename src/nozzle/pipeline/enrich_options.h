// Everything the enrich stage and its app cache are configured with. Plain data: the nozzle's
// config parsing fills it from flags and env vars and validates it.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "cfapi/app_cache_options.h"

namespace nozzle {

struct EnrichOptions {
  // --enrich-wait (default 500ms): how long an envelope of an app being looked up is held
  // before it goes out without names (counted as a timeout). 0 sends at once.
  std::chrono::milliseconds enrich_wait{500};
  // --enrich-hold-bytes / ENRICH_HOLD_BYTES (default 32MiB): bytes of held envelopes per
  // firehose connection (an estimate: the Envelope plus its strings). Past it, envelopes go out
  // at once without names (counted as hold_full).
  std::size_t hold_bytes = 32u << 20;
  // --orgs / ORGS (comma list, split by the config): only app events of these orgs go out,
  // matched against the org name (firehose-to-syslog's meaning) or the org guid. Fails closed:
  // an app event whose org is unknown (not found, timed out, Cloud Controller down) is dropped
  // and counted. Empty: every org. Platform events (no app) are not affected.
  std::vector<std::string> orgs;
  // --strip-app-name-suffixes / STRIP_APP_NAME_SUFFIXES (comma list), firehose-to-syslog's
  // meaning: blue/green deploys rename the old app (e.g. "-venerable"); the first suffix in list
  // order that ends the app name is cut off, once. Empty entries are ignored; a name is never
  // cut to nothing. Applied to names from tags and from Cloud Controller alike.
  std::vector<std::string> strip_app_name_suffixes;
  // --ignore-missing-apps / IGNORE_MISSING_APPS, firehose-to-syslog's meaning: an app Cloud
  // Controller does not know is expected, not an error. Its events go out without names either
  // way (as in firehose-to-syslog, which never drops them), and the cache remembers it as
  // missing for --missing-app-ttl either way; the flag only silences the warning.
  bool ignore_missing_apps = false;
  // --drop-missing-apps / DROP_MISSING_APPS, not a firehose-to-syslog flag: drop the events of
  // apps Cloud Controller does not know (counted as dropped_missing) instead of sending them
  // without names.
  bool drop_missing_apps = false;
  // --app-selection opt-in / APP_SELECTION: only apps whose nearest syslog-nozzle/forward label
  // is "true", or that name a drain with syslog-nozzle/drain, go out. Fails closed: an app whose
  // labels are unknown (Cloud Controller does not know it, did not answer in time, or is down)
  // is dropped and counted. Platform envelopes are not affected.
  bool opt_in = false;
  // The routing labels are read for every app envelope (the cache is consulted even when the
  // envelope's tags carry its names): set with opt_in, or when a drain is routed by label.
  bool read_labels = false;

  // The shared app cache (--cc-pull-time, --missing-app-ttl, --cc-rps, --cache-file, ...).
  cfapi::AppCacheOptions cache;
};

}  // namespace nozzle
