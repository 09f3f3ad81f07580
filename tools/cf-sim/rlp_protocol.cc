#include "rlp_protocol.h"

#include <cstdio>

namespace cfsim {

bool RlpSelectors::matches(nozzle::EventType type, std::string_view source_id, std::string_view name) const {
  using nozzle::EventType;
  if (!source_ids.empty()) {
    bool found = false;
    for (const auto& s : source_ids) found = found || s == source_id;
    if (!found) return false;
  }
  switch (type) {
    case EventType::LogMessage:
    case EventType::Error:
      return log;
    case EventType::CounterEvent:
      if (counter) return true;
      for (const auto& n : counter_names) {
        if (n == name) return true;
      }
      return false;
    case EventType::ValueMetric:
    case EventType::ContainerMetric:
      if (gauge) return true;
      for (const auto& n : gauge_names) {
        if (n == name) return true;
      }
      return false;
    case EventType::HttpStartStop:
      return timer;
    case EventType::Event:
      return event;
  }
  return false;
}

std::string RlpSelectors::describe() const {
  std::string s;
  const auto add = [&](bool on, const char* name) {
    if (!on) return;
    if (!s.empty()) s += ',';
    s += name;
  };
  add(log, "log");
  add(counter, "counter");
  add(gauge, "gauge");
  add(timer, "timer");
  add(event, "event");
  for (const auto& n : counter_names) s += ",counter.name=" + n;
  for (const auto& n : gauge_names) s += ",gauge.name=" + n;
  for (const auto& id : source_ids) s += ",source_id=" + id;
  return s;
}

HttpResponse rlp_error(int status, std::string_view error, std::string_view message) {
  HttpResponse r = HttpResponse::text(status, "{\"error\":\"" + std::string(error) + "\",\"message\":\"" +
                                                  std::string(message) + "\"}\n");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

bool parse_rlp_query(std::string_view query, RlpSelectors& out, HttpResponse& error) {
  const Query q = parse_query(query);
  if (q.empty()) {
    error = rlp_error(400, "empty_query", "query cannot be empty");
    return false;
  }
  for (const auto& p : q) {
    if (p.name == "shard_id") out.shard_id = p.value;
    else if (p.name == "source_id") out.source_ids.push_back(p.value);
    else if (p.name == "log") out.log = true;
    else if (p.name == "counter") out.counter = true;
    else if (p.name == "gauge") out.gauge = true;
    else if (p.name == "timer") out.timer = true;
    else if (p.name == "event") out.event = true;
    else if (p.name == "counter.name") {
      if (p.value.empty()) {
        error = rlp_error(400, "missing_counter_name", "counter.name requires a value");
        return false;
      }
      out.counter_names.push_back(p.value);
    } else if (p.name == "gauge.name") {
      if (p.value.empty()) {
        error = rlp_error(400, "missing_gauge_name", "gauge.name requires a value");
        return false;
      }
      out.gauge_names.push_back(p.value);
    }
  }
  if (!out.log && !out.counter && !out.gauge && !out.timer && !out.event && out.counter_names.empty() &&
      out.gauge_names.empty()) {
    error = rlp_error(400, "missing_envelope_type", "query must provide at least one envelope type");
    return false;
  }
  return true;
}

void append_chunk(std::string& out, std::string_view data) {
  char head[24];
  const int n = std::snprintf(head, sizeof head, "%zx\r\n", data.size());
  out.append(head, static_cast<std::size_t>(n));
  out.append(data);
  out.append("\r\n");
}

std::string sse_response_head() {
  return "HTTP/1.1 200 OK\r\n"
         "Content-Type: text/event-stream\r\n"
         "Cache-Control: no-cache\r\n"
         "Connection: keep-alive\r\n"
         "Transfer-Encoding: chunked\r\n"
         "\r\n";
}

}  // namespace cfsim
