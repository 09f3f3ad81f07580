// A shared foundation end to end: cf-sim -> syslog-nozzle -> rsyslog and syslog-ng, with drains
// that select by org, space, app, source type, event type and platform, and with apps that opt in
// and route themselves by label (README, "Routing: selectors and labels"). What each receiver got
// is compared, per sequence number, with what the rule says it should get, computed here from the
// workload's own definition (tools/cf-sim/workload.h) and the foundation's naming rule.
#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <functional>
#include <map>
#include <set>

#include "simulator.h"
#include "support/nozzle_process.h"
#include "support/receiver_checks.h"
#include "support/rsyslog.h"
#include "support/syslog_ng.h"
#include "support/temp_dir.h"
#include "support/wait.h"

using namespace nozzle::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kAllEvents = "LogMessage,ValueMetric,CounterEvent,ContainerMetric,HttpStartStop,Error";

// What the test knows of envelope `seq`, from the workload and the foundation's layout.
struct Known {
  nozzle::EventType type;
  bool app = false;  // an app envelope (LogMessage, ContainerMetric, HttpStartStop)
  std::uint64_t app_index = 0;
  std::uint32_t space = 0;
  std::uint32_t org = 0;
  std::string source_type;
};

Known known(const cfsim::Simulator& sim, std::uint64_t seq) {
  nozzle::Envelope env;
  sim.workload().make(seq, 0, env);
  Known k{env.type};
  k.app = !env.app_id().empty();
  if (k.app) {
    k.app_index = sim.workload().app(seq);
    k.space = static_cast<std::uint32_t>(k.app_index % sim.foundation().space_count());
    k.org = sim.foundation().space(k.space).org;
  }
  if (env.type == nozzle::EventType::LogMessage) k.source_type = env.log.source_type;
  return k;
}

// The sequence numbers a receiver got, each with how often.
std::map<std::int64_t, int> seqs_of(const std::vector<ReceivedMessage>& got) {
  std::map<std::int64_t, int> out;
  for (const auto& m : got) ++out[pcf_seq(m.msg)];
  return out;
}

// Checks that a receiver got exactly the sequence numbers `want` accepts, once each.
void check_exactly(const std::string& what, const std::map<std::int64_t, int>& got, const cfsim::Simulator& sim,
                   std::uint64_t total, const std::function<bool(const Known&)>& want) {
  INFO("drain: " << what);
  std::size_t missing = 0, extra = 0, duplicated = 0;
  for (std::uint64_t seq = 0; seq < total; ++seq) {
    const bool wanted = want(known(sim, seq));
    const auto it = got.find(static_cast<std::int64_t>(seq));
    const int n = it == got.end() ? 0 : it->second;
    if (wanted && n == 0) ++missing;
    if (!wanted && n > 0) ++extra;
    if (n > 1) ++duplicated;
  }
  CHECK(missing == 0);
  CHECK(extra == 0);
  CHECK(duplicated == 0);
  CHECK(got.count(-1) == 0);  // every message carried a sequence number
}

std::size_t count_wanted(const cfsim::Simulator& sim, std::uint64_t total,
                         const std::function<bool(const Known&)>& want) {
  std::size_t n = 0;
  for (std::uint64_t seq = 0; seq < total; ++seq) n += want(known(sim, seq)) ? 1 : 0;
  return n;
}

std::string tcp_drain(std::uint16_t port, const std::string& query) {
  return "syslog://localhost:" + std::to_string(port) + "?" + query;
}

// The app index of a pcf message, from its cf_app_id (cf-sim's guids end in the index).
std::int64_t app_index_of(const ReceivedMessage& m) {
  const auto brace = m.msg.find('{');
  if (brace == std::string::npos) return -1;
  rapidjson::Document body;
  body.Parse(m.msg.c_str() + brace);
  if (body.HasParseError() || !body.HasMember("cf_app_id")) return -1;
  const std::string guid = body["cf_app_id"].GetString();
  return guid.size() == 36 ? std::stoll(guid.substr(24), nullptr, 16) : -1;
}

std::set<std::int64_t> apps_in(const std::vector<ReceivedMessage>& got) {
  std::set<std::int64_t> out;
  for (const auto& m : got) out.insert(app_index_of(m));
  return out;
}

}  // namespace

