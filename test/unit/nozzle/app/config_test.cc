#include <doctest/doctest.h>

#include <cstdlib>
#include <map>

#include "nozzle/app/config.h"

using namespace nozzle;
using namespace std::chrono_literals;

namespace {

std::map<std::string, std::string> g_env;
std::string fake_getenv(const char* name) {
  auto it = g_env.find(name);
  return it == g_env.end() ? std::string() : it->second;
}

ConfigResult parse(std::vector<std::string> args) {
  args.insert(args.begin(), "syslog-nozzle");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  return parse_config(static_cast<int>(argv.size()), argv.data(), fake_getenv);
}

// Sets real environment variables for CLI11 (each test case runs in its own process under
// ctest, and unsets what it set).
struct EnvGuard {
  std::vector<std::string> names;
  void set(const std::string& name, const std::string& value) {
    ::setenv(name.c_str(), value.c_str(), 1);
    names.push_back(name);
  }
  ~EnvGuard() {
    for (auto& n : names) ::unsetenv(n.c_str());
  }
};

const std::vector<std::string> kMinimal = {"--api-endpoint", "https://api.sys", "--client-id", "n",
                                           "--client-secret", "s", "--drain", "syslog://127.0.0.1:514"};

}  // namespace

TEST_CASE("go durations") {
  std::chrono::milliseconds d{};
  CHECK(parse_go_duration("500ms", d));
  CHECK(d == 500ms);
  CHECK(parse_go_duration("1m30s", d));
  CHECK(d == 90s);
  CHECK(parse_go_duration("1h", d));
  CHECK(d == 3600s);
  CHECK(parse_go_duration("60", d));
  CHECK(d == 60s);
  CHECK(parse_go_duration("1.5s", d));
  CHECK(d == 1500ms);
  CHECK_FALSE(parse_go_duration("", d));
  CHECK_FALSE(parse_go_duration("10x", d));
  CHECK_FALSE(parse_go_duration("s", d));
  CHECK_FALSE(parse_go_duration("-5s", d));
}

TEST_CASE("a firehose-to-syslog manifest's env vars alone configure the nozzle") {
  EnvGuard env;
  env.set("API_ENDPOINT", "https://api.sys.example.com");
  env.set("FIREHOSE_CLIENT_ID", "firehose-to-syslog");
  env.set("FIREHOSE_CLIENT_SECRET", "secret");
  env.set("SYSLOG_ENDPOINT", "logs.example.com:6514");
  env.set("SYSLOG_PROTOCOL", "tcp+tls");
  env.set("CERT_PEM", "/etc/hostname");  // any readable file
  env.set("EVENTS", "LogMessage,HttpStartStop");
  env.set("FIREHOSE_SUBSCRIPTION_ID", "nozzle-east");
  env.set("CF_PULL_TIME", "120s");
  env.set("EXTRA_FIELDS", "env:prod,dc:east");
  const auto r = parse({});
  INFO(r.output);
  REQUIRE(r.action == ConfigResult::Action::Run);
  const Config& c = r.config;
  CHECK(c.api_endpoint == "https://api.sys.example.com");
  CHECK(c.client_id == "firehose-to-syslog");
  CHECK(c.subscription_id == "nozzle-east");
  CHECK(c.events.contains(EventType::LogMessage));
  CHECK(c.events.contains(EventType::HttpStartStop));
  CHECK_FALSE(c.events.contains(EventType::ValueMetric));
  CHECK(c.cc_pull_time == 120s);
  REQUIRE(c.drains.size() == 1);
  CHECK(c.drains[0].transport == syslog::Transport::Tls);
  CHECK(c.drains[0].host == "logs.example.com");
  CHECK(c.drains[0].port == 6514);
  CHECK(c.drains[0].ca_file == "/etc/hostname");
  CHECK(c.drains[0].format.extra_fields.size() == 2);
  CHECK(c.extra_fields[0] == std::pair<std::string, std::string>{"env", "prod"});
}

