// The one internal event model every stage shares.
//
// A firehose envelope (v1 dropsonde or v2 converted by loggregator's v2->v1 rules) decodes into
// an Envelope. Decoders reuse one Envelope per connection: clear() keeps the capacity of every
// string and of the tag list, so decoding the next envelope allocates nothing in the steady state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nozzle {

// Values are dropsonde's EventType numbers; Event (v2 only) has no v1 number and gets 10.
enum class EventType : std::uint8_t {
  HttpStartStop = 4,
  LogMessage = 5,
  ValueMetric = 6,
  CounterEvent = 7,
  Error = 8,
  ContainerMetric = 9,
  Event = 10,
};

inline constexpr EventType kAllEventTypes[] = {
    EventType::HttpStartStop, EventType::LogMessage, EventType::ValueMetric,
    EventType::CounterEvent,  EventType::Error,      EventType::ContainerMetric,
    EventType::Event,
};

// firehose-to-syslog's names ("LogMessage", "HttpStartStop", ...).
std::string_view event_type_name(EventType type);
std::optional<EventType> parse_event_type(std::string_view name);

// A set of event types, as the --events flag and a drain's events= option select them.
class EventSet {
 public:
  static EventSet all();
  static EventSet none() { return EventSet{}; }
  void add(EventType t) { bits_ |= bit(t); }
  [[nodiscard]] bool contains(EventType t) const { return (bits_ & bit(t)) != 0; }
  [[nodiscard]] bool empty() const { return bits_ == 0; }
  bool operator==(const EventSet&) const = default;

 private:
  static std::uint32_t bit(EventType t) { return 1u << static_cast<unsigned>(t); }
  std::uint32_t bits_ = 0;
};

struct LogMessage {
  enum class Type : std::uint8_t { Out = 1, Err = 2 };
  std::string message;  // raw bytes; not guaranteed UTF-8
  Type message_type = Type::Out;
  std::int64_t timestamp_ns = 0;
  std::string app_id;
  std::string source_type;
  std::string source_instance;
};

struct ValueMetric {
  std::string name;
  double value = 0;
  std::string unit;
};

struct CounterEvent {
  std::string name;
  std::uint64_t delta = 0;
  std::uint64_t total = 0;
};

struct ContainerMetric {
  std::string application_id;
  std::int32_t instance_index = 0;
  double cpu_percentage = 0;
  std::uint64_t memory_bytes = 0;
  std::uint64_t disk_bytes = 0;
  std::uint64_t memory_bytes_quota = 0;
  std::uint64_t disk_bytes_quota = 0;
};

struct HttpStartStop {
  enum class PeerType : std::uint8_t { Unknown = 0, Client = 1, Server = 2 };
  std::int64_t start_timestamp_ns = 0;
  std::int64_t stop_timestamp_ns = 0;
  std::string request_id;  // UUID text, lowercase, 8-4-4-4-12
  PeerType peer_type = PeerType::Unknown;
  std::int32_t method = 0;  // dropsonde Method number; see http_method_name()
  std::string uri;
  std::string remote_address;
  std::string user_agent;
  std::int32_t status_code = 0;
  std::int64_t content_length = 0;
  std::string application_id;  // UUID text or empty
  std::int32_t instance_index = 0;
  std::string instance_id;
  std::vector<std::string> forwarded;
  std::size_t forwarded_count = 0;  // entries of `forwarded` in use (the rest is reused capacity)
};

// dropsonde Method name ("GET", "POST", ...), or "" for an unknown number.
std::string_view http_method_name(std::int32_t method);
std::string_view peer_type_name(HttpStartStop::PeerType type);

struct ErrorEvent {
  std::string source;
  std::int32_t code = 0;
  std::string message;
};

struct Event {
  std::string title;
  std::string body;
};

struct Tag {
  std::string key;
  std::string value;
};

struct Envelope {
  std::string origin;
  EventType type = EventType::LogMessage;
  std::int64_t timestamp_ns = 0;
  std::string deployment;
  std::string job;
  std::string index;
  std::string ip;

  // Only the first tag_count entries are in use; the rest is capacity kept for reuse.
  std::vector<Tag> tags;
  std::size_t tag_count = 0;

  // Exactly one of these is meaningful, chosen by `type`.
  LogMessage log;
  ValueMetric value_metric;
  CounterEvent counter;
  ContainerMetric container;
  HttpStartStop http;
  ErrorEvent error;
  Event event;

  // Resets every field, keeping allocated capacity.
  void clear();
  // Appends a tag (reusing a previously allocated slot when there is one).
  void add_tag(std::string_view key, std::string_view value);
  // The value of a tag, or nullopt.
  [[nodiscard]] std::optional<std::string_view> tag(std::string_view key) const;
  // The app guid this envelope belongs to, or "" for platform events.
  [[nodiscard]] std::string_view app_id() const;
};

// What enrichment knows of an app. Empty strings mean unknown.
struct AppInfo {
  std::string_view app_id;
  std::string_view app_name;
  std::string_view space_id;
  std::string_view space_name;
  std::string_view org_id;
  std::string_view org_name;
  // The nearest syslog-nozzle/drain label of the app, its space or its org ("" if none or not
  // read): the named drain it asks to go to (README, "Self-service by label").
  std::string_view drain_label;
};

}  // namespace nozzle
