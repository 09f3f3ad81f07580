#include "control_api.h"

#include <charconv>

#include "simulator.h"
#include "v2_json.h"

namespace cfsim {
namespace {

std::string faults_json(const FaultSettings& f) {
  return "{\"cc_latency_ms\":" + std::to_string(f.cc_latency.count()) +
         ",\"cc_error_rate\":" + std::to_string(f.cc_error_rate) +
         ",\"cc_rate_limit_rate\":" + std::to_string(f.cc_rate_limit_rate) +
         ",\"retry_after\":" + std::to_string(f.retry_after_seconds) +
         ",\"cc_down_ms\":" + std::to_string(f.cc_down_for.count()) +
         ",\"uaa_down_ms\":" + std::to_string(f.uaa_down_for.count()) +
         ",\"uaa_latency_ms\":" + std::to_string(f.uaa_latency.count()) +
         ",\"drop_every_envelopes\":" + std::to_string(f.drop_every_envelopes) +
         ",\"drop_every_ms\":" + std::to_string(f.drop_every.count()) + "}";
}

std::string app_json(const AppRecord& a) {
  std::string out = "{\"guid\":";
  append_json_string(a.guid, out);
  out += ",\"name\":";
  append_json_string(a.name, out);
  out += "}";
  return out;
}

HttpResponse not_found() { return HttpResponse::json(404, R"({"error":"not found"})"); }

}  // namespace

HttpResponse handle_control(Simulator& sim, const HttpRequest& req) {
  const std::string_view path = req.path;
  const Query q = parse_query(req.query);
  if (path == "/sim/counters" && req.method == "GET") return HttpResponse::json(200, sim.counters().to_json());
  if (path == "/sim/info" && req.method == "GET") {
    std::string out = "{\"port\":" + std::to_string(sim.port()) + ",\"base_url\":";
    append_json_string(sim.base_url(), out);
    out += ",\"websocket_url\":";
    append_json_string(sim.websocket_url(), out);
    out += ",\"ca_file\":";
    append_json_string(sim.ca_file(), out);
    out += "}";
    return HttpResponse::json(200, out);
  }
  if (path == "/sim/faults") {
    if (req.method == "GET") return HttpResponse::json(200, faults_json(sim.faults()));
    if (req.method != "POST") return HttpResponse::json(405, R"({"error":"method not allowed"})");
    FaultSettings f = sim.faults();
    if (auto err = apply_fault_query(q, f); !err.empty()) {
      std::string body = "{\"error\":";
      append_json_string(err, body);
      return HttpResponse::json(400, body + "}");
    }
    sim.set_faults(f);
    return HttpResponse::json(200, faults_json(sim.faults()));
  }
  if (path == "/sim/token-expiry" && req.method == "POST") {
    const auto v = query_value(q, "seconds").value_or("");
    int seconds = 0;
    const auto r = std::from_chars(v.data(), v.data() + v.size(), seconds);
    if (r.ec != std::errc() || r.ptr != v.data() + v.size() || seconds < 0) {
      return HttpResponse::json(400, R"({"error":"seconds must be an integer >= 0"})");
    }
    sim.set_token_expiry(seconds);
    return HttpResponse::json(200, "{\"expires_in\":" + std::to_string(seconds) + "}");
  }
  if (path == "/sim/upstream-drop" && req.method == "POST") {
    const auto v = query_value(q, "count").value_or("");
    std::uint64_t count = 0;
    const auto r = std::from_chars(v.data(), v.data() + v.size(), count);
    if (r.ec != std::errc() || r.ptr != v.data() + v.size() || count == 0) {
      return HttpResponse::json(400, R"({"error":"count must be an integer > 0"})");
    }
    sim.report_upstream_drop(count);
    return HttpResponse::json(200, "{\"count\":" + std::to_string(count) + "}");
  }
  if (path == "/sim/labels" && req.method == "POST") {
    const auto guid = query_value(q, "guid");
    const auto key = query_value(q, "key");
    if (!guid || !key || key->empty()) return HttpResponse::json(400, R"({"error":"guid and key are required"})");
    if (!sim.set_label(*guid, *key, query_value(q, "value"))) return not_found();
    return HttpResponse::json(200, "{}");
  }
  if (path == "/sim/apps" && req.method == "POST") return HttpResponse::json(201, app_json(sim.add_app()));
  constexpr std::string_view kApps = "/sim/apps/";
  if (path.starts_with(kApps)) {
    std::string_view rest = path.substr(kApps.size());
    if (rest.ends_with("/rename") && req.method == "POST") {
      const std::string guid(rest.substr(0, rest.size() - 7));
      if (!sim.rename_app(guid, query_value(q, "name").value_or(""))) return not_found();
      const auto app = sim.foundation().find_app(guid);
      return HttpResponse::json(200, app ? app_json(*app) : "{}");
    }
    if (rest.find('/') == std::string_view::npos && req.method == "DELETE") {
      if (!sim.delete_app(std::string(rest))) return not_found();
      HttpResponse r;
      r.status = 204;
      return r;
    }
  }
  return not_found();
}

}  // namespace cfsim