TEST_CASE("defaults follow firehose-to-syslog") {
  const auto r = parse(kMinimal);
  REQUIRE(r.action == ConfigResult::Action::Run);
  const Config& c = r.config;
  CHECK(c.subscription_id == "firehose");
  CHECK(c.events.contains(EventType::LogMessage));
  CHECK_FALSE(c.events.contains(EventType::ValueMetric));
  CHECK(c.firehose == FirehoseApi::V1);
  CHECK(c.cc_rps == 50);
  CHECK(c.cc_pull_time == 60s);
  CHECK(c.logs_buffer_size == 100000);
  CHECK(c.drains[0].queue_max_frames == 100000);
  CHECK(c.enrich_wait == 500ms);
  CHECK(c.enrich_hold_bytes == 32u << 20);
  CHECK_FALSE(c.drop_missing_apps);
  CHECK(c.shutdown_timeout == 10s);
  // The nozzle's own (firehose-to-syslog reads every message): a trickle is read every 5 ms.
  CHECK(c.read_gather == 5ms);
  // The HTTP server answers /health on loopback only; /metrics and /stats/app are off.
  CHECK(c.stats_address == "127.0.0.1:8080");
  CHECK_FALSE(c.enable_stats_server);
}

TEST_CASE("$PORT gives the stats server's port, as on Cloud Foundry, on every interface for the health check") {
  g_env["PORT"] = "61001";
  const auto r = parse(kMinimal);
  g_env.clear();
  REQUIRE(r.action == ConfigResult::Action::Run);
  CHECK(r.config.stats_address == "0.0.0.0:61001");
  CHECK_FALSE(r.config.enable_stats_server);
}

TEST_CASE("--stats-address is used as given, and $PORT, when set, replaces only its port") {
  auto with = [](std::vector<std::string> extra) {
    std::vector<std::string> args = kMinimal;
    args.insert(args.end(), extra.begin(), extra.end());
    return parse(args);
  };
  for (const auto& [given, expected] : std::vector<std::pair<std::string, std::string>>{
           {"10.0.0.5:8080", "10.0.0.5:8080"}, {"0.0.0.0:9090", "0.0.0.0:9090"}, {"[::1]:8080", "[::1]:8080"},
           {":8080", ":8080"}, {"127.0.0.1:0", "127.0.0.1:0"}}) {
    CAPTURE(given);
    const auto r = with({"--stats-address", given});
    REQUIRE(r.action == ConfigResult::Action::Run);
    CHECK(r.config.stats_address == expected);
  }
  g_env["PORT"] = "61001";
  const auto on_cf = with({"--stats-address", "10.0.0.5:8080"});
  const auto on_cf6 = with({"--stats-address", "[::1]:8080"});
  g_env.clear();
  CHECK(on_cf.config.stats_address == "10.0.0.5:61001");
  CHECK(on_cf6.config.stats_address == "[::1]:61001");
}

TEST_CASE("--enable-stats-server and ENABLE_STATS_SERVER turn on /metrics and /stats/app") {
  std::vector<std::string> args = kMinimal;
  args.push_back("--enable-stats-server");
  CHECK(parse(args).config.enable_stats_server);
  EnvGuard env;
  env.set("ENABLE_STATS_SERVER", "true");
  CHECK(parse(kMinimal).config.enable_stats_server);
  env.set("ENABLE_STATS_SERVER", "false");
  CHECK_FALSE(parse(kMinimal).config.enable_stats_server);
}

TEST_CASE("a stats address that cannot be listened on is a configuration error naming the flag") {
  for (const char* bad : {"8080", "localhost:8080", "10.0.0.5", "10.0.0.5:http", "10.0.0.5:70000", "::1:8080",
                          "[::1]8080", "10.0.0.256:80"}) {
    CAPTURE(bad);
    std::vector<std::string> args = kMinimal;
    args.insert(args.end(), {"--stats-address", bad});
    const auto r = parse(args);
    REQUIRE(r.action == ConfigResult::Action::Exit);
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("--stats-address / STATS_ADDRESS") != std::string::npos);
  }
  g_env["PORT"] = "eighty";
  const auto r = parse(kMinimal);
  g_env.clear();
  REQUIRE(r.action == ConfigResult::Action::Exit);
  CHECK(r.output.find("PORT (set by Cloud Foundry): 'eighty'") != std::string::npos);
}

