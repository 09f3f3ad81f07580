#include "nozzle/app/config.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>

#include "nozzle/app/config_checks.h"

namespace nozzle {

namespace {

constexpr std::string_view kVersion = "syslog-nozzle " NOZZLE_VERSION;

std::string help_footer() {
  return "Durations take Go's form (500ms, 60s, 1m30s, 1h); a bare number is seconds.\n"
         "Every option can also be set by the environment variable shown in its description.\n"
         "Exit codes: 0 after a clean shutdown, 2 for a bad configuration (all problems listed).\n";
}

}  // namespace

bool parse_go_duration(std::string_view text, std::chrono::milliseconds& out) {
  if (text.empty()) return false;
  double bare = 0;
  {
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), bare);
    if (ec == std::errc() && ptr == text.data() + text.size()) {
      if (bare < 0) return false;
      out = std::chrono::milliseconds(static_cast<std::int64_t>(bare * 1000));
      return true;
    }
  }
  double total_ms = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    double value = 0;
    const auto [ptr, ec] = std::from_chars(text.data() + i, text.data() + text.size(), value);
    if (ec != std::errc() || value < 0) return false;
    i = static_cast<std::size_t>(ptr - text.data());
    std::size_t j = i;
    while (j < text.size() && ((text[j] >= 'a' && text[j] <= 'z') || text[j] == 'u')) ++j;
    const std::string_view unit = text.substr(i, j - i);
    double scale = 0;
    if (unit == "ms") scale = 1;
    else if (unit == "s") scale = 1000;
    else if (unit == "m") scale = 60000;
    else if (unit == "h") scale = 3600000;
    else if (unit == "us") scale = 0.001;
    else return false;
    total_ms += value * scale;
    i = j;
  }
  out = std::chrono::milliseconds(static_cast<std::int64_t>(total_ms));
  return true;
}

