#include "support/sample_envelopes.h"

namespace nozzle::test {
namespace {

Envelope platform(std::string origin, EventType type, std::string job, std::string ip) {
  Envelope e;
  e.origin = std::move(origin);
  e.type = type;
  e.timestamp_ns = kSampleTimeNs;
  e.deployment = "cf \"blue\" [edge]";
  e.job = std::move(job);
  e.index = "83bd66e5-3fdf-44b7-bdd6-508deae7c786";
  e.ip = std::move(ip);
  e.add_tag("az", "z1");
  return e;
}

Envelope app_log(LogMessage::Type type, std::string_view line) {
  Envelope e = platform("rep", EventType::LogMessage, "diego_cell\\1", "10.0.16.5");
  e.log.message = line;
  e.log.message_type = type;
  e.log.timestamp_ns = kSampleTimeNs;
  e.log.app_id = kAppId;
  e.log.source_type = "APP/PROC/WEB";
  e.log.source_instance = "0";
  e.add_tag("source_id", kAppId);
  e.add_tag("app_name", "billing api");
  e.add_tag("space_name", "prod");
  e.add_tag("organization_name", "acme");
  return e;
}

}  // namespace

std::vector<Envelope> sample_envelopes() {
  std::vector<Envelope> all;
  all.push_back(app_log(LogMessage::Type::Out, kUtf8Line));
  all.push_back(app_log(LogMessage::Type::Err, "panic: tag=\"x]\" at C:\\tmp"));

  Envelope value = platform("gorouter", EventType::ValueMetric, "router", "10.0.32.7");
  value.value_metric = {.name = "latency", .value = 12.5, .unit = "ms"};
  all.push_back(std::move(value));

  Envelope counter = platform("gorouter", EventType::CounterEvent, "router", "10.0.32.7");
  counter.counter = {.name = "total_requests", .delta = 3, .total = 1042};
  all.push_back(std::move(counter));

  Envelope container = platform("rep", EventType::ContainerMetric, "diego_cell\\1", "10.0.16.5");
  container.container = {.application_id = std::string(kAppId), .instance_index = 0, .cpu_percentage = 0.23,
                         .memory_bytes = 1u << 27, .disk_bytes = 1u << 26, .memory_bytes_quota = 1u << 30,
                         .disk_bytes_quota = 1u << 30};
  all.push_back(std::move(container));

  Envelope http = platform("gorouter", EventType::HttpStartStop, "router", "10.0.32.7");
  http.http.start_timestamp_ns = kSampleTimeNs - 2500000;
  http.http.stop_timestamp_ns = kSampleTimeNs;
  http.http.request_id = "0f4d1c8e-6a51-4b7b-9b3e-2f0a8d1c9e44";
  http.http.peer_type = HttpStartStop::PeerType::Server;
  http.http.method = 1;
  http.http.uri = "https://billing.example/v1/invoices?q=\xC3\xA9t\xC3\xA9";
  http.http.remote_address = "203.0.113.9:51234";
  http.http.user_agent = "curl/7.88.1";
  http.http.status_code = 200;
  http.http.content_length = 512;
  http.http.application_id = kAppId;
  http.http.forwarded = {"198.51.100.4"};
  http.http.forwarded_count = 1;
  all.push_back(std::move(http));

  Envelope error = platform("doppler", EventType::Error, "doppler", "10.0.48.2");
  error.error = {.source = "doppler", .code = 7, .message = "slow consumer \"nozzle\""};
  all.push_back(std::move(error));

  Envelope event = platform("cloud_controller", EventType::Event, "api", "10.0.64.3");
  event.event = {.title = "app.crash", .body = "exit status 137 [OOM]"};
  all.push_back(std::move(event));
  return all;
}

AppInfo sample_app() {
  return {.app_id = kAppId, .app_name = "billing api", .space_id = "9a1f0d2e-space", .space_name = "prod",
          .org_id = "4c7e8b1a-org", .org_name = "acme"};
}

syslog::FormatOptions with_sample_identity(syslog::FormatOptions options) {
  options.director = kDirector;
  options.procid = kSampleProcid;
  return options;
}

std::vector<std::string> format_all(const syslog::Formatter& formatter, const std::vector<Envelope>& envelopes) {
  std::vector<std::string> messages;
  syslog::FormattedMessages out;
  for (const Envelope& env : envelopes) {
    out.clear();
    const bool app_event = !env.app_id().empty();
    formatter.format(env, app_event ? sample_app() : AppInfo{}, out);
    for (std::size_t i = 0; i < out.size(); ++i) messages.emplace_back(out.message(i));
  }
  return messages;
}

PcfExpectation pcf_expectation(const Envelope& env) {
  std::string pri = "13";
  if (env.type == EventType::LogMessage) pri = env.log.message_type == LogMessage::Type::Err ? "11" : "14";
  if (env.type == EventType::Error) pri = "11";
  return {.pri = pri,
          .hostname = env.ip,
          .app_name = "vcap." + env.origin,
          .msgid = std::string(event_type_name(env.type)),
          .deployment = env.deployment,
          .group = env.job,
          .az = std::string(env.tag("az").value_or("")),
          .id = env.index};
}

}  // namespace nozzle::test