TEST_CASE("selectors end to end: four drains on rsyslog and syslog-ng get exactly what their selectors accept") {
  constexpr std::uint64_t kTotal = 4000;
  cfsim::SimulatorOptions o;
  o.foundation.orgs = 3;
  o.foundation.spaces = 6;
  o.foundation.apps = 30;
  o.workload.total = kTotal;
  o.workload.mix = {50, 10, 10, 10, 10, 10, 0};
  o.workload.tagged_share = 0.5;
  o.workload.seed = 23;
  cfsim::Simulator sim(o);
  sim.start();
  const std::string app4_guid = sim.foundation().live_apps().at(4).guid;

  // org-0's app envelopes only.
  const auto by_org = [](const Known& k) { return k.app && k.org == 0; };
  // space-1 (written org-1/space-1) and space-2, RTR lines only (other events have no source
  // type and pass), never app-8; platform envelopes pass (platform=include, the default).
  const auto by_space = [](const Known& k) {
    if (!k.app) return true;
    if (k.space != 1 && k.space != 2) return false;
    if (k.app_index == 8) return false;
    return k.type != nozzle::EventType::LogMessage || k.source_type.rfind("RTR", 0) == 0;
  };
  // app-3 by name, app-4 by guid, their logs and HTTP events only, no platform.
  const auto by_app = [](const Known& k) {
    return k.app && (k.app_index == 3 || k.app_index == 4) &&
           (k.type == nozzle::EventType::LogMessage || k.type == nozzle::EventType::HttpStartStop);
  };
  // Platform envelopes only.
  const auto platform_only = [](const Known& k) { return !k.app; };

  Rsyslog org_rsyslog({.tls = false, .tcp = true});
  Rsyslog space_rsyslog({.tls = false, .tcp = true});
  Rsyslog platform_rsyslog({.tls = false, .tcp = true});
  SyslogNg app_syslog_ng({.tls = false, .tcp = true});
  TempDir dir("nozzle-selectors");
  auto args = sim_args(sim);
  // One --drain holding two URLs and lists inside them: split only before a scheme.
  args.insert(args.end(), {"--firehose", "v1", "--subscription-id", "selectors", "--events", kAllEvents, "--drain",
                           tcp_drain(org_rsyslog.tcp_port(), "orgs=org-0&platform=exclude") + "," +
                               tcp_drain(space_rsyslog.tcp_port(),
                                         "spaces=org-1/space-1,space-2&source-types=RTR&exclude-apps=app-8"),
                           "--drain",
                           tcp_drain(app_syslog_ng.tcp_port(),
                                     "apps=app-3," + app4_guid + "&platform=exclude&events=LogMessage,HttpStartStop"),
                           "--drain", tcp_drain(platform_rsyslog.tcp_port(), "platform=only")});
  NozzleProcess nozzle(dir, args);
  INFO(nozzle.process->describe());

  const std::size_t want_org = count_wanted(sim, kTotal, by_org);
  const std::size_t want_space = count_wanted(sim, kTotal, by_space);
  const std::size_t want_app = count_wanted(sim, kTotal, by_app);
  const std::size_t want_platform = count_wanted(sim, kTotal, platform_only);
  REQUIRE(want_org > 100);
  REQUIRE(want_space > 100);
  REQUIRE(want_app > 50);
  REQUIRE(want_platform > 100);
  CHECK(org_rsyslog.wait_messages(want_org, 60s));
  CHECK(space_rsyslog.wait_messages(want_space, 60s));
  CHECK(app_syslog_ng.wait_messages(want_app, 60s));
  CHECK(platform_rsyslog.wait_messages(want_platform, 60s));
  // Whatever is still queued arrives too: then nothing more may come.
  CHECK(wait_until([&] { return NozzleProcess::metric(nozzle.get("/metrics"), "envelopes_formatted_total") == kTotal; },
                   20s));
  CHECK(nozzle.process->stop(15s) == 0);

  check_exactly("orgs=org-0&platform=exclude", seqs_of(org_rsyslog.messages()), sim, kTotal, by_org);
  check_exactly("spaces=org-1/space-1,space-2&source-types=RTR&exclude-apps=app-8", seqs_of(space_rsyslog.messages()),
                sim, kTotal, by_space);
  check_exactly("apps=app-3,<guid of app-4>&platform=exclude&events=LogMessage,HttpStartStop (syslog-ng)",
                seqs_of(app_syslog_ng.messages()), sim, kTotal, by_app);
  check_exactly("platform=only", seqs_of(platform_rsyslog.messages()), sim, kTotal, platform_only);
  sim.stop();
}