ConfigResult parse_config(int argc, const char* const* argv, GetEnv getenv_fn) {
  ConfigResult result;
  Config& c = result.config;
  RawOptions raw;
  CLI::App app{"syslog-nozzle: reads the Cloud Foundry firehose, adds app, space and org names, and "
               "sends RFC 5424 syslog to drains over TLS, TCP or UDP.",
               "syslog-nozzle"};
  app.footer(help_footer());
  app.option_defaults()->always_capture_default();
  app.get_formatter()->column_width(44);

  // Cloud Foundry.
  app.add_option("--api-endpoint", c.api_endpoint, "Cloud Controller API URL, e.g. https://api.sys.example.com")->envname("API_ENDPOINT")->group("Cloud Foundry");
  app.add_option("--client-id", c.client_id, "UAA client with doppler.firehose and cloud_controller.admin_read_only")->envname("FIREHOSE_CLIENT_ID")->group("Cloud Foundry");
  app.add_option("--client-secret", c.client_secret, "its secret (never printed)")->envname("FIREHOSE_CLIENT_SECRET")->group("Cloud Foundry");
  app.add_option("--username", c.username, "UAA user for the password grant (instead of client credentials)")->envname("UAA_USERNAME")->group("Cloud Foundry");
  app.add_option("--password", c.password, "that user's password (never printed)")->envname("UAA_PASSWORD")->group("Cloud Foundry");
  app.add_option("--subscription-id", c.subscription_id, "firehose subscription (shard) id; instances that share it split the stream")->envname("FIREHOSE_SUBSCRIPTION_ID")->group("Cloud Foundry");
  app.add_option("--firehose", raw.firehose, "v1 (Traffic Controller websocket) or v2 (RLP gateway)")->envname("FIREHOSE_API")->group("Cloud Foundry");
  app.add_option("--connections", raw.connections, "firehose connections (threads) sharing the subscription id")->envname("FIREHOSE_CONNECTIONS")->group("Cloud Foundry");
  app.add_option("--doppler-endpoint", c.doppler_endpoint, "v1 firehose URL instead of the API root's links.logging")->envname("DOPPLER_ENDPOINT")->group("Cloud Foundry");
  app.add_option("--rlp-endpoint", c.rlp_endpoint, "RLP gateway URL instead of the API root's links.log_stream")->envname("RLP_ENDPOINT")->group("Cloud Foundry");
  app.add_option("--ca-cert", c.ca_cert, "CA file (PEM) for the API, UAA and firehose, besides the system store")->envname("CF_CA_CERT")->group("Cloud Foundry");
  app.add_flag("--skip-ssl-validation", c.skip_ssl_validation, "do not verify the API, UAA and firehose certificates")->envname("SKIP_SSL_VALIDATION")->group("Cloud Foundry");
  app.add_option("--events", raw.events, "event types to forward: LogMessage,ValueMetric,CounterEvent,ContainerMetric,HttpStartStop,Error,Event")->envname("EVENTS")->group("Cloud Foundry");
  app.add_option("--fh-keep-alive", raw.keep_alive, "firehose idle timeout")->envname("FH_KEEP_ALIVE")->group("Cloud Foundry");
  app.add_option("--firehose-read-gather", raw.read_gather,
                 "when the firehose trickles, wait this long after each hand-over and read what came meanwhile (0: never; at most 50ms)")
      ->envname("FIREHOSE_READ_GATHER")->group("Cloud Foundry");
  app.add_option("--min-retry-delay", raw.min_retry_delay, "first reconnect delay")->envname("MIN_RETRY_DELAY")->group("Cloud Foundry");
  app.add_option("--max-retry-delay", raw.max_retry_delay, "reconnect delay cap")->envname("MAX_RETRY_DELAY")->group("Cloud Foundry");
  app.add_option("--max-retry-count", raw.max_retry_count, "accepted for compatibility; the nozzle retries for as long as it runs")->envname("MAX_RETRY_COUNT")->group("Cloud Foundry");

  // Drains.
  app.add_option("--drain", raw.drains, "drain URL, repeatable: syslog-tls://host:6514?ca=FILE, syslog://host:514, syslog-udp://host:514; a drain group: syslog-tls://a:6514,b:6514?mode=failover|balance (see README)")->envname("DRAINS")->delimiter(' ')->group("Drains");
  app.add_option("--syslog-server", raw.syslog_server, "host:port of one syslog server (firehose-to-syslog style)")->envname("SYSLOG_ENDPOINT")->group("Drains");
  app.add_option("--syslog-protocol", raw.syslog_protocol, "protocol of --syslog-server: tcp, udp or tcp+tls")->envname("SYSLOG_PROTOCOL")->group("Drains");
  app.add_option("--cert-pem-syslog", raw.cert_pem_syslog, "CA file (PEM) that signed the --syslog-server certificate")->envname("CERT_PEM")->group("Drains");
  app.add_flag("--skip-ssl-validation-syslog", raw.skip_ssl_validation_syslog, "do not verify the --syslog-server certificate")->envname("SKIP_SSL_VALIDATION_SYSLOG")->group("Drains");
  app.add_option("--drain-thread", raw.drain_thread, "which thread writes to the drains: own (the drain pool's), shared (the firehose connection's: no wake-up of another thread per burst), auto (shared with one connection and no spool)")->envname("DRAIN_THREAD")->group("Drains");
  app.add_option("--logs-buffer-size", raw.logs_buffer_size, "frames each drain queue holds before it drops (and counts)")->envname("LOGS_BUFFER_SIZE")->group("Drains");
  app.add_option("--spool-dir", raw.spool_dir, "disk spool for every TCP/TLS drain, each in a folder of its own below this one (off when empty; a drain's spool-dir= overrides)")->envname("SPOOL_DIR")->group("Drains");
  app.add_option("--spool-max-bytes", raw.spool_max_bytes, "bytes each drain's spool may hold; the oldest frames go (and are counted) past it")->envname("SPOOL_MAX_BYTES")->group("Drains")->default_str("1GiB");
  app.add_option("--spool-fsync", raw.spool_fsync, "when spooled frames are forced to disk: never, segment (each 16 MiB and at shutdown), always")->envname("SPOOL_FSYNC")->group("Drains")->default_str("segment");
  app.add_option("--delivery", raw.delivery, "TCP/TLS drains: at-most-once, or at-least-once (the batch in flight when a connection breaks is sent again)")->envname("DELIVERY")->group("Drains")->default_str("at-most-once");

  // Format.
  app.add_option("--extra-fields", raw.extra_fields, "constant JSON keys, e.g. env:dev,foundation:east")->envname("EXTRA_FIELDS")->group("Format");
  app.add_option("--bosh-director", c.bosh_director, "director= in [instance@47450 ...]")->envname("BOSH_DIRECTOR")->group("Format");

  // Enrichment.
  app.add_option("--cache-file", raw.cache_file, "app cache snapshot file, read at start and written at shutdown")->envname("CACHE_FILE")->group("Enrichment");
  app.add_option("--boltdb-path", raw.boltdb_path, "alias of --cache-file (firehose-to-syslog's name)")->envname("BOLTDB_PATH")->group("Enrichment");
  app.add_option("--cc-pull-time", raw.cc_pull_time, "how long cached app names are served before a background refresh")->envname("CF_PULL_TIME")->group("Enrichment");
  app.add_option("--cc-rps", raw.cc_rps, "Cloud Controller requests per second at most")->envname("CF_RPS")->group("Enrichment");
  app.add_option("--orgs", raw.orgs, "only these orgs' app events, each an org name or guid (comma list); platform events pass, an app whose org is unknown does not; also the default orgs= of every drain")->envname("ORGS")->group("Enrichment");
  app.add_option("--spaces", raw.spaces, "default spaces= of every drain: only these spaces' app events, each a space name or guid, or ORG/SPACE (comma list)")->envname("SPACES")->group("Selectors");
  app.add_option("--apps", raw.apps, "default apps= of every drain: only these apps' events, each an app name or guid (comma list)")->envname("APPS")->group("Selectors");
  app.add_option("--source-types", raw.source_types, "default source-types= of every drain: only LogMessages of these source types, e.g. APP,RTR (APP matches APP/PROC/WEB)")->envname("SOURCE_TYPES")->group("Selectors");
  app.add_option("--exclude-orgs", raw.exclude_orgs, "default exclude-orgs= of every drain: never these orgs' app events (names or guids)")->envname("EXCLUDE_ORGS")->group("Selectors");
  app.add_option("--exclude-spaces", raw.exclude_spaces, "default exclude-spaces= of every drain: never these spaces' app events (names, guids or ORG/SPACE)")->envname("EXCLUDE_SPACES")->group("Selectors");
  app.add_option("--exclude-apps", raw.exclude_apps, "default exclude-apps= of every drain: never these apps' events (names or guids)")->envname("EXCLUDE_APPS")->group("Selectors");
  app.add_option("--exclude-source-types", raw.exclude_source_types, "default exclude-source-types= of every drain: never LogMessages of these source types")->envname("EXCLUDE_SOURCE_TYPES")->group("Selectors");
  app.add_option("--platform", raw.platform, "default platform= of every drain: envelopes of no app pass (include), never pass (exclude), or alone pass (only)")->envname("PLATFORM")->group("Selectors")->default_str("include");
  app.add_flag("--ignore-missing-apps", c.ignore_missing_apps, "firehose-to-syslog's meaning: apps Cloud Controller does not know are expected (remembered as missing, no warning); their events still go out")->envname("IGNORE_MISSING_APPS")->group("Enrichment");
  app.add_option("--missing-app-ttl,--missing-apps-ttl", raw.missing_app_ttl, "how long an unknown app is not asked for again")->envname("MISSING_APPS_TTL")->group("Enrichment");
  app.add_option("--strip-app-name-suffixes", raw.strip_suffixes, "suffixes cut from app names (comma list), e.g. -venerable,-blue,-green")->envname("STRIP_APP_NAME_SUFFIXES")->group("Enrichment");
  app.add_option("--enrich-wait", raw.enrich_wait, "how long an unknown app's events wait for its names")->envname("ENRICH_WAIT")->group("Enrichment");
  app.add_option("--enrich-hold-bytes", raw.enrich_hold_bytes, "bytes of envelopes each firehose connection holds while their names are looked up; past it they go out without names (counted)")->envname("ENRICH_HOLD_BYTES")->group("Enrichment")->default_str("32MiB");
  app.add_option("--app-selection", raw.app_selection, "opt-out: every app but those labelled syslog-nozzle/forward=false or f2s-disable-logging=true; opt-in: only apps (or their space or org) labelled syslog-nozzle/forward=true or syslog-nozzle/drain=NAME")->envname("APP_SELECTION")->group("Selectors")->default_str("opt-out");
  app.add_option("--app-rate-limit", raw.app_rate_limit, "log lines per second each app may send, e.g. 1000/s; what is over is dropped, counted, and told to the app's drains once a minute (0: no limit; a drain's rate-limit= adds its own)")->envname("APP_RATE_LIMIT")->group("Selectors")->default_str("0");
  app.add_option("--app-rate-burst", raw.app_rate_burst, "log lines an idle app may send at once above --app-rate-limit")->envname("APP_RATE_BURST")->group("Selectors")->default_str("one second's worth");
  app.add_flag("--drop-missing-apps", c.drop_missing_apps, "drop (and count) the events of apps Cloud Controller does not know, instead of sending them without names")->envname("DROP_MISSING_APPS")->group("Enrichment");

  // Operation.
  app.add_flag("--enable-stats-server", c.enable_stats_server, "serve /metrics (Prometheus) and /stats/app too; /health is served either way")->envname("ENABLE_STATS_SERVER")->group("Operation");
  app.add_option("--stats-address", c.stats_address, "IP:port of the HTTP server; unset: 127.0.0.1:8080, or 0.0.0.0:$PORT when $PORT is set (Cloud Foundry); $PORT, when set, gives the port")->envname("STATS_ADDRESS")->group("Operation");
  app.add_flag("--debug", c.debug, "write frames to stdout instead of the drains")->envname("DEBUG")->group("Operation");
  app.add_option("--shutdown-timeout", raw.shutdown_timeout, "how long SIGTERM waits for the drain queues to flush")->envname("SHUTDOWN_TIMEOUT")->group("Operation");
  app.add_option("--health-drain-down", raw.drain_down, "/health fails once a drain has been down this long")->envname("HEALTH_DRAIN_DOWN")->group("Operation");
  app.add_option("--loggregator-health", c.loggregator_health, "read Loggregator's own ingress/dropped/egress counters from the firehose for /metrics and /loggregator (true/false); the stream then carries CounterEvents even when --events does not forward them")->envname("LOGGREGATOR_HEALTH")->group("Operation")->default_str("true");
  app.add_option("--log-level", c.log_level, "debug, info, warn or error")->envname("LOG_LEVEL")->group("Operation");
  app.add_option("--log-formatter-type", raw.log_formatter_type, "accepted for compatibility; the nozzle logs JSON lines")->envname("LOG_FORMATTER_TYPE")->group("Operation");
  app.add_flag("--check-config", c.check_config, "validate the configuration and exit")->group("Operation");
  app.add_flag("--demo", c.demo, "run against an embedded simulated foundation, frames to stdout")->group("Operation");
  app.add_option("--demo-seconds", c.demo_seconds, "with --demo: stop after this many seconds (0: at Ctrl-C)")->group("Operation");
  app.set_version_flag("--version", std::string(kVersion));

  // The rest of firehose-to-syslog's flags (its cli.go and README, docs/WIRE.md "firehose-to-
  // syslog flags"), accepted so that every manifest written for it starts; each that does
  // nothing here warns when it is set.
  constexpr const char* kCompat = "firehose-to-syslog compatibility";
  std::string mode_prof, path_prof, log_event_totals_time, cf_orgs;
  bool log_event_totals = false;
  bool help_long = false;
  app.add_option("--mode-prof", mode_prof, "accepted, does nothing: Go's profiler (cpu, mem, block); see bench/at-rate")->envname("MODE_PROF")->group(kCompat);
  app.add_option("--path-prof", path_prof, "accepted, does nothing: where --mode-prof wrote its profile")->envname("PATH_PROF")->group(kCompat);
  app.add_flag("--log-event-totals", log_event_totals, "accepted, does nothing: the totals are on /metrics and /stats/app")->envname("LOG_EVENT_TOTALS")->group(kCompat);
  app.add_option("--log-event-totals-time", log_event_totals_time, "accepted, does nothing: --log-event-totals' interval")->envname("LOG_EVENT_TOTALS_TIME")->group(kCompat);
  app.add_option("--cf-orgs", cf_orgs, "older name of --orgs (org names separated by | or ,)")->envname("CF_ORGS")->group(kCompat);
  app.add_flag("--help-long,--help-man", help_long, "the same as --help")->group(kCompat);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    result.action = ConfigResult::Action::Exit;
    result.output = app.help();
    return result;
  } catch (const CLI::CallForVersion&) {
    result.action = ConfigResult::Action::Exit;
    result.output = std::string(kVersion) + "\n";
    return result;
  } catch (const CLI::ParseError& e) {
    result.action = ConfigResult::Action::Exit;
    result.exit_code = 2;
    result.output = std::string("syslog-nozzle: ") + e.what() + "\nRun with --help for the options.\n";
    return result;
  }

  c.stats_address_given = app.count("--stats-address") > 0;
  if (help_long) {
    result.action = ConfigResult::Action::Exit;
    result.output = app.help();
    return result;
  }
  std::vector<std::string> errors;
  if (!cf_orgs.empty()) {
    if (!raw.orgs.empty()) {
      errors.emplace_back("--cf-orgs (CF_ORGS) and --orgs (ORGS) are both set: --cf-orgs is the older name of --orgs, give one");
    } else {
      std::replace(cf_orgs.begin(), cf_orgs.end(), '|', ',');
      raw.orgs = cf_orgs;
    }
  }
  std::chrono::milliseconds totals_interval{};
  if (!log_event_totals_time.empty() && !parse_go_duration(log_event_totals_time, totals_interval)) {
    errors.push_back("--log-event-totals-time (LOG_EVENT_TOTALS_TIME): '" + log_event_totals_time +
                     "' is not a duration (e.g. 30s)");
  }
  const auto ignored = [&](bool set, const char* flag, const char* note) {
    if (set) result.warnings.push_back(std::string(flag) + " is accepted for firehose-to-syslog's manifests and does nothing here" + note);
  };
  ignored(!mode_prof.empty(), "--mode-prof (MODE_PROF)", ": the nozzle has no Go profiler (bench/at-rate profiles it with perf)");
  ignored(!path_prof.empty(), "--path-prof (PATH_PROF)", "");
  ignored(log_event_totals, "--log-event-totals (LOG_EVENT_TOTALS)", ": the totals are on /metrics and /stats/app (--enable-stats-server)");
  ignored(!log_event_totals_time.empty(), "--log-event-totals-time (LOG_EVENT_TOTALS_TIME)", "");
  validate_config(raw, getenv_fn, c, errors);
  if (!errors.empty()) {
    result.action = ConfigResult::Action::Exit;
    result.exit_code = 2;
    result.output = "syslog-nozzle: the configuration has " + std::to_string(errors.size()) +
                    (errors.size() == 1 ? " problem:\n" : " problems:\n");
    for (const auto& e : errors) result.output += "  - " + e + "\n";
  }
  return result;
}

}  // namespace nozzle
