// The firehose request parameters that follow from the selected events. Pure code.
#include "cfapi/http_client.h"
#include "nozzle/ingress/firehose_source.h"

namespace nozzle {

std::string_view v1_filter_type(const EventSet& events) {
  bool logs = events.contains(EventType::LogMessage);
  bool metrics = false;
  for (EventType t : {EventType::HttpStartStop, EventType::ValueMetric, EventType::CounterEvent,
                      EventType::Error, EventType::ContainerMetric}) {
    metrics = metrics || events.contains(t);
  }
  if (logs && !metrics) return "logs";
  if (metrics && !logs) return "metrics";
  return "";
}

std::string v2_read_query(const EventSet& events, std::string_view shard_id) {
  std::string q = "shard_id=" + cfapi::form_escape(shard_id);
  // Errors travel as v2 logs tagged __v1_type=Error; ContainerMetrics as gauges.
  if (events.contains(EventType::LogMessage) || events.contains(EventType::Error)) q += "&log";
  if (events.contains(EventType::CounterEvent)) q += "&counter";
  if (events.contains(EventType::ValueMetric) || events.contains(EventType::ContainerMetric)) q += "&gauge";
  if (events.contains(EventType::HttpStartStop)) q += "&timer";
  if (events.contains(EventType::Event)) q += "&event";
  return q;
}

}  // namespace nozzle
