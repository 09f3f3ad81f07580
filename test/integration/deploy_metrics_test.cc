// The dashboard and the alerting rules that ship in deploy/ query only what a running nozzle
// exports. This reads deploy/grafana/syslog-nozzle.json and deploy/prometheus/syslog-nozzle-
// alerts.yml, takes every syslog_nozzle_ metric they select with its label matchers, runs
// cf-sim -> syslog-nozzle -> syslog-sink, scrapes /metrics and checks each name is there (as a
// sample, or as HELP/TYPE of a family with no sample yet), each matched label is on its samples,
// and each label value matched with = is one the nozzle writes.
#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "simulator.h"
#include "support/nozzle_process.h"
#include "support/sink.h"
#include "support/temp_dir.h"
#include "support/wait.h"

using namespace nozzle::test;
using namespace std::chrono_literals;

namespace {

const std::string kDashboard = "deploy/grafana/syslog-nozzle.json";
const std::string kRules = "deploy/prometheus/syslog-nozzle-alerts.yml";

std::string read_source(const std::string& path) {
  std::ifstream in(std::string(NOZZLE_SOURCE_DIR) + "/" + path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Matcher {
  std::string label, op, value;
};

// One selector of a query: a metric name and its label matchers, and where it was read.
struct Selector {
  std::string metric;
  std::vector<Matcher> matchers;
  std::string where;
};

bool ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':';
}

// Every syslog_nozzle_ selector of a PromQL expression. Throws on a matcher it cannot read, so
// a query this test does not understand fails it instead of passing unchecked.
std::vector<Selector> selectors_in(const std::string& expr, const std::string& where) {
  std::vector<Selector> out;
  const std::string prefix = "syslog_nozzle_";
  for (std::size_t at = expr.find(prefix); at != std::string::npos; at = expr.find(prefix, at + 1)) {
    if (at > 0 && ident_char(expr[at - 1])) continue;
    std::size_t i = at;
    while (i < expr.size() && ident_char(expr[i])) ++i;
    Selector s{expr.substr(at, i - at), {}, where};
    while (i < expr.size() && expr[i] == ' ') ++i;
    if (i < expr.size() && expr[i] == '{') {
      ++i;
      while (true) {
        while (i < expr.size() && (expr[i] == ' ' || expr[i] == ',')) ++i;
        if (i >= expr.size()) throw std::runtime_error(where + ": unterminated { in " + expr);
        if (expr[i] == '}') break;
        const std::size_t label_at = i;
        while (i < expr.size() && ident_char(expr[i])) ++i;
        Matcher m;
        m.label = expr.substr(label_at, i - label_at);
        while (i < expr.size() && expr[i] == ' ') ++i;
        for (const char* op : {"=~", "!~", "!=", "="}) {
          if (expr.compare(i, std::string(op).size(), op) == 0) {
            m.op = op;
            break;
          }
        }
        if (m.label.empty() || m.op.empty()) throw std::runtime_error(where + ": cannot read the matchers of " + expr);
        i += m.op.size();
        while (i < expr.size() && expr[i] == ' ') ++i;
        if (i >= expr.size() || expr[i] != '"')
          throw std::runtime_error(where + ": matcher value not quoted in " + expr);
        for (++i; i < expr.size() && expr[i] != '"'; ++i) {
          if (expr[i] == '\\' && i + 1 < expr.size()) ++i;
          m.value += expr[i];
        }
        ++i;
        s.matchers.push_back(std::move(m));
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

// The dashboard's queries: every panel target's "expr" and the template variables' queries.
void dashboard_queries(const rapidjson::Value& node, const std::string& where, std::vector<std::string>& exprs) {
  if (node.IsObject()) {
    for (const auto& m : node.GetObject()) {
      const std::string key = m.name.GetString();
      if ((key == "expr" || key == "query" || key == "definition") && m.value.IsString()) {
        exprs.emplace_back(m.value.GetString());
      } else {
        dashboard_queries(m.value, where, exprs);
      }
    }
  } else if (node.IsArray()) {
    for (const auto& v : node.GetArray()) dashboard_queries(v, where, exprs);
  }
}

// The rules' `expr:` values: on the line itself, or a YAML block (| or >) below it.
std::vector<std::string> rule_exprs(const std::string& yaml) {
  std::vector<std::string> lines;
  std::stringstream in(yaml);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::vector<std::string> exprs;
  for (std::size_t n = 0; n < lines.size(); ++n) {
    const std::string& line = lines[n];
    const std::size_t indent = line.find_first_not_of(' ');
    if (indent == std::string::npos || line.compare(indent, 5, "expr:") != 0) continue;
    std::string rest = line.substr(indent + 5);
    rest.erase(0, rest.find_first_not_of(' '));
    if (rest.empty() || rest[0] == '|' || rest[0] == '>') {
      std::string block;
      while (n + 1 < lines.size() && (lines[n + 1].find_first_not_of(' ') == std::string::npos ||
                                      lines[n + 1].find_first_not_of(' ') > indent)) {
        block += lines[++n] + "\n";
      }
      exprs.push_back(block);
    } else {
      if (rest.size() >= 2 && (rest[0] == '\'' || rest[0] == '"')) rest = rest.substr(1, rest.size() - 2);
      exprs.push_back(rest);
    }
  }
  return exprs;
}

// /metrics: the families named by HELP or TYPE, and each sample's labels.
struct Scrape {
  std::set<std::string> families;
  std::map<std::string, std::vector<std::map<std::string, std::string>>> samples;
};

Scrape parse_metrics(const std::string& text) {
  Scrape s;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      const std::string rest = line.substr(7);
      s.families.insert(rest.substr(0, rest.find(' ')));
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    std::size_t i = 0;
    while (i < line.size() && ident_char(line[i])) ++i;
    const std::string name = line.substr(0, i);
    std::map<std::string, std::string> labels;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const std::size_t eq = line.find('=', i);
        const std::string key = line.substr(i, eq - i);
        std::string value;
        for (i = eq + 2; i < line.size() && line[i] != '"'; ++i) {
          if (line[i] == '\\' && i + 1 < line.size()) ++i;
          value += line[i];
        }
        labels[key] = value;
        ++i;
        if (i < line.size() && line[i] == ',') ++i;
      }
    }
    s.samples[name].push_back(std::move(labels));
  }
  return s;
}

// Labels Prometheus adds to every sample it scrapes: the target's, not the nozzle's.
const std::set<std::string> kTargetLabels = {"instance", "job"};

// What a query asks for that the scrape does not have: one line per metric and problem, with
// the matchers concerned and the files that query them.
std::vector<std::string> missing(const std::vector<Selector>& selectors, const Scrape& scrape) {
  struct Seen {
    std::set<std::string> matchers, where;
  };
  std::map<std::string, Seen> problems;
  for (const Selector& s : selectors) {
    const auto samples = scrape.samples.find(s.metric);
    if (samples == scrape.samples.end()) {
      if (scrape.families.count(s.metric) == 0) problems[s.metric + ": not on /metrics"].where.insert(s.where);
      continue;  // a family with no sample yet: its labels cannot be checked
    }
    for (const Matcher& m : s.matchers) {
      if (kTargetLabels.count(m.label) != 0) continue;
      bool has_label = false;
      bool has_value = false;
      for (const auto& labels : samples->second) {
        const auto it = labels.find(m.label);
        if (it == labels.end()) continue;
        has_label = true;
        has_value = has_value || it->second == m.value;
      }
      const std::string matcher = m.label + m.op + "\"" + m.value + "\"";
      std::string problem;
      if (!has_label) {
        problem = s.metric + ": on /metrics, but no sample has the label '" + m.label + "'";
      } else if (m.op == "=" && m.value.find('$') == std::string::npos && !has_value) {
        problem = s.metric + ": no sample has the value the query matches";
      } else {
        continue;
      }
      problems[problem].matchers.insert(matcher);
      problems[problem].where.insert(s.where);
    }
  }
  std::vector<std::string> out;
  for (const auto& [problem, seen] : problems) {
    std::string line = problem;
    if (!seen.matchers.empty()) {
      line += " (";
      for (const auto& m : seen.matchers) line += (line.back() == '(' ? "" : ", ") + m;
      line += ")";
    }
    line += ", queried by";
    for (const auto& w : seen.where) line += " " + w;
    out.push_back(line);
  }
  return out;
}

}  // namespace

TEST_CASE("deploy: every metric the Grafana dashboard and the alerting rules query is on a live nozzle's /metrics") {
  // The queries, read from the files that ship.
  std::vector<Selector> selectors;
  rapidjson::Document dashboard;
  const std::string dashboard_text = read_source(kDashboard);
  dashboard.Parse(dashboard_text.c_str(), dashboard_text.size());
  REQUIRE_MESSAGE(!dashboard.HasParseError(), kDashboard << " is not JSON");
  REQUIRE(dashboard.HasMember("panels"));
  std::size_t targets = 0;
  for (const auto& panel : dashboard["panels"].GetArray()) {
    if (std::string(panel["type"].GetString()) == "row") continue;
    const std::string title = panel["title"].GetString();
    CAPTURE(title);
    REQUIRE(panel.HasMember("targets"));
    CHECK(panel["targets"].Size() > 0);
    for (const auto& target : panel["targets"].GetArray()) {
      ++targets;
      // Each target queries the nozzle: a panel on someone else's metric would pass unchecked.
      CHECK(!selectors_in(target["expr"].GetString(), kDashboard).empty());
    }
  }
  std::vector<std::string> exprs;
  dashboard_queries(dashboard, kDashboard, exprs);
  for (const auto& e : exprs) {
    for (auto& s : selectors_in(e, kDashboard)) selectors.push_back(std::move(s));
  }
  const auto rules = rule_exprs(read_source(kRules));
  for (const auto& e : rules) {
    const auto found = selectors_in(e, kRules);
    CHECK_MESSAGE(!found.empty(), "a rule queries no syslog_nozzle_ metric: " << e);
    selectors.insert(selectors.end(), found.begin(), found.end());
  }
  std::set<std::string> names;
  for (const auto& s : selectors) names.insert(s.metric);
  MESSAGE(targets << " dashboard targets, " << rules.size() << " rules, " << names.size() << " metric names");
  // What the files hold today (the dashboard has 30 panels, the rules 10 alerts): an extractor
  // that finds nothing must not pass.
  REQUIRE(targets >= 40);
  REQUIRE(rules.size() >= 10);
  REQUIRE(names.size() >= 30);

  // A nozzle with a drain, against cf-sim: Cloud Controller lookups, frames sent.
  cfsim::SimulatorOptions o;
  o.foundation.orgs = 2;
  o.foundation.spaces = 2;
  o.foundation.apps = 20;
  o.workload.rate = 500;
  o.workload.tagged_share = 0.2;  // most app envelopes need a Cloud Controller lookup
  cfsim::Simulator sim(o);
  sim.start();
  SyslogSink sink;
  TempDir dir("nozzle-deploy-metrics");
  auto args = sim_args(sim);
  args.insert(args.end(), {"--events", "LogMessage,ValueMetric,CounterEvent,ContainerMetric,HttpStartStop,Error",
                           "--drain", "syslog://127.0.0.1:" + std::to_string(sink.tcp_port()) + "?name=logs"});
  NozzleProcess nozzle(dir, args);
  INFO(nozzle.process->describe());
  std::string text;
  REQUIRE(wait_until(
      [&] {
        text = nozzle.get("/metrics");
        return NozzleProcess::metric(text, "drain_sent_frames_total{drain=\"logs\"}") > 0 &&
               NozzleProcess::metric(text, "cc_requests_total{outcome=\"ok\"}") > 0;
      },
      30s));

  const auto problems = missing(selectors, parse_metrics(text));
  std::string report;
  for (const auto& p : problems) report += "\n  - " + p;
  INFO("/metrics lacks what deploy/ queries: " << problems.size() << " problem(s):" << report);
  CHECK(problems.empty());
  CHECK(nozzle.process->stop(15s) == 0);
  sim.stop();
}