TEST_CASE("bad configuration: every problem listed, each naming its flag and env var, exit 2") {
  const auto r = parse({"--api-endpoint", "api.sys", "--client-id", "n", "--events", "LogMessage,Logs",
                        "--syslog-server", "h:514", "--syslog-protocol", "udp", "--cert-pem-syslog", "/ca.pem",
                        "--drain", "syslog-tls://h:6514?ca=/nonexistent/ca.pem", "--drain", "syslog://h:99999",
                        "--cc-pull-time", "soon", "--connections", "0"});
  REQUIRE(r.action == ConfigResult::Action::Exit);
  CHECK(r.exit_code == 2);
  const std::string& out = r.output;
  INFO(out);
  CHECK(out.find("--api-endpoint / API_ENDPOINT: 'api.sys' is not an http(s) URL") != std::string::npos);
  CHECK(out.find("--client-secret / FIREHOSE_CLIENT_SECRET: is required") != std::string::npos);
  CHECK(out.find("--events / EVENTS: 'Logs' is not an event type") != std::string::npos);
  CHECK(out.find("--cert-pem-syslog / CERT_PEM: applies only to --syslog-protocol tcp+tls") != std::string::npos);
  CHECK(out.find("--drain / DRAINS ca=: cannot read '/nonexistent/ca.pem'") != std::string::npos);
  CHECK(out.find("port '99999'") != std::string::npos);
  CHECK(out.find("--cc-pull-time / CF_PULL_TIME: 'soon' is not a duration") != std::string::npos);
  CHECK(out.find("--connections / FIREHOSE_CONNECTIONS: '0'") != std::string::npos);
  CHECK(out.find("has 8 problems") != std::string::npos);
}

TEST_CASE("no drain at all is a problem unless frames go to stdout") {
  auto r = parse({"--api-endpoint", "https://api.sys", "--client-id", "n", "--client-secret", "s"});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("no drain is configured") != std::string::npos);
  r = parse({"--api-endpoint", "https://api.sys", "--client-id", "n", "--client-secret", "s", "--debug"});
  CHECK(r.action == ConfigResult::Action::Run);
}

TEST_CASE("unknown flags, --help and --version") {
  auto r = parse({"--no-such-flag"});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--no-such-flag") != std::string::npos);
  r = parse({"--help"});
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("API_ENDPOINT") != std::string::npos);
  CHECK(r.output.find("--cc-pull-time") != std::string::npos);
  r = parse({"--version"});
  CHECK(r.exit_code == 0);
  CHECK(r.output.rfind("syslog-nozzle ", 0) == 0);
}

TEST_CASE("several drains from DRAINS, each with its own options") {
  EnvGuard env;
  env.set("DRAINS", "syslog://a:514?format=cf syslog-udp://b:514,syslog-tls://c?events=LogMessage");
  auto args = kMinimal;
  args.resize(6);  // without --drain
  const auto r = parse(args);
  INFO(r.output);
  REQUIRE(r.action == ConfigResult::Action::Run);
  REQUIRE(r.config.drains.size() == 3);
  CHECK(r.config.drains[0].format.style == syslog::Style::Cf);
  CHECK(r.config.drains[1].transport == syslog::Transport::Udp);
  CHECK(r.config.drains[2].port == 6514);
}

TEST_CASE("spool and delivery: defaults for every TCP/TLS/RELP drain, a drain's own options win, UDP has none") {
  auto args = kMinimal;
  args.resize(6);
  args.insert(args.end(), {"--drain", "syslog-tls://a:6514", "--drain", "syslog-udp://b:514", "--drain",
                           "relp://c?spool-dir=/tmp/nozzle-config-test/own&spool-max-bytes=64MiB&window=16",
                           "--spool-dir", "/tmp/nozzle-config-test/spool", "--spool-max-bytes", "2GiB",
                           "--spool-fsync", "always", "--delivery", "at-least-once"});
  const auto r = parse(args);
  INFO(r.output);
  REQUIRE(r.action == ConfigResult::Action::Run);
  REQUIRE(r.config.drains.size() == 3);
  const auto& tls = r.config.drains[0];
  CHECK(tls.spool.dir == "/tmp/nozzle-config-test/spool/syslog-tls_a_6514");
  CHECK(tls.spool.max_bytes == (2ull << 30));
  CHECK(tls.spool.segment_bytes == (16ull << 20));
  CHECK(tls.spool.fsync == syslog::SpoolFsync::Always);
  CHECK(tls.delivery == syslog::Delivery::AtLeastOnce);
  CHECK_FALSE(r.config.drains[1].spool.enabled());
  const auto& relp = r.config.drains[2];
  CHECK(relp.transport == syslog::Transport::Relp);
  CHECK(relp.port == 2514);
  CHECK(relp.spool.dir == "/tmp/nozzle-config-test/own");
  CHECK(relp.spool.max_bytes == (64ull << 20));
  CHECK(relp.spool.segment_bytes == (8ull << 20));  // an eighth of a small spool
  CHECK(relp.relp_window == 16);
}