TEST_CASE(
    "labels end to end: of 100 apps only the 7 labelled on app, space or org go out, a label moves one, a new label "
    "counts within a refresh") {
  cfsim::SimulatorOptions o;
  // app i is in space i % 50, space j in org j % 25: an org holds apps k, k+25, k+50, k+75 and
  // a space apps j and j+50.
  o.foundation.orgs = 25;
  o.foundation.spaces = 50;
  o.foundation.apps = 100;
  o.workload.rate = 3000;
  o.workload.mix = {100, 0, 0, 0, 0, 0, 0};
  o.workload.tagged_share = 0.5;
  o.workload.seed = 29;
  cfsim::Simulator sim(o);
  const auto& f = sim.foundation();
  const auto app = [&](std::uint64_t i) { return f.live_apps().at(i).guid; };
  REQUIRE(sim.set_label(f.org(1).guid, "syslog-nozzle/forward", "true"));    // apps 1, 26, 51, 76
  REQUIRE(sim.set_label(f.space(2).guid, "syslog-nozzle/forward", "true"));  // apps 2, 52
  REQUIRE(sim.set_label(app(3), "syslog-nozzle/forward", "true"));           // app 3
  REQUIRE(sim.set_label(app(51), "syslog-nozzle/forward", "yes"));   // not true or false: the org's label decides
  REQUIRE(sim.set_label(app(26), "syslog-nozzle/drain", "team-b"));  // app 26 moves to team-b
  REQUIRE(sim.set_label(app(40), "f2s-disable-logging", "true"));    // opted out, in no case sent
  sim.start();

  Rsyslog team_a({.tls = false, .tcp = true});
  SyslogNg team_b({.tls = false, .tcp = true});
  TempDir dir("nozzle-labels");
  auto args = sim_args(sim);
  for (auto& a : args) {
    if (a == "60s") a = "2s";  // --cc-pull-time: a label change counts within about 2 s
  }
  args.insert(args.end(),
              {"--firehose", "v2", "--subscription-id", "labels", "--events", "LogMessage", "--app-selection", "opt-in",
               "--platform", "exclude", "--drain", tcp_drain(team_a.tcp_port(), "name=team-a"), "--drain",
               tcp_drain(team_b.tcp_port(), "name=team-b&labels=only")});
  NozzleProcess nozzle(dir, args);
  INFO(nozzle.process->describe());

  const std::set<std::int64_t> labelled_a{1, 2, 3, 51, 52, 76};
  CHECK(wait_until([&] { return apps_in(team_a.messages()) == labelled_a; }, 30s));
  CHECK(wait_until([&] { return apps_in(team_b.messages()) == std::set<std::int64_t>{26}; }, 30s));
  const std::string metrics = nozzle.get("/metrics");
  INFO(metrics);
  CHECK(NozzleProcess::metric(metrics, "envelopes_filtered_total{reason=\"not_opted_in\"}") > 100);
  CHECK(NozzleProcess::metric(metrics, "envelopes_filtered_total{reason=\"opt_out\"}") > 0);

  // A label set while the nozzle runs: app 10 opts in, app 52 moves to team-b by its own label
  // (nearer than its space's).
  REQUIRE(sim.set_label(app(10), "syslog-nozzle/forward", "true"));
  REQUIRE(sim.set_label(app(52), "syslog-nozzle/drain", "team-b"));
  CHECK(wait_until([&] { return apps_in(team_a.messages()).count(10) == 1; }, 20s));
  CHECK(wait_until([&] { return apps_in(team_b.messages()).count(52) == 1; }, 20s));
  CHECK(nozzle.process->stop(15s) == 0);

  std::set<std::int64_t> all_a = apps_in(team_a.messages());
  std::set<std::int64_t> all_b = apps_in(team_b.messages());
  CHECK(all_a == std::set<std::int64_t>{1, 2, 3, 10, 51, 52, 76});  // 52 until its label counted
  CHECK(all_b == std::set<std::int64_t>{26, 52});
  sim.stop();
}

