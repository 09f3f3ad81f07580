#include "core/envelope.h"

#include <array>

namespace nozzle {

std::string_view event_type_name(EventType type) {
  switch (type) {
    case EventType::HttpStartStop: return "HttpStartStop";
    case EventType::LogMessage: return "LogMessage";
    case EventType::ValueMetric: return "ValueMetric";
    case EventType::CounterEvent: return "CounterEvent";
    case EventType::Error: return "Error";
    case EventType::ContainerMetric: return "ContainerMetric";
    case EventType::Event: return "Event";
  }
  return "Unknown";
}

std::optional<EventType> parse_event_type(std::string_view name) {
  for (EventType t : kAllEventTypes) {
    if (event_type_name(t) == name) return t;
  }
  return std::nullopt;
}

EventSet EventSet::all() {
  EventSet s;
  for (EventType t : kAllEventTypes) s.add(t);
  return s;
}

std::string_view http_method_name(std::int32_t method) {
  static constexpr std::array<std::string_view, 45> kNames = {
      "",          "GET",         "POST",       "PUT",           "DELETE",
      "HEAD",      "ACL",         "BASELINE_CONTROL", "BIND",    "CHECKIN",
      "CHECKOUT",  "CONNECT",     "COPY",       "DEBUG",         "LABEL",
      "LINK",      "LOCK",        "MERGE",      "MKACTIVITY",    "MKCALENDAR",
      "MKCOL",     "MKREDIRECTREF", "MKWORKSPACE", "MOVE",       "OPTIONS",
      "ORDERPATCH", "PATCH",      "PRI",        "PROPFIND",      "PROPPATCH",
      "REBIND",    "REPORT",      "SEARCH",     "SHOWMETHOD",    "SPACEJUMP",
      "TEXTSEARCH", "TRACE",      "TRACK",      "UNBIND",        "UNCHECKOUT",
      "UNLINK",    "UNLOCK",      "UPDATE",     "UPDATEREDIRECTREF", "VERSION_CONTROL",
  };
  if (method < 0 || static_cast<std::size_t>(method) >= kNames.size()) return "";
  return kNames[static_cast<std::size_t>(method)];
}

std::string_view peer_type_name(HttpStartStop::PeerType type) {
  switch (type) {
    case HttpStartStop::PeerType::Client: return "Client";
    case HttpStartStop::PeerType::Server: return "Server";
    case HttpStartStop::PeerType::Unknown: break;
  }
  return "";
}

void Envelope::clear() {
  origin.clear();
  type = EventType::LogMessage;
  timestamp_ns = 0;
  deployment.clear();
  job.clear();
  index.clear();
  ip.clear();
  tag_count = 0;

  log.message.clear();
  log.message_type = LogMessage::Type::Out;
  log.timestamp_ns = 0;
  log.app_id.clear();
  log.source_type.clear();
  log.source_instance.clear();

  value_metric.name.clear();
  value_metric.value = 0;
  value_metric.unit.clear();

  counter.name.clear();
  counter.delta = 0;
  counter.total = 0;

  container.application_id.clear();
  container.instance_index = 0;
  container.cpu_percentage = 0;
  container.memory_bytes = container.disk_bytes = 0;
  container.memory_bytes_quota = container.disk_bytes_quota = 0;

  http.start_timestamp_ns = http.stop_timestamp_ns = 0;
  http.request_id.clear();
  http.peer_type = HttpStartStop::PeerType::Unknown;
  http.method = 0;
  http.uri.clear();
  http.remote_address.clear();
  http.user_agent.clear();
  http.status_code = 0;
  http.content_length = 0;
  http.application_id.clear();
  http.instance_index = 0;
  http.instance_id.clear();
  http.forwarded_count = 0;

  error.source.clear();
  error.code = 0;
  error.message.clear();

  event.title.clear();
  event.body.clear();
}

void Envelope::add_tag(std::string_view key, std::string_view value) {
  if (tag_count == tags.size()) tags.emplace_back();
  Tag& t = tags[tag_count++];
  t.key.assign(key);
  t.value.assign(value);
}

std::optional<std::string_view> Envelope::tag(std::string_view key) const {
  for (std::size_t i = 0; i < tag_count; ++i) {
    if (tags[i].key == key) return std::string_view(tags[i].value);
  }
  return std::nullopt;
}

std::string_view Envelope::app_id() const {
  switch (type) {
    case EventType::LogMessage:
      if (!log.app_id.empty()) return log.app_id;
      break;
    case EventType::ContainerMetric:
      if (!container.application_id.empty()) return container.application_id;
      break;
    case EventType::HttpStartStop:
      if (!http.application_id.empty()) return http.application_id;
      break;
    default:
      break;
  }
  if (auto id = tag("app_id")) return *id;
  return {};
}

}  // namespace nozzle