TEST_CASE("spool: a folder shared by two drains, one that cannot be created, and bad values are problems, exit 2") {
  const char* file = "/tmp/nozzle-config-test-file";
  std::FILE* f = std::fopen(file, "w");
  REQUIRE(f != nullptr);
  std::fclose(f);
  auto args = kMinimal;
  args.resize(6);
  args.insert(args.end(), {"--drain", "syslog://a:514?spool-dir=/tmp/shared-spool", "--drain",
                           "syslog://b:514?spool-dir=/tmp/shared-spool/", "--drain",
                           "syslog://c:514?spool-dir=/tmp/nozzle-config-test-file/spool", "--drain",
                           "syslog-udp://d:514?spool-dir=/tmp/x", "--drain", "relp://e?framing=lf",
                           "--spool-max-bytes", "lots", "--spool-fsync", "sometimes", "--delivery", "twice"});
  const auto r = parse(args);
  std::remove(file);
  CHECK(r.exit_code == 2);
  const std::string& out = r.output;
  INFO(out);
  CHECK(out.find("syslog://b:514 and syslog://a:514 share the spool folder '/tmp/shared-spool'") != std::string::npos);
  CHECK(out.find("spool folder '/tmp/nozzle-config-test-file/spool' cannot be created: "
                 "'/tmp/nozzle-config-test-file' is not a folder") != std::string::npos);
  CHECK(out.find("option 'spool-dir' does not apply to syslog-udp://") != std::string::npos);
  CHECK(out.find("option 'framing' does not apply to relp://") != std::string::npos);
  CHECK(out.find("--spool-max-bytes / SPOOL_MAX_BYTES: 'lots' is not a size") != std::string::npos);
  CHECK(out.find("--spool-fsync / SPOOL_FSYNC: 'sometimes' is not one of never, segment, always") != std::string::npos);
  CHECK(out.find("--delivery / DELIVERY: 'twice' is not one of at-most-once, at-least-once") != std::string::npos);
}

TEST_CASE("--enrich-hold-bytes and --drop-missing-apps reach the config, and a hold below 64KiB is refused") {
  auto args = kMinimal;
  args.insert(args.end(), {"--enrich-hold-bytes", "8MiB", "--drop-missing-apps"});
  const auto r = parse(args);
  REQUIRE(r.action == ConfigResult::Action::Run);
  CHECK(r.config.enrich_hold_bytes == 8u << 20);
  CHECK(r.config.drop_missing_apps);

  auto small = kMinimal;
  small.insert(small.end(), {"--enrich-hold-bytes", "1KiB"});
  const auto bad = parse(small);
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("--enrich-hold-bytes / ENRICH_HOLD_BYTES: '1KiB' is not a size of at least 64KiB") !=
        std::string::npos);
}