TEST_CASE(
    "rate limit end to end: one app at 20,000 lines/s among 50 at 10/s, limit 1,000/s, only the noisy one is cut, "
    "counted and told") {
  constexpr std::uint64_t kTotal = 61500;  // 3 s at 20,500/s
  cfsim::SimulatorOptions o;
  o.foundation.orgs = 1;
  o.foundation.spaces = 1;
  o.foundation.apps = 51;
  o.workload.rate = 20500;
  o.workload.total = kTotal;
  o.workload.mix = {100, 0, 0, 0, 0, 0, 0};
  o.workload.hot_app_share = 20000.0 / 20500.0;
  o.workload.tagged_share = 1.0;
  o.workload.seed = 31;
  cfsim::Simulator sim(o);
  sim.start();
  Rsyslog rsyslog({.tls = false, .tcp = true});
  TempDir dir("nozzle-rate-limit");
  auto args = sim_args(sim);
  args.insert(args.end(), {"--firehose", "v1", "--subscription-id", "limits", "--events", "LogMessage",
                           "--app-rate-limit", "1000/s", "--drain", tcp_drain(rsyslog.tcp_port(), "name=logs")});
  NozzleProcess nozzle(dir, args);
  INFO(nozzle.process->describe());

  std::uint64_t noisy_sent = 0;
  for (std::uint64_t seq = 0; seq < kTotal; ++seq) noisy_sent += sim.workload().app(seq) == 0 ? 1 : 0;
  REQUIRE(noisy_sent > 55000);
  std::string metrics;
  const auto limited = [&] {
    return NozzleProcess::metric(metrics, "envelopes_filtered_total{reason=\"app_rate_limit\"}");
  };
  CHECK(wait_until(
      [&] {
        metrics = nozzle.get("/metrics");
        return NozzleProcess::metric(metrics, "envelopes_formatted_total") + limited() == kTotal;
      },
      60s));
  INFO(metrics);
  const double dropped = limited();
  CHECK(wait_until([&] { return rsyslog.wait_messages(kTotal - static_cast<std::size_t>(dropped), 1s); }, 30s));
  const std::string app0 = sim.foundation().live_apps().at(0).guid;
  // The threads hand their drops to the report once a second.
  CHECK(wait_until(
      [&] {
        return NozzleProcess::metric(nozzle.get("/metrics"),
                                     "app_rate_limited_total{scope=\"global\",app_id=\"" + app0 +
                                         "\",app_name=\"app-0\",space_name=\"space-0\",org_name=\"org-0\"}") == dropped;
      },
      10s));
  CHECK(nozzle.process->stop(15s) == 0);  // the last notice goes out at stop

  std::map<std::int64_t, int> got;
  std::uint64_t noisy_got = 0, told = 0, notices = 0;
  for (const auto& m : rsyslog.messages()) {
    const std::int64_t seq = pcf_seq(m.msg);
    if (seq >= 0) {
      ++got[seq];
      noisy_got += sim.workload().app(static_cast<std::uint64_t>(seq)) == 0 ? 1 : 0;
      continue;
    }
    // A notice: an LGR line of the noisy app saying how many of its lines were dropped.
    const auto at = m.msg.find("syslog-nozzle: ");
    REQUIRE(at != std::string::npos);
    CHECK(app_index_of(m) == 0);
    CHECK(m.msg.find("over the limit of 1000 lines/s per app (--app-rate-limit)") != std::string::npos);
    told += std::stoull(m.msg.substr(at + 15));
    ++notices;
  }
  // The quiet apps lost nothing; every line of the noisy one was sent or counted; it was cut.
  check_exactly(
      "quiet apps",
      [&] {
        std::map<std::int64_t, int> quiet;
        for (const auto& [seq, n] : got) {
          if (sim.workload().app(static_cast<std::uint64_t>(seq)) != 0) quiet[seq] = n;
        }
        return quiet;
      }(),
      sim, kTotal, [](const Known& k) { return k.app_index != 0; });
  CHECK(noisy_got + static_cast<std::uint64_t>(dropped) == noisy_sent);
  CHECK(noisy_got >= 1000);           // the burst passes
  CHECK(noisy_got < noisy_sent / 4);  // 20,000/s cut to about 1,000/s
  CHECK(notices >= 1);
  CHECK(told == static_cast<std::uint64_t>(dropped));  // the notices told every dropped line
  sim.stop();
}
