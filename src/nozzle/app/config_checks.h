// Validation of the nozzle's configuration: the raw option texts become typed Config fields,
// and every problem is reported as one sentence naming the flag and its env var. Pure apart
// from checking that named files can be read.
#pragma once

#include <string>
#include <vector>

#include "nozzle/app/config.h"

namespace nozzle {

// The raw text of every option that needs validation; flags go straight to bools.
struct RawOptions {
  std::string firehose = "v1";
  std::string connections = "1";
  std::string events = "LogMessage";
  std::string keep_alive = "25s";
  std::string read_gather = "5ms";
  std::string drain_thread = "own";
  std::string min_retry_delay = "500ms";
  std::string max_retry_delay = "1m";
  std::string max_retry_count = "1000";
  std::vector<std::string> drains;
  std::string syslog_server;
  std::string syslog_protocol = "tcp";
  std::string cert_pem_syslog;
  bool skip_ssl_validation_syslog = false;
  std::string logs_buffer_size = "100000";
  std::string spool_dir;  // every TCP/TLS drain spools in a folder of its own below this
  std::string spool_max_bytes = "1GiB";
  std::string spool_fsync = "segment";
  std::string delivery = "at-most-once";
  std::string extra_fields;
  std::string cache_file;
  std::string boltdb_path;
  std::string cc_pull_time = "60s";
  std::string cc_rps = "50";
  std::string orgs;
  // Selector defaults of every drain (its URL's own option wins); --orgs is one too.
  std::string spaces;
  std::string apps;
  std::string source_types;
  std::string exclude_orgs;
  std::string exclude_spaces;
  std::string exclude_apps;
  std::string exclude_source_types;
  std::string platform = "include";
  std::string app_selection = "opt-out";
  std::string app_rate_limit = "0";
  std::string app_rate_burst;
  std::string missing_app_ttl = "5m";
  std::string strip_suffixes;
  std::string enrich_wait = "500ms";
  std::string enrich_hold_bytes = "32MiB";
  std::string shutdown_timeout = "10s";
  std::string drain_down = "60s";
  std::string log_formatter_type;
};

void validate_config(const RawOptions& raw, GetEnv getenv_fn, Config& config, std::vector<std::string>& errors);

}  // namespace nozzle