TEST_CASE("lists inside a drain URL stay whole, with --drain and in DRAINS, which splits at a comma only before a new URL") {
  auto args = kMinimal;
  args.resize(6);
  args.insert(args.end(), {"--drain", "syslog://a:514?orgs=org-a,org-b&events=LogMessage,Error"});
  auto r = parse(args);
  INFO(r.output);
  REQUIRE(r.action == ConfigResult::Action::Run);
  REQUIRE(r.config.drains.size() == 1);
  CHECK(r.config.drains[0].select.orgs == std::vector<std::string>{"org-a", "org-b"});
  CHECK(r.config.drains[0].events.contains(EventType::Error));

  EnvGuard env;
  env.set("DRAINS", "syslog://a:514?orgs=x,y,relp-tls://b?ca=/etc/hosts,syslog-udp://c:514 syslog://d?orgs=z");
  args.resize(6);
  r = parse(args);
  INFO(r.output);
  REQUIRE(r.action == ConfigResult::Action::Run);
  REQUIRE(r.config.drains.size() == 4);
  CHECK(r.config.drains[0].select.orgs == std::vector<std::string>{"x", "y"});
  CHECK(r.config.drains[1].transport == syslog::Transport::RelpTls);
  CHECK(r.config.drains[2].transport == syslog::Transport::Udp);
  CHECK(r.config.drains[3].select.orgs == std::vector<std::string>{"z"});
}

TEST_CASE("selectors: the global flags are every drain's defaults, a drain's own option replaces one at a time") {
  auto args = kMinimal;
  args.resize(6);
  args.insert(args.end(), {"--drain", "syslog://a:514", "--drain",
                           "syslog://b:514?apps=own-app&platform=include&exclude-orgs=own-org", "--orgs", "org-a,org-b",
                           "--spaces", "org-a/space-a,space-b", "--apps", "app-a", "--source-types", "APP,RTR",
                           "--exclude-orgs", "system", "--exclude-spaces", "staging", "--exclude-apps", "noisy",
                           "--exclude-source-types", "STG", "--platform", "exclude"});
  const auto r = parse(args);
  INFO(r.output);
  REQUIRE(r.action == ConfigResult::Action::Run);
  REQUIRE(r.config.drains.size() == 2);
  CHECK(r.config.orgs == std::vector<std::string>{"org-a", "org-b"});  // the enricher's filter, as before
  const syslog::Selection& g = r.config.selection;
  CHECK(g.orgs == std::vector<std::string>{"org-a", "org-b"});
  CHECK(g.spaces == std::vector<std::string>{"org-a/space-a", "space-b"});
  CHECK(g.platform == syslog::Platform::Exclude);
  CHECK(r.config.drains[0].select == g);
  const syslog::Selection& own = r.config.drains[1].select;
  CHECK(own.apps == std::vector<std::string>{"own-app"});
  CHECK(own.platform == syslog::Platform::Include);
  CHECK(own.exclude_orgs == std::vector<std::string>{"own-org"});
  CHECK(own.orgs == g.orgs);
  CHECK(own.spaces == g.spaces);
  CHECK(own.source_types == std::vector<std::string>{"APP", "RTR"});
  CHECK(own.exclude_spaces == std::vector<std::string>{"staging"});
  CHECK(own.exclude_apps == std::vector<std::string>{"noisy"});
  CHECK(own.exclude_source_types == std::vector<std::string>{"STG"});
}

TEST_CASE("selectors: env vars SPACES, APPS, SOURCE_TYPES, the EXCLUDE_ ones and PLATFORM, and a bad PLATFORM") {
  EnvGuard env;
  env.set("SPACES", "s1");
  env.set("APPS", "a1,a2");
  env.set("SOURCE_TYPES", "RTR");
  env.set("EXCLUDE_ORGS", "o1");
  env.set("EXCLUDE_SPACES", "o1/s2");
  env.set("EXCLUDE_APPS", "a3");
  env.set("EXCLUDE_SOURCE_TYPES", "APP/PROC/WEB");
  env.set("PLATFORM", "only");
  auto r = parse(kMinimal);
  INFO(r.output);
  REQUIRE(r.action == ConfigResult::Action::Run);
  REQUIRE(r.config.drains.size() == 1);
  const syslog::Selection& s = r.config.drains[0].select;
  CHECK(s.orgs.empty());
  CHECK(s.spaces == std::vector<std::string>{"s1"});
  CHECK(s.apps == std::vector<std::string>{"a1", "a2"});
  CHECK(s.source_types == std::vector<std::string>{"RTR"});
  CHECK(s.exclude_orgs == std::vector<std::string>{"o1"});
  CHECK(s.exclude_spaces == std::vector<std::string>{"o1/s2"});
  CHECK(s.exclude_apps == std::vector<std::string>{"a3"});
  CHECK(s.exclude_source_types == std::vector<std::string>{"APP/PROC/WEB"});
  CHECK(s.platform == syslog::Platform::Only);

  env.set("PLATFORM", "sometimes");
  r = parse(kMinimal);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--platform / PLATFORM: 'sometimes' is not one of include, exclude, only") != std::string::npos);
}

