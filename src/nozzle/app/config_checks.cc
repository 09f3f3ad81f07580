#include "nozzle/app/config_checks.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "syslog/drain_url.h"

namespace nozzle {
namespace {

std::vector<std::string> split_list(std::string_view s, std::string_view seps = ",") {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t end = s.find_first_of(seps, start);
    std::string item(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(std::move(item));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

// "--flag / ENV_VAR: what is wrong".
std::string where(std::string_view flag, std::string_view env) {
  std::string w(flag);
  if (!env.empty()) {
    w += " / ";
    w += env;
  }
  w += ": ";
  return w;
}

void duration(const std::string& text, std::string_view flag, std::string_view env,
              std::chrono::milliseconds& out, std::vector<std::string>& errors) {
  if (!parse_go_duration(text, out)) {
    errors.push_back(where(flag, env) + "'" + text + "' is not a duration (e.g. 500ms, 60s, 5m)");
  }
}

template <class Int>
void integer(const std::string& text, std::string_view flag, std::string_view env, Int min, Int max, Int& out,
             std::vector<std::string>& errors) {
  Int v{};
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < min || v > max) {
    errors.push_back(where(flag, env) + "'" + text + "' is not a whole number from " + std::to_string(min) +
                     " to " + std::to_string(max));
    return;
  }
  out = v;
}

void readable(const std::string& path, std::string_view what, std::vector<std::string>& errors) {
  if (path.empty()) return;
  std::ifstream f(path);
  if (!f) errors.push_back(where(what, "") + "cannot read '" + path + "'");
}

// The firehose-to-syslog single server (--syslog-server, --syslog-protocol, --cert-pem-syslog,
// --skip-ssl-validation-syslog) as a drain URL, so it goes through the same checks.
std::string legacy_drain_url(const RawOptions& raw, std::vector<std::string>& errors) {
  std::string scheme;
  if (raw.syslog_protocol == "tcp") scheme = "syslog://";
  else if (raw.syslog_protocol == "udp") scheme = "syslog-udp://";
  else if (raw.syslog_protocol == "tcp+tls" || raw.syslog_protocol == "tls") scheme = "syslog-tls://";
  else {
    errors.push_back(where("--syslog-protocol", "SYSLOG_PROTOCOL") + "'" + raw.syslog_protocol +
                     "' is not one of tcp, udp, tcp+tls");
    return {};
  }
  std::string url = scheme + raw.syslog_server;
  std::string query;
  const bool tls = scheme == "syslog-tls://";
  if (!raw.cert_pem_syslog.empty()) {
    if (!tls) {
      errors.push_back(where("--cert-pem-syslog", "CERT_PEM") + "applies only to --syslog-protocol tcp+tls (it is '" +
                       raw.syslog_protocol + "')");
    } else {
      query += "ca=" + raw.cert_pem_syslog;
    }
  }
  if (raw.skip_ssl_validation_syslog) {
    if (!tls) {
      errors.push_back(where("--skip-ssl-validation-syslog", "SKIP_SSL_VALIDATION_SYSLOG") +
                       "applies only to --syslog-protocol tcp+tls (it is '" + raw.syslog_protocol + "')");
    } else {
      query += std::string(query.empty() ? "" : "&") + "skip-verify=true";
    }
  }
  return query.empty() ? url : url + "?" + query;
}

// Splits a --drain or DRAINS value into URLs: at whitespace, and at a comma only where a new
// URL starts after it ("SCHEME://"), so that lists inside a URL (orgs=a,b) stay whole.
std::vector<std::string> split_drain_urls(std::string_view text) {
  std::vector<std::string> out;
  for (const std::string& word : split_list(text, " \t\n")) {
    std::size_t start = 0;
    for (std::size_t comma = word.find(','); comma != std::string::npos; comma = word.find(',', comma + 1)) {
      std::size_t p = comma + 1;
      while (p < word.size() && ((word[p] >= 'a' && word[p] <= 'z') || word[p] == '-')) ++p;
      if (p > comma + 1 && word.compare(p, 3, "://") == 0) {
        if (comma > start) out.push_back(word.substr(start, comma - start));
        start = comma + 1;
      }
    }
    if (start < word.size()) out.push_back(word.substr(start));
  }
  return out;
}

// A drain's own folder below --spool-dir: its name with every character but [A-Za-z0-9.-]
// replaced, e.g. "syslog-tls_logs.example.com_6514".
std::string spool_folder_name(const std::string& drain_name) {
  std::string out;
  for (char ch : drain_name) {
    const bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                      ch == '.' || ch == '-';
    if (keep) out += ch;
    else if (out.empty() || out.back() != '_') out += '_';
  }
  return out;
}

// The folder must exist and be writable, or be creatable: found at start, not at the first
// outage. Nothing is created here (--check-config has no side effects): the nearest existing
// ancestor must be a folder we may write into.
void spool_folder_usable(const std::string& dir, const std::string& origin, std::vector<std::string>& errors) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path at(dir);
  while (!fs::exists(at, ec) && at.has_parent_path() && at != at.parent_path()) at = at.parent_path();
  if (!fs::is_directory(at, ec)) {
    errors.push_back(origin + " spool folder '" + dir + "' cannot be created: '" + at.string() + "' is not a folder");
  } else if (::access(at.c_str(), W_OK | X_OK) != 0) {
    errors.push_back(origin + " spool folder '" + dir + "' is not writable ('" + at.string() + "')");
  }
}

void drains(const RawOptions& raw, Config& c, std::vector<std::string>& errors) {
  std::optional<std::uint64_t> spool_max = syslog::parse_byte_size(raw.spool_max_bytes);
  if (!spool_max || *spool_max < (64u << 10)) {
    errors.push_back(where("--spool-max-bytes", "SPOOL_MAX_BYTES") + "'" + raw.spool_max_bytes +
                     "' is not a size of at least 64KiB (e.g. 512MiB, 1GiB)");
  }
  const auto spool_fsync = syslog::parse_spool_fsync(raw.spool_fsync);
  if (!spool_fsync) {
    errors.push_back(where("--spool-fsync", "SPOOL_FSYNC") + "'" + raw.spool_fsync + "' is not one of never, segment, always");
  }
  const auto delivery = syslog::parse_delivery(raw.delivery);
  if (!delivery) {
    errors.push_back(where("--delivery", "DELIVERY") + "'" + raw.delivery + "' is not one of at-most-once, at-least-once");
  }
  if (!raw.spool_dir.empty() && raw.spool_dir.front() != '/') {
    errors.push_back(where("--spool-dir", "SPOOL_DIR") + "'" + raw.spool_dir + "' is not an absolute path");
  }
  std::map<std::string, std::string> spool_owner;  // folder -> drain
  std::set<std::string> drain_names;                // name= of every named drain

  std::vector<std::pair<std::string, std::string>> urls;  // url, where it came from
  for (const std::string& d : raw.drains) {
    for (std::string& u : split_drain_urls(d)) urls.emplace_back(std::move(u), "--drain / DRAINS");
  }
  if (!raw.syslog_server.empty()) {
    const std::string u = legacy_drain_url(raw, errors);
    if (!u.empty()) urls.emplace_back(u, "--syslog-server / SYSLOG_ENDPOINT");
  }
  for (const auto& [url, origin] : urls) {
    auto parsed = syslog::parse_drain_url(url);
    for (const auto& e : parsed.errors) errors.push_back(origin + ": " + e);
    if (!parsed.config) continue;
    syslog::DrainConfig d = std::move(*parsed.config);
    if (d.named && !drain_names.insert(d.name).second) {
      errors.push_back(origin + ": two drains are named '" + d.name + "'; a name must say which drain it means");
    }
    readable(d.ca_file, origin + " ca=", errors);
    readable(d.cert_file, origin + " cert=", errors);
    readable(d.key_file, origin + " key=", errors);
    const auto given = [&](std::string_view key) {
      return std::find(parsed.given.begin(), parsed.given.end(), key) != parsed.given.end();
    };
    if (d.transport != syslog::Transport::Udp) {
      if (!given("delivery") && delivery) d.delivery = *delivery;
      if (!given("spool-max-bytes") && spool_max) d.spool.max_bytes = *spool_max;
      if (!given("spool-fsync") && spool_fsync) d.spool.fsync = *spool_fsync;
      if (!given("spool-dir") && !raw.spool_dir.empty() && raw.spool_dir.front() == '/') {
        d.spool.dir = raw.spool_dir + "/" + spool_folder_name(d.name);
      }
      // A segment is at most an eighth of the spool, so that removing the oldest frees little.
      d.spool.segment_bytes = std::min<std::uint64_t>(d.spool.segment_bytes, d.spool.max_bytes / 8);
      if (d.spool.enabled()) {
        std::filesystem::path normal = std::filesystem::path(d.spool.dir).lexically_normal();
        if (!normal.has_filename()) normal = normal.parent_path();  // "/a/b/" is "/a/b"
        const std::string dir = normal.string();
        auto [it, fresh] = spool_owner.emplace(dir, d.name);
        if (!fresh) {
          errors.push_back(origin + ": " + d.name + " and " + it->second + " share the spool folder '" + dir +
                           "'; each drain needs its own");
        } else {
          spool_folder_usable(dir, origin + ": " + d.name, errors);
        }
      }
    }
    const syslog::Selection& g = c.selection;
    syslog::Selection& own = d.select;
    if (!given("orgs")) own.orgs = g.orgs;
    if (!given("spaces")) own.spaces = g.spaces;
    if (!given("apps")) own.apps = g.apps;
    if (!given("source-types")) own.source_types = g.source_types;
    if (!given("exclude-orgs")) own.exclude_orgs = g.exclude_orgs;
    if (!given("exclude-spaces")) own.exclude_spaces = g.exclude_spaces;
    if (!given("exclude-apps")) own.exclude_apps = g.exclude_apps;
    if (!given("exclude-source-types")) own.exclude_source_types = g.exclude_source_types;
    if (!given("platform")) own.platform = g.platform;
    d.queue_max_frames = c.logs_buffer_size;
    d.format.director = c.bosh_director;
    d.format.extra_fields = c.extra_fields;
    c.drains.push_back(std::move(d));
  }
  if (c.drains.empty() && !c.debug && !c.demo) {
    errors.push_back("--drain / DRAINS or --syslog-server / SYSLOG_ENDPOINT: no drain is configured "
                     "(use --debug to write frames to stdout instead)");
  }
}

// "IP:port", "[IPv6]:port" or ":port" (every interface); the port 0..65535 (0: the OS picks).
bool split_listen_address(std::string_view text, std::string& host, std::string& port) {
  std::size_t colon = 0;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find("]:");
    if (close == std::string_view::npos) return false;
    host = std::string(text.substr(1, close - 1));
    colon = close + 1;
  } else {
    colon = text.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = std::string(text.substr(0, colon));
    if (host.find(':') != std::string::npos) return false;  // IPv6 without brackets
  }
  port = std::string(text.substr(colon + 1));
  return true;
}

bool valid_port(const std::string& port) {
  unsigned value = 0;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  return !port.empty() && ec == std::errc() && ptr == port.data() + port.size() && value <= 65535;
}

// Where the HTTP server listens. It always answers /health, which Cloud Foundry's health check
// asks from outside the container on $PORT: with $PORT set and no address given, every
// interface. Elsewhere nothing beyond the host unless the operator names an address.
void stats_address(const std::string& env_port, Config& c, std::vector<std::string>& errors) {
  const std::string flag = where("--stats-address", "STATS_ADDRESS");
  if (!env_port.empty() && !valid_port(env_port)) {
    errors.push_back("PORT (set by Cloud Foundry): '" + env_port + "' is not a port number");
    return;
  }
  if (c.stats_address.empty()) {
    c.stats_address = env_port.empty() ? "127.0.0.1:8080" : "0.0.0.0:" + env_port;
    return;
  }
  std::string host;
  std::string port;
  if (!split_listen_address(c.stats_address, host, port) || !valid_port(port)) {
    errors.push_back(flag + "'" + c.stats_address + "' is not IP:port (e.g. 127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080)");
    return;
  }
  if (!host.empty()) {
    unsigned char buf[sizeof(in6_addr)];
    if (::inet_pton(AF_INET, host.c_str(), buf) != 1 && ::inet_pton(AF_INET6, host.c_str(), buf) != 1) {
      errors.push_back(flag + "'" + host + "' is not an IP address (a host name is not resolved here)");
      return;
    }
  }
  if (!env_port.empty()) port = env_port;
  c.stats_address = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
}

}  // namespace

