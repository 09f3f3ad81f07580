// ConnectionPipeline with a recording drain and an enricher that names apps from a table: the
// per-drain events= and selector routes (orgs=, spaces=, apps=, source-types=, platform=), one
// formatting per distinct format, and the stdout route.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "nozzle/pipeline/connection_pipeline.h"
#include "unit/syslog/envelopes.h"

using namespace nozzle;
using nozzle::syslog::testing::app_log;
using nozzle::syslog::testing::pcf_options;
using nozzle::syslog::testing::platform_envelope;

namespace {

// Keeps every message it is given, in order. stage() frames nothing: a "frame" here is the
// message itself, so that what a drain got can be compared with what the formatter made.
class RecordingDrain final : public syslog::Drain {
 public:
  bool push(std::string_view message) override {
    messages.emplace_back(message);
    return true;
  }
  bool stage(std::string_view message, syslog::FrameBatch& batch) override {
    batch.bytes.append(message);
    batch.lengths.push_back(static_cast<std::uint32_t>(message.size()));
    return true;
  }
  void push_batch(syslog::FrameBatch& batch) override {
    std::size_t at = 0;
    for (const std::uint32_t n : batch.lengths) {
      messages.push_back(batch.bytes.substr(at, n));
      at += n;
    }
    ++batches;
    batch.clear();
  }
  const syslog::DrainConfig& config() const override { return config_; }
  syslog::DrainCounters& counters() override { return counters_; }

  std::vector<std::string> messages;
  int batches = 0;

 private:
  syslog::DrainConfig config_;
  syslog::DrainCounters counters_;
};

// Names by app guid, like the cache would give them; an app not in the table goes out without
// names (its org unknown), a platform envelope with none.
class TableEnricher final : public Enricher {
 public:
  void process(Envelope& env, const Emit& emit) override {
    const std::string id(env.app_id());
    if (const auto it = apps.find(id); it != apps.end()) {
      AppInfo info = it->second;
      info.app_id = env.app_id();
      emit(env, info);
    } else {
      emit(env, AppInfo{env.app_id()});
    }
  }
  void tick(std::chrono::steady_clock::time_point, const Emit&) override {}
  void flush(const Emit&) override {}