TEST_CASE("selectors: none given, every drain selects everything") {
  const auto r = parse(kMinimal);
  REQUIRE(r.action == ConfigResult::Action::Run);
  CHECK(r.config.selection == syslog::Selection{});
  for (const auto& d : r.config.drains) CHECK(d.select == syslog::Selection{});
}

TEST_CASE("two drains with one name= is a problem, exit 2, and named drains keep their names") {
  auto args = kMinimal;
  args.resize(6);
  args.insert(args.end(), {"--drain", "syslog://a:514?name=team-a", "--drain", "syslog://b:514?name=team-a",
                           "--drain", "syslog://c:514?name=team-c"});
  const auto r = parse(args);
  CHECK(r.exit_code == 2);
  INFO(r.output);
  CHECK(r.output.find("two drains are named 'team-a'") != std::string::npos);
  CHECK(r.output.find("team-c") == std::string::npos);
}

TEST_CASE("labels and limits: --app-selection, --app-rate-limit, --app-rate-burst and rate-limit= are checked, exit 2") {
  auto args = kMinimal;
  args.resize(6);
  args.insert(args.end(), {"--app-selection", "opt-maybe", "--app-rate-limit", "fast", "--app-rate-burst", "0",
                           "--drain", "syslog://a:514?rate-limit=10/m&rate-burst=x"});
  const auto r = parse(args);
  CHECK(r.exit_code == 2);
  INFO(r.output);
  CHECK(r.output.find("--app-selection / APP_SELECTION: 'opt-maybe' is not one of opt-out, opt-in") != std::string::npos);
  CHECK(r.output.find("--app-rate-limit / APP_RATE_LIMIT: 'fast' is not a rate such as 1000/s") != std::string::npos);
  CHECK(r.output.find("--app-rate-burst / APP_RATE_BURST: '0' is not a whole number of lines") != std::string::npos);
  CHECK(r.output.find("rate-limit='10/m' is not a rate such as 1000/s") != std::string::npos);
  CHECK(r.output.find("rate-burst='x' is not a whole number of lines") != std::string::npos);

  auto good = kMinimal;
  good.resize(6);
  good.insert(good.end(), {"--app-selection", "opt-in", "--app-rate-limit", "1000/s", "--drain",
                           "syslog://a:514?name=a&rate-limit=50&rate-burst=200"});
  const auto ok = parse(good);
  INFO(ok.output);
  REQUIRE(ok.action == ConfigResult::Action::Run);
  CHECK(ok.config.app_opt_in);
  CHECK(ok.config.app_rate_limit == doctest::Approx(1000));
  CHECK(ok.config.drains.at(0).rate_limit == doctest::Approx(50));
  CHECK(ok.config.drains.at(0).rate_burst == doctest::Approx(200));
}

TEST_CASE("--drain-thread: own, shared or auto reach the config, anything else is a problem naming the flag, exit 2") {
  CHECK(parse(kMinimal).config.drain_thread == Config::DrainThread::Own);
  for (const auto& [text, want] : {std::pair{"own", Config::DrainThread::Own},
                                   std::pair{"shared", Config::DrainThread::Shared},
                                   std::pair{"auto", Config::DrainThread::Auto}}) {
    CAPTURE(text);
    auto args = kMinimal;
    args.insert(args.end(), {"--drain-thread", text});
    const auto r = parse(args);
    REQUIRE(r.action == ConfigResult::Action::Run);
    CHECK(r.config.drain_thread == want);
  }
  auto bad = kMinimal;
  bad.insert(bad.end(), {"--drain-thread", "pool"});
  const auto r = parse(bad);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--drain-thread / DRAIN_THREAD: 'pool' is not one of own, shared, auto") != std::string::npos);
}
