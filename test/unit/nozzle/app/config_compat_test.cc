// Every flag of firehose-to-syslog's --help (its cli.go, and the README's listing of older
// releases; docs/WIRE.md "firehose-to-syslog flags") is accepted, as a flag and from its
// environment variable, so that every manifest written for that tool starts. Flags that do
// nothing here say so in a warning; the others do not warn.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "nozzle/app/config.h"

using namespace nozzle;

namespace {

std::string no_env(const char*) { return {}; }

ConfigResult parse(std::vector<std::string> args) {
  args.insert(args.begin(), "syslog-nozzle");
  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (auto& a : args) argv.push_back(a.c_str());
  return parse_config(static_cast<int>(argv.size()), argv.data(), no_env);
}

// CLI11 reads option env vars with the real getenv: set for one parse, then unset.
struct ScopedEnv {
  ScopedEnv(std::string name, const std::string& value) : name_(std::move(name)) {
    ::setenv(name_.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() { ::unsetenv(name_.c_str()); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
};

struct F2sFlag {
  const char* flag;
  const char* env;                 // nullptr: no env var in firehose-to-syslog
  const char* value;               // nullptr: a boolean flag (given alone; its env var gets "true")
  bool does_nothing;               // accepted with a warning
  std::vector<std::string> needs;  // other flags it needs to make sense
};

// firehose-to-syslog's flags, in the order of its cli.go; then the ones only older releases
// had (--log-event-totals, --log-event-totals-time, --cf-orgs).
const std::vector<F2sFlag>& f2s_flags() {
  static const std::vector<F2sFlag> flags = {
      {"--debug", "DEBUG", nullptr, false, {}},
      {"--api-endpoint", "API_ENDPOINT", "https://api.sys.example.com", false, {}},
      {"--doppler-endpoint", "DOPPLER_ENDPOINT", "wss://doppler.sys.example.com:443", false, {}},
      {"--syslog-server", "SYSLOG_ENDPOINT", "logs.example.com:514", false, {}},
      {"--syslog-protocol", "SYSLOG_PROTOCOL", "udp", false, {}},
      {"--skip-ssl-validation-syslog", "SKIP_SSL_VALIDATION_SYSLOG", nullptr, false, {"--syslog-protocol", "tcp+tls"}},
      {"--subscription-id", "FIREHOSE_SUBSCRIPTION_ID", "firehose-to-syslog", false, {}},
      {"--client-id", "FIREHOSE_CLIENT_ID", "firehose-to-syslog", false, {}},
      {"--client-secret", "FIREHOSE_CLIENT_SECRET", "secret", false, {}},
      {"--skip-ssl-validation", "SKIP_SSL_VALIDATION", nullptr, false, {}},
      {"--fh-keep-alive", "FH_KEEP_ALIVE", "25s", false, {}},
      {"--min-retry-delay", "MIN_RETRY_DELAY", "500ms", false, {}},
      {"--max-retry-delay", "MAX_RETRY_DELAY", "1m", false, {}},
      {"--max-retry-count", "MAX_RETRY_COUNT", "1000", false, {}},
      {"--logs-buffer-size", "LOGS_BUFFER_SIZE", "10000", false, {}},
      {"--events", "EVENTS", "LogMessage,HttpStartStop", false, {}},
      {"--enable-stats-server", "ENABLE_STATS_SERVER", nullptr, false, {}},
      {"--boltdb-path", "BOLTDB_PATH", "my.db", false, {}},
      {"--cc-pull-time", "CF_PULL_TIME", "60s", false, {}},
      {"--cc-rps", "CF_RPS", "50", false, {}},
      {"--extra-fields", "EXTRA_FIELDS", "env:dev,something:other", false, {}},
      {"--orgs", "ORGS", "org1,org2", false, {}},
      {"--mode-prof", "MODE_PROF", "cpu", true, {}},
      {"--path-prof", "PATH_PROF", "/tmp/prof", true, {}},
      {"--log-formatter-type", "LOG_FORMATTER_TYPE", "json", false, {}},
      {"--cert-pem-syslog", "CERT_PEM", "/etc/hostname", false, {"--syslog-protocol", "tcp+tls"}},
      {"--ignore-missing-apps", "IGNORE_MISSING_APPS", nullptr, false, {}},
      {"--strip-app-name-suffixes", "STRIP_APP_NAME_SUFFIXES", "-venerable,-blue", false, {}},
      {"--log-event-totals", "LOG_EVENT_TOTALS", nullptr, true, {}},
      {"--log-event-totals-time", "LOG_EVENT_TOTALS_TIME", "30s", true, {}},
      {"--cf-orgs", "CF_ORGS", "org1|org2", false, {}},
  };
  return flags;
}

// What a firehose-to-syslog manifest always has: the endpoint, the client and one server;
// without `except`, which the test gives itself.
std::vector<std::string> base_args(const std::string& except = "") {
  const std::vector<std::string> all = {
      "--api-endpoint",  "https://api.sys", "--client-id", "n", "--client-secret", "s",
      "--syslog-server", "127.0.0.1:514"};
  std::vector<std::string> args;
  for (std::size_t i = 0; i + 1 < all.size(); i += 2) {
    if (all[i] != except) args.insert(args.end(), {all[i], all[i + 1]});
  }
  return args;
}

bool warns_about(const ConfigResult& r, const std::string& flag) {
  for (const auto& w : r.warnings) {
    if (w.rfind(flag + " ", 0) == 0) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("every firehose-to-syslog flag is accepted, as a flag and from its env var") {
  for (const F2sFlag& f : f2s_flags()) {
    CAPTURE(f.flag);
    {
      auto args = base_args(f.flag);
      args.insert(args.end(), f.needs.begin(), f.needs.end());
      args.emplace_back(f.flag);
      if (f.value != nullptr) args.emplace_back(f.value);
      const auto r = parse(args);
      INFO(r.output);
      CHECK(r.action == ConfigResult::Action::Run);
      CHECK(r.exit_code == 0);
      CHECK(warns_about(r, f.flag) == f.does_nothing);
    }
    if (f.env != nullptr) {
      CAPTURE(f.env);
      ScopedEnv env(f.env, f.value != nullptr ? f.value : "true");
      auto args = base_args(f.flag);
      args.insert(args.end(), f.needs.begin(), f.needs.end());
      const auto r = parse(args);
      INFO(r.output);
      CHECK(r.action == ConfigResult::Action::Run);
      CHECK(r.exit_code == 0);
      CHECK(warns_about(r, f.flag) == f.does_nothing);
    }
  }
}

TEST_CASE("a firehose-to-syslog command line with every one of its flags starts") {
  std::vector<std::string> args;
  for (const F2sFlag& f : f2s_flags()) {
    const std::string flag = f.flag;
    if (flag == "--cf-orgs") continue;  // the older name of --orgs: one or the other
    // Verifying the server with --cert-pem-syslog and not verifying it contradict each other
    // (a configuration error here); each is accepted alone in the test above.
    if (flag == "--skip-ssl-validation-syslog") continue;
    args.push_back(flag);
    if (flag == "--syslog-protocol") args.emplace_back("tcp+tls");  // for --cert-pem-syslog
    else if (f.value != nullptr) args.emplace_back(f.value);
  }
  const auto r = parse(args);
  INFO(r.output);
  CHECK(r.action == ConfigResult::Action::Run);
  CHECK(r.warnings.size() == 4);  // --mode-prof, --path-prof, --log-event-totals, --log-event-totals-time
}

TEST_CASE("flags without an effect warn only when set, and say what they are") {
  auto r = parse(base_args());
  CHECK(r.action == ConfigResult::Action::Run);
  CHECK(r.warnings.empty());

  auto args = base_args();
  args.insert(args.end(), {"--mode-prof", "mem", "--path-prof", "/var/tmp"});
  r = parse(args);
  REQUIRE(r.warnings.size() == 2);
  CHECK(r.warnings[0].find("--mode-prof (MODE_PROF) is accepted") == 0);
  CHECK(r.warnings[0].find("does nothing") != std::string::npos);
  CHECK(r.warnings[1].find("--path-prof (PATH_PROF) is accepted") == 0);
}

TEST_CASE("--help-long and --help-man print the help, as --help does") {
  const auto help = parse({"--help"});
  REQUIRE(help.action == ConfigResult::Action::Exit);
  for (const char* flag : {"--help-long", "--help-man"}) {
    CAPTURE(flag);
    const auto r = parse({flag});
    CHECK(r.action == ConfigResult::Action::Exit);
    CHECK(r.exit_code == 0);
    CHECK(r.output == help.output);
    CHECK(r.output.find("--mode-prof") != std::string::npos);
  }
}

TEST_CASE("--cf-orgs, firehose-to-syslog's older name of --orgs, selects the same orgs") {
  auto args = base_args();
  args.insert(args.end(), {"--cf-orgs", "prod|staging"});
  auto r = parse(args);
  REQUIRE(r.action == ConfigResult::Action::Run);
  CHECK(r.config.orgs == std::vector<std::string>{"prod", "staging"});

  args = base_args();
  args.insert(args.end(), {"--cf-orgs", "prod", "--orgs", "staging"});
  r = parse(args);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--cf-orgs (CF_ORGS) and --orgs (ORGS) are both set") != std::string::npos);
}

TEST_CASE("--log-event-totals-time that is not a duration is a configuration error") {
  auto args = base_args();
  args.insert(args.end(), {"--log-event-totals-time", "often"});
  const auto r = parse(args);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--log-event-totals-time (LOG_EVENT_TOTALS_TIME): 'often' is not a duration") !=
        std::string::npos);
}

// --demo listens on a free loopback port unless the address was chosen: the container image
// chooses it with STATS_ADDRESS, and its health check asks there.
TEST_CASE("--stats-address and STATS_ADDRESS mark the HTTP server's address as chosen") {
  CHECK_FALSE(parse(base_args()).config.stats_address_given);
  auto args = base_args();
  args.insert(args.end(), {"--stats-address", "127.0.0.1:8081"});
  CHECK(parse(args).config.stats_address_given);
  ScopedEnv env("STATS_ADDRESS", "0.0.0.0:8080");
  const auto r = parse(base_args());
  CHECK(r.config.stats_address_given);
  CHECK(r.config.stats_address == "0.0.0.0:8080");
}