  std::map<std::string, AppInfo> apps;
};

constexpr std::string_view kOrgA = "0000000a-0000-4000-8000-000000000000";
constexpr std::string_view kOrgB = "0000000b-0000-4000-8000-000000000000";
constexpr std::string_view kAppA = "0000000a-0001-4000-a000-000000000001";
constexpr std::string_view kAppB = "0000000b-0002-4000-a000-000000000002";
constexpr std::string_view kAppUnknown = "0000000c-0003-4000-a000-000000000003";

Envelope log_of(std::string_view app, std::string_view message) {
  Envelope e = app_log(message);
  e.log.app_id = std::string(app);
  return e;
}

std::unique_ptr<TableEnricher> two_orgs() {
  auto e = std::make_unique<TableEnricher>();
  e->apps[std::string(kAppA)] = AppInfo{{}, "app-a", "space-a-guid", "space-a", kOrgA, "org-a"};
  e->apps[std::string(kAppB)] = AppInfo{{}, "app-b", "space-b-guid", "space-b", kOrgB, "org-b"};
  return e;
}

std::vector<syslog::Formatter> pcf_and_cf() {
  syslog::FormatOptions cf = pcf_options();
  cf.style = syslog::Style::Cf;
  return {syslog::Formatter(pcf_options()), syslog::Formatter(cf)};
}

DrainSelection orgs(std::vector<std::string> list) {
  syslog::Selection s;
  s.orgs = std::move(list);
  return DrainSelection(s);
}

// Which messages (by the text they carry) reached a drain.
std::string carried(const RecordingDrain& d) {
  std::string out;
  for (const auto& m : d.messages) {
    for (const char* text : {"to-a", "to-b", "to-nobody-known", "platform", "metric"}) {
      if (m.find(text) != std::string::npos) out += std::string(out.empty() ? "" : ",") + text;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("pipeline: each drain gets only the event types of its events=") {
  RecordingDrain logs_only, everything;
  EventSet logs = EventSet::none();
  logs.add(EventType::LogMessage);
  const auto formatters = pcf_and_cf();
  const std::vector<Route> routes{Route{&logs_only, logs, {}, 0}, Route{&everything, EventSet::all(), {}, 0}};
  PipelineCounters counters;
  ConnectionPipeline p(two_orgs(), formatters, routes, counters, nullptr);

  Envelope log = log_of(kAppA, "to-a");
  Envelope metric = platform_envelope(EventType::ValueMetric);
  metric.value_metric.name = "metric";
  p.on_envelope(log);
  p.on_envelope(metric);
  CHECK(logs_only.messages.empty());  // staged: nothing reaches a drain before the burst ends
  p.on_batch_end();

  CHECK(carried(logs_only) == "to-a");
  CHECK(carried(everything) == "to-a,metric");
  CHECK(logs_only.batches == 1);  // the burst went over in one hand-over
  CHECK(counters.formatted.get() == 2);
  CHECK(counters.drain_filtered.get() == 1);
}

TEST_CASE("pipeline: orgs= takes an org's name or guid, platform envelopes pass, an unknown org does not") {
  RecordingDrain by_name, by_guid, all_orgs;
  const auto formatters = pcf_and_cf();
  const std::vector<Route> routes{Route{&by_name, EventSet::all(), orgs({"org-a"}), 0},
                                  Route{&by_guid, EventSet::all(), orgs({std::string(kOrgB)}), 0},
                                  Route{&all_orgs, EventSet::all(), {}, 0}};
  PipelineCounters counters;
  ConnectionPipeline p(two_orgs(), formatters, routes, counters, nullptr);

  Envelope a = log_of(kAppA, "to-a");
  Envelope b = log_of(kAppB, "to-b");
  Envelope unknown = log_of(kAppUnknown, "to-nobody-known");
  Envelope platform = platform_envelope(EventType::LogMessage);
  platform.log.message = "platform";
  for (Envelope* e : {&a, &b, &unknown, &platform}) p.on_envelope(*e);
  p.on_batch_end();

  CHECK(carried(by_name) == "to-a,platform");
  CHECK(carried(by_guid) == "to-b,platform");
  CHECK(carried(all_orgs) == "to-a,to-b,to-nobody-known,platform");
  CHECK(counters.drain_filtered.get() == 4);  // b and unknown for by_name; a and unknown for by_guid
}

TEST_CASE("pipeline: each drain's selectors choose by space, app, source type and platform, one rule for all") {
  RecordingDrain space_a, app_b_guid, not_app_a, router_only, platform_only, no_platform, org_a_space_a;
  const auto formatters = pcf_and_cf();
  const auto with = [](auto set) {
    syslog::Selection s;
    set(s);
    return DrainSelection(s);
  };
  const std::vector<Route> routes{
      Route{&space_a, EventSet::all(), with([](auto& s) { s.spaces = {"space-a"}; }), 0},
      Route{&app_b_guid, EventSet::all(), with([](auto& s) { s.apps = {std::string(kAppB)}; }), 0},
      Route{&not_app_a, EventSet::all(), with([](auto& s) { s.exclude_apps = {"app-a"}; }), 1},
      Route{&router_only, EventSet::all(), with([](auto& s) { s.source_types = {"RTR"}; }), 0},
      Route{&platform_only, EventSet::all(), with([](auto& s) { s.platform = syslog::Platform::Only; }), 0},
      Route{&no_platform, EventSet::all(), with([](auto& s) { s.platform = syslog::Platform::Exclude; }), 1},
      Route{&org_a_space_a, EventSet::all(), with([](auto& s) { s.exclude_spaces = {"org-a/space-a"}; }), 0}};
  PipelineCounters counters;
  ConnectionPipeline p(two_orgs(), formatters, routes, counters, nullptr);

  Envelope a = log_of(kAppA, "to-a");
  Envelope b = log_of(kAppB, "to-b");
  b.log.source_type = "RTR";
  Envelope unknown = log_of(kAppUnknown, "to-nobody-known");
  Envelope platform = platform_envelope(EventType::LogMessage);
  platform.log.message = "platform";
  platform.log.source_type = "RTR";
  Envelope metric = platform_envelope(EventType::ValueMetric);
  metric.value_metric.name = "metric";
  for (Envelope* e : {&a, &b, &unknown, &platform, &metric}) p.on_envelope(*e);
  p.on_batch_end();

  CHECK(carried(space_a) == "to-a,platform,metric");  // the unknown app's space is unknown
  CHECK(carried(app_b_guid) == "to-b,platform,metric");
  CHECK(carried(not_app_a) == "to-b,to-nobody-known,platform,metric");  // unknown is not app-a
  CHECK(carried(router_only) == "to-b,platform,metric");                // a metric has no source type
  CHECK(carried(platform_only) == "platform,metric");
  CHECK(carried(no_platform) == "to-a,to-b,to-nobody-known");
  CHECK(carried(org_a_space_a) == "to-b,to-nobody-known,platform,metric");
  CHECK(counters.formatted.get() == 5);
  CHECK(counters.drain_filtered.get() == 2 + 2 + 1 + 2 + 3 + 2 + 1);
}

TEST_CASE("pipeline: an envelope no drain selects reaches none and counts once per drain") {
  RecordingDrain app_a_only;
  const auto formatters = pcf_and_cf();
  syslog::Selection s;
  s.apps = {"app-a"};
  s.platform = syslog::Platform::Exclude;
  const std::vector<Route> routes{Route{&app_a_only, EventSet::all(), DrainSelection(s), 0}};
  PipelineCounters counters;
  ConnectionPipeline p(two_orgs(), formatters, routes, counters, nullptr);
  Envelope b = log_of(kAppB, "to-b");
  Envelope metric = platform_envelope(EventType::ValueMetric);
  metric.value_metric.name = "metric";
  p.on_envelope(b);
  p.on_envelope(metric);
  p.on_batch_end();
  CHECK(app_a_only.messages.empty());
  CHECK(app_a_only.batches == 0);
  CHECK(counters.drain_filtered.get() == 2);
  CHECK(counters.messages_too_large.get() == 0);
}

TEST_CASE("pipeline: drains with one format share one formatting, another format gets its own") {
  RecordingDrain pcf1, pcf2, cf;
  const auto formatters = pcf_and_cf();
  const std::vector<Route> routes{Route{&pcf1, EventSet::all(), {}, 0}, Route{&cf, EventSet::all(), {}, 1},
                                  Route{&pcf2, EventSet::all(), {}, 0}};
  PipelineCounters counters;
  ConnectionPipeline p(two_orgs(), formatters, routes, counters, nullptr);
  Envelope a = log_of(kAppA, "to-a");
  p.on_envelope(a);
  p.on_stop();  // what is staged goes on at stop too

  REQUIRE(pcf1.messages.size() == 1);
  REQUIRE(cf.messages.size() == 1);
  CHECK(pcf1.messages == pcf2.messages);
  CHECK(pcf1.messages[0] != cf.messages[0]);
  syslog::FormattedMessages expected;
  formatters[0].format(a, AppInfo{kAppA, "app-a", "space-a-guid", "space-a", kOrgA, "org-a"}, expected);
  REQUIRE(expected.size() == 1);
  CHECK(pcf1.messages[0] == expected.message(0));
  CHECK(cf.messages[0].find("org-a.space-a.app-a") != std::string::npos);  // cf style's HOSTNAME
  CHECK(counters.formatted.get() == 1);
}

TEST_CASE("pipeline: the stdout route writes each message of its events= at once") {
  RecordingDrain drain;
  EventSet logs = EventSet::none();
  logs.add(EventType::LogMessage);
  const auto formatters = pcf_and_cf();
  const std::vector<Route> routes{Route{nullptr, logs, {}, 0}, Route{&drain, EventSet::all(), {}, 0}};
  PipelineCounters counters;
  StdoutWriter writer;
  ConnectionPipeline p(two_orgs(), formatters, routes, counters, &writer);

  Envelope a = log_of(kAppA, "to-a");
  Envelope metric = platform_envelope(EventType::ValueMetric);
  metric.value_metric.name = "metric";
  // stdout goes to a file while the pipeline writes, and back to the terminal before any check.
  char path[] = "/tmp/nozzle-stdout-XXXXXX";
  const int file = ::mkstemp(path);
  REQUIRE(file >= 0);
  std::fflush(stdout);
  const int saved = ::dup(STDOUT_FILENO);
  ::dup2(file, STDOUT_FILENO);
  p.on_envelope(a);
  p.on_envelope(metric);
  std::fflush(stdout);
  ::dup2(saved, STDOUT_FILENO);
  ::close(saved);
  ::close(file);
  std::ifstream in(path);
  std::stringstream written;
  written << in.rdbuf();
  std::remove(path);

  p.on_batch_end();
  CHECK(writer.messages() == 1);
  REQUIRE(drain.messages.size() == 2);
  CHECK(written.str() == drain.messages[0]);  // the same bytes, ending in LF
  CHECK(written.str().back() == '\n');
  CHECK(counters.drain_filtered.get() == 1);
}

TEST_CASE("pipeline: a syslog-nozzle/drain label moves an app between drains routed by label, others unchanged") {
  RecordingDrain team_a, team_b, archive, team_c_ignores_labels, team_d_only;
  const auto formatters = pcf_and_cf();
  const std::vector<Route> routes{
      Route{&team_a, EventSet::all(), orgs({"org-a"}), 0, "team-a"},       // org-a by its selector
      Route{&team_b, EventSet::all(), orgs({"org-b"}), 0, "team-b"},       // org-b by its selector
      Route{&archive, EventSet::all(), {}, 0},                             // unnamed: everything
      Route{&team_c_ignores_labels, EventSet::all(), orgs({"org-a"}), 0},  // named, labels=ignore
      Route{&team_d_only, EventSet::all(), {}, 0, "team-d", true}};        // labels=only
  PipelineCounters counters;
  auto enricher = two_orgs();
  enricher->apps[std::string(kAppA)].drain_label = "team-b";   // app-a (org-a) asks for team-b
  enricher->apps[std::string(kAppB)].drain_label = "no-such";  // names no drain: selectors decide
  ConnectionPipeline p(std::move(enricher), formatters, routes, counters, nullptr);

  Envelope a = log_of(kAppA, "to-a");
  Envelope b = log_of(kAppB, "to-b");
  Envelope platform = platform_envelope(EventType::LogMessage);
  platform.log.message = "platform";
  for (Envelope* e : {&a, &b, &platform}) p.on_envelope(*e);
  p.on_batch_end();

  CHECK(carried(team_a) == "platform");  // app-a moved out, although org-a is its selector
  CHECK(carried(team_b) == "to-a,to-b,platform");
  CHECK(carried(archive) == "to-a,to-b,platform");
  CHECK(carried(team_c_ignores_labels) == "to-a,platform");
  CHECK(carried(team_d_only).empty());  // labels=only, and no label names it
  CHECK(counters.label_unknown_drain.get() == 1);
}
