// The nozzle's configuration: one plain struct, filled from flags and env vars (firehose-to-
// syslog's names and meanings, plus the nozzle's own), validated once at start with every
// problem collected. Components get typed sub-structs built from it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/envelope.h"
#include "nozzle/ingress/firehose_source.h"
#include "syslog/drain_config.h"

namespace nozzle {

struct Config {
  // Cloud Foundry.
  std::string api_endpoint;     // --api-endpoint API_ENDPOINT
  std::string client_id;        // --client-id FIREHOSE_CLIENT_ID
  std::string client_secret;    // --client-secret FIREHOSE_CLIENT_SECRET
  std::string username;         // --username UAA_USERNAME (password grant instead of client)
  std::string password;         // --password UAA_PASSWORD
  std::string subscription_id = "firehose";  // --subscription-id FIREHOSE_SUBSCRIPTION_ID
  std::string doppler_endpoint;              // --doppler-endpoint DOPPLER_ENDPOINT
  std::string rlp_endpoint;                  // --rlp-endpoint RLP_ENDPOINT
  FirehoseApi firehose = FirehoseApi::V1;    // --firehose FIREHOSE_API
  int connections = 1;                       // --connections FIREHOSE_CONNECTIONS
  bool skip_ssl_validation = false;          // --skip-ssl-validation SKIP_SSL_VALIDATION
  std::string ca_cert;                       // --ca-cert CF_CA_CERT
  EventSet events;                           // --events EVENTS (default LogMessage)
  std::chrono::milliseconds keep_alive{25000};        // --fh-keep-alive FH_KEEP_ALIVE
  std::chrono::milliseconds read_gather{5};           // --firehose-read-gather FIREHOSE_READ_GATHER
  // --drain-thread DRAIN_THREAD: which thread writes to the drains. own: the drain pool's;
  // shared: the first firehose connection's (DrainPool::hand_over_thread()); auto: shared
  // when there is one connection and no drain has a spool.
  enum class DrainThread { Own, Shared, Auto };
  DrainThread drain_thread = DrainThread::Own;
  std::chrono::milliseconds min_retry_delay{500};     // --min-retry-delay MIN_RETRY_DELAY
  std::chrono::milliseconds max_retry_delay{60000};   // --max-retry-delay MAX_RETRY_DELAY

  // Drains: --drain / DRAINS, plus the firehose-to-syslog single server.
  std::vector<syslog::DrainConfig> drains;
  std::size_t logs_buffer_size = 100000;  // --logs-buffer-size LOGS_BUFFER_SIZE: frames per drain queue

  // Message format.
  std::vector<std::pair<std::string, std::string>> extra_fields;  // --extra-fields EXTRA_FIELDS
  std::string bosh_director;                                      // --bosh-director BOSH_DIRECTOR

  // Enrichment.
  std::string cache_file;                           // --cache-file / --boltdb-path BOLTDB_PATH
  std::chrono::milliseconds cc_pull_time{60000};    // --cc-pull-time CF_PULL_TIME
  int cc_rps = 50;                                  // --cc-rps CF_RPS
  std::vector<std::string> orgs;                    // --orgs ORGS
  // The selector defaults of every drain (--orgs, --spaces, --apps, --source-types, the
  // --exclude-* forms, --platform); a drain's own orgs=, spaces=, ... replace them one by one.
  // Also the --debug output's selectors.
  syslog::Selection selection;
  bool ignore_missing_apps = false;                 // --ignore-missing-apps IGNORE_MISSING_APPS
  std::chrono::milliseconds missing_app_ttl{300000};  // --missing-app-ttl MISSING_APPS_TTL
  std::vector<std::string> strip_app_name_suffixes;   // --strip-app-name-suffixes
  std::chrono::milliseconds enrich_wait{500};         // --enrich-wait ENRICH_WAIT
  std::size_t enrich_hold_bytes = 32u << 20;          // --enrich-hold-bytes ENRICH_HOLD_BYTES
  bool drop_missing_apps = false;                     // --drop-missing-apps DROP_MISSING_APPS
  bool app_opt_in = false;                            // --app-selection opt-in APP_SELECTION
  double app_rate_limit = 0;                          // --app-rate-limit APP_RATE_LIMIT (lines/s, 0: none)
  double app_rate_burst = 0;                          // --app-rate-burst APP_RATE_BURST (0: one second's worth)

  // Operation.
  // The HTTP server always answers /health; /metrics and /stats/app only when asked for.
  bool enable_stats_server = false;  // --enable-stats-server ENABLE_STATS_SERVER: off unless set
  // --stats-address STATS_ADDRESS. Unset: 0.0.0.0:$PORT when $PORT is set (Cloud Foundry's
  // health check comes from outside the container), else 127.0.0.1:8080. $PORT, when set,
  // gives the port. After validation, the address to listen on.
  std::string stats_address;
  bool stats_address_given = false;  // --stats-address or STATS_ADDRESS was set (--demo keeps it)
  bool debug = false;                          // --debug DEBUG: frames to stdout, no drains
  std::chrono::milliseconds shutdown_timeout{10000};  // --shutdown-timeout SHUTDOWN_TIMEOUT
  std::chrono::milliseconds drain_down_threshold{60000};  // --health-drain-down HEALTH_DRAIN_DOWN
  std::string log_level = "info";              // --log-level LOG_LEVEL
  // --loggregator-health LOGGREGATOR_HEALTH: read Loggregator's own counters (README,
  // "Loggregator health"); the stream then carries CounterEvents even when not forwarded.
  bool loggregator_health = true;

  // What to do instead of running.
  bool check_config = false;
  bool demo = false;
  double demo_seconds = 0;  // --demo-seconds: 0 = until Ctrl-C
};

struct ConfigResult {
  enum class Action { Run, Exit };
  Action action = Action::Run;
  int exit_code = 0;     // for Exit: 0 (--help, --version) or 2 (problems)
  std::string output;    // for Exit: what to print (help text, version, the problems)
  std::vector<std::string> warnings;  // for Run: flags accepted that do nothing (logged at start)
  Config config;
};

// Parses argv and the environment (`getenv` is injected for tests). Never exits itself.
using GetEnv = std::string (*)(const char* name);
ConfigResult parse_config(int argc, const char* const* argv, GetEnv getenv_fn);

// Go-style durations as firehose-to-syslog takes them ("500ms", "60s", "1m30s", "1h"); a bare
// number means seconds. Exposed for tests.
bool parse_go_duration(std::string_view text, std::chrono::milliseconds& out);

}  // namespace nozzle