void validate_config(const RawOptions& raw, GetEnv getenv_fn, Config& c, std::vector<std::string>& errors) {
  if (!c.demo) {
    if (c.api_endpoint.empty()) errors.push_back(where("--api-endpoint", "API_ENDPOINT") + "is required");
    else if (c.api_endpoint.rfind("https://", 0) != 0 && c.api_endpoint.rfind("http://", 0) != 0) {
      errors.push_back(where("--api-endpoint", "API_ENDPOINT") + "'" + c.api_endpoint + "' is not an http(s) URL");
    }
    if (c.username.empty()) {
      if (c.client_id.empty()) errors.push_back(where("--client-id", "FIREHOSE_CLIENT_ID") + "is required");
      if (c.client_secret.empty()) errors.push_back(where("--client-secret", "FIREHOSE_CLIENT_SECRET") + "is required");
    } else if (c.password.empty()) {
      errors.push_back(where("--password", "UAA_PASSWORD") + "is required with --username");
    }
  }
  if (c.subscription_id.empty() || c.subscription_id.find('/') != std::string::npos) {
    errors.push_back(where("--subscription-id", "FIREHOSE_SUBSCRIPTION_ID") + "'" + c.subscription_id +
                     "' must be non-empty and contain no '/'");
  }
  if (raw.firehose == "v1") c.firehose = FirehoseApi::V1;
  else if (raw.firehose == "v2") c.firehose = FirehoseApi::V2;
  else errors.push_back(where("--firehose", "FIREHOSE_API") + "'" + raw.firehose + "' is not v1 or v2");
  integer(raw.connections, "--connections", "FIREHOSE_CONNECTIONS", 1, 64, c.connections, errors);

  c.events = EventSet::none();
  for (const std::string& name : split_list(raw.events)) {
    if (auto t = parse_event_type(name)) {
      c.events.add(*t);
    } else {
      errors.push_back(where("--events", "EVENTS") + "'" + name +
                       "' is not an event type; use LogMessage, ValueMetric, CounterEvent, ContainerMetric, "
                       "HttpStartStop, Error, Event");
    }
  }
  if (c.events.empty() && errors.empty()) errors.push_back(where("--events", "EVENTS") + "selects no event type");

  duration(raw.keep_alive, "--fh-keep-alive", "FH_KEEP_ALIVE", c.keep_alive, errors);
  duration(raw.min_retry_delay, "--min-retry-delay", "MIN_RETRY_DELAY", c.min_retry_delay, errors);
  duration(raw.max_retry_delay, "--max-retry-delay", "MAX_RETRY_DELAY", c.max_retry_delay, errors);
  int ignored_retry_count = 0;
  integer(raw.max_retry_count, "--max-retry-count", "MAX_RETRY_COUNT", 0, 1 << 30, ignored_retry_count, errors);
  duration(raw.cc_pull_time, "--cc-pull-time", "CF_PULL_TIME", c.cc_pull_time, errors);
  duration(raw.missing_app_ttl, "--missing-app-ttl", "MISSING_APPS_TTL", c.missing_app_ttl, errors);
  duration(raw.enrich_wait, "--enrich-wait", "ENRICH_WAIT", c.enrich_wait, errors);
  if (std::chrono::milliseconds gather{}; parse_go_duration(raw.read_gather, gather) && gather <= std::chrono::milliseconds(50)) {
    c.read_gather = gather;
  } else {
    errors.push_back(where("--firehose-read-gather", "FIREHOSE_READ_GATHER") + "'" + raw.read_gather +
                     "' is not a duration from 0 to 50ms (e.g. 2ms)");
  }
  if (raw.drain_thread == "own") {
    c.drain_thread = Config::DrainThread::Own;
  } else if (raw.drain_thread == "shared") {
    c.drain_thread = Config::DrainThread::Shared;
  } else if (raw.drain_thread == "auto") {
    c.drain_thread = Config::DrainThread::Auto;
  } else {
    errors.push_back(where("--drain-thread", "DRAIN_THREAD") + "'" + raw.drain_thread +
                     "' is not one of own, shared, auto");
  }
  if (const auto hold = syslog::parse_byte_size(raw.enrich_hold_bytes); hold && *hold >= (64u << 10)) {
    c.enrich_hold_bytes = *hold;
  } else {
    errors.push_back(where("--enrich-hold-bytes", "ENRICH_HOLD_BYTES") + "'" + raw.enrich_hold_bytes +
                     "' is not a size of at least 64KiB (e.g. 32MiB)");
  }
  duration(raw.shutdown_timeout, "--shutdown-timeout", "SHUTDOWN_TIMEOUT", c.shutdown_timeout, errors);
  duration(raw.drain_down, "--health-drain-down", "HEALTH_DRAIN_DOWN", c.drain_down_threshold, errors);
  integer(raw.cc_rps, "--cc-rps", "CF_RPS", 1, 100000, c.cc_rps, errors);
  integer(raw.logs_buffer_size, "--logs-buffer-size", "LOGS_BUFFER_SIZE", std::size_t{1}, std::size_t{100000000},
          c.logs_buffer_size, errors);

  for (const std::string& field : split_list(raw.extra_fields)) {
    const std::size_t colon = field.find(':');
    if (colon == std::string::npos || colon == 0) {
      errors.push_back(where("--extra-fields", "EXTRA_FIELDS") + "'" + field + "' is not key:value");
      continue;
    }
    c.extra_fields.emplace_back(field.substr(0, colon), field.substr(colon + 1));
  }
  c.orgs = split_list(raw.orgs);
  c.selection.orgs = c.orgs;
  c.selection.spaces = split_list(raw.spaces);
  c.selection.apps = split_list(raw.apps);
  c.selection.source_types = split_list(raw.source_types);
  c.selection.exclude_orgs = split_list(raw.exclude_orgs);
  c.selection.exclude_spaces = split_list(raw.exclude_spaces);
  c.selection.exclude_apps = split_list(raw.exclude_apps);
  c.selection.exclude_source_types = split_list(raw.exclude_source_types);
  if (auto p = syslog::parse_platform(raw.platform)) c.selection.platform = *p;
  else errors.push_back(where("--platform", "PLATFORM") + "'" + raw.platform + "' is not one of include, exclude, only");
  c.strip_app_name_suffixes = split_list(raw.strip_suffixes);
  if (raw.app_selection == "opt-in" || raw.app_selection == "opt-out") c.app_opt_in = raw.app_selection == "opt-in";
  else errors.push_back(where("--app-selection", "APP_SELECTION") + "'" + raw.app_selection + "' is not one of opt-out, opt-in");
  if (!syslog::parse_rate(raw.app_rate_limit, c.app_rate_limit)) {
    errors.push_back(where("--app-rate-limit", "APP_RATE_LIMIT") + "'" + raw.app_rate_limit + "' is not a rate such as 1000/s");
  }
  if (!raw.app_rate_burst.empty() && !syslog::parse_burst(raw.app_rate_burst, c.app_rate_burst)) {
    errors.push_back(where("--app-rate-burst", "APP_RATE_BURST") + "'" + raw.app_rate_burst + "' is not a whole number of lines (1 or more)");
  }
  c.cache_file = raw.cache_file;
  if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" && c.log_level != "error") {
    errors.push_back(where("--log-level", "LOG_LEVEL") + "'" + c.log_level + "' is not debug, info, warn or error");
  }
  readable(c.ca_cert, "--ca-cert / CF_CA_CERT", errors);
  if (c.skip_ssl_validation && !c.ca_cert.empty()) {
    errors.push_back("--skip-ssl-validation and --ca-cert / CF_CA_CERT contradict each other");
  }

  stats_address(getenv_fn("PORT"), c, errors);
  drains(raw, c, errors);
}

}  // namespace nozzle
