#include "counters.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace cfsim {

std::shared_ptr<ConnectionCounters> Counters::open_connection(std::string kind, std::string subscription,
                                                              std::string filter) {
  auto c = std::make_shared<ConnectionCounters>();
  c->kind = std::move(kind);
  c->subscription = std::move(subscription);
  c->filter = std::move(filter);
  std::lock_guard lock(mutex_);
  c->id = next_id_++;
  connections_.push_back({c, true, {}});
  return c;
}

void Counters::close_connection(const ConnectionCounters& c, std::string_view reason) {
  std::lock_guard lock(mutex_);
  for (auto& e : connections_) {
    if (e.counters.get() == &c && e.open) {
      e.open = false;
      e.close_reason = reason;
    }
  }
}

void Counters::count_request(std::string_view route, int status) {
  std::lock_guard lock(mutex_);
  auto it = requests_.find(route);
  if (it == requests_.end()) it = requests_.emplace(std::string(route), std::map<int, std::uint64_t>{}).first;
  ++it->second[status];
}

CountersSnapshot Counters::snapshot() const {
  CountersSnapshot s;
  s.tokens_issued = tokens_issued.get();
  s.token_failures = token_failures.get();
  s.slow_consumer_cutoffs = slow_consumer_cutoffs.get();
  s.keepalive_timeouts = keepalive_timeouts.get();
  s.fault_drops = fault_drops.get();
  std::lock_guard lock(mutex_);
  for (const auto& [route, statuses] : requests_) s.requests[route] = statuses;
  for (const auto& e : connections_) {
    ConnectionSnapshot c;
    c.id = e.counters->id;
    c.kind = e.counters->kind;
    c.subscription = e.counters->subscription;
    c.filter = e.counters->filter;
    c.open = e.open;
    c.close_reason = e.close_reason;
    for (const auto t : nozzle::kAllEventTypes) {
      const auto n = e.counters->by_type[static_cast<std::size_t>(t)].get();
      if (n > 0) c.by_type[std::string(nozzle::event_type_name(t))] = n;
      c.envelopes += n;
    }
    c.malformed = e.counters->malformed.get();
    c.bytes = e.counters->bytes.get();
    s.connections.push_back(std::move(c));
  }
  return s;
}

std::uint64_t CountersSnapshot::cc_requests() const {
  std::uint64_t n = 0;
  for (const auto& [route, statuses] : requests) {
    if (!route.starts_with("/v3/")) continue;
    for (const auto& [status, count] : statuses) n += count;
  }
  return n;
}

std::uint64_t CountersSnapshot::requests_to(std::string_view route, int status) const {
  const auto it = requests.find(std::string(route));
  if (it == requests.end()) return 0;
  std::uint64_t n = 0;
  for (const auto& [st, count] : it->second) {
    if (status == 0 || st == status) n += count;
  }
  return n;
}

std::uint64_t CountersSnapshot::envelopes_sent() const {
  std::uint64_t n = 0;
  for (const auto& c : connections) n += c.envelopes;
  return n;
}

std::string CountersSnapshot::to_json() const {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("tokens_issued"); w.Uint64(tokens_issued);
  w.Key("token_failures"); w.Uint64(token_failures);
  w.Key("slow_consumer_cutoffs"); w.Uint64(slow_consumer_cutoffs);
  w.Key("keepalive_timeouts"); w.Uint64(keepalive_timeouts);
  w.Key("fault_drops"); w.Uint64(fault_drops);
  w.Key("cc_requests"); w.Uint64(cc_requests());
  w.Key("envelopes_sent"); w.Uint64(envelopes_sent());
  w.Key("requests");
  w.StartObject();
  for (const auto& [route, statuses] : requests) {
    w.Key(route.c_str());
    w.StartObject();
    for (const auto& [status, count] : statuses) {
      w.Key(std::to_string(status).c_str());
      w.Uint64(count);
    }
    w.EndObject();
  }
  w.EndObject();
  w.Key("connections");
  w.StartArray();
  for (const auto& c : connections) {
    w.StartObject();
    w.Key("id"); w.Uint64(c.id);
    w.Key("kind"); w.String(c.kind.c_str());
    w.Key("subscription"); w.String(c.subscription.c_str());
    w.Key("filter"); w.String(c.filter.c_str());
    w.Key("open"); w.Bool(c.open);
    w.Key("close_reason"); w.String(c.close_reason.c_str());
    w.Key("envelopes"); w.Uint64(c.envelopes);
    w.Key("malformed"); w.Uint64(c.malformed);
    w.Key("bytes"); w.Uint64(c.bytes);
    w.Key("by_type");
    w.StartObject();
    for (const auto& [type, n] : c.by_type) {
      w.Key(type.c_str());
      w.Uint64(n);
    }
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return sb.GetString();
}

}  // namespace cfsim
