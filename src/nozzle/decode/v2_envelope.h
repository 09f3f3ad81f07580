// One loggregator v2 envelope as the RLP gateway's JSON gives it, before the v2->v1 rules turn
// it into Envelopes. Internal to src/nozzle (the v2 decoder fills it, v2_to_v1 reads it).
//
// Strings are views into the batch text the decoder parsed in situ: they stay valid until the
// decoder's next batch, which is longer than a V2Envelope lives (it is converted as soon as its
// JSON object ends). Only what the JSON does not hold as is is owned: the decoded payload and
// the formatted deprecated_tags values. Reused across envelopes: clear() keeps all capacity.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace nozzle {

// The tag keys the v2->v1 conversion reads or removes (docs/WIRE.md, "v2 to v1"); every other is
// Other. Classified once, when the key is parsed, so that the conversion compares no strings.
enum class TagId : std::uint8_t {
  Other, V1Type, Origin, Deployment, Job, Index, Ip,  // base fields, never kept as tags
  SourceId, InstanceId,                                 // replaced by the envelope's own
  SourceType,                                           // log
  Source, Code,                                         // error
  RequestId, PeerType, Method, Uri, RemoteAddress, UserAgent, StatusCode, ContentLength,
  RoutingInstanceId, Forwarded,                         // timer
  Count_,
};

namespace detail {
// A compare of constant length, which the compiler turns into a load or two.
template <std::size_t N>
bool key_is(const char* p, const char (&lit)[N]) {
  return std::memcmp(p, lit, N - 1) == 0;
}
}  // namespace detail

inline TagId classify_tag(std::string_view k) {
  using detail::key_is;
  const char* p = k.data();
  switch (k.size()) {
    case 2: return key_is(p, "ip") ? TagId::Ip : TagId::Other;
    case 3: return key_is(p, "job") ? TagId::Job : key_is(p, "uri") ? TagId::Uri : TagId::Other;
    case 4: return key_is(p, "code") ? TagId::Code : TagId::Other;
    case 5: return key_is(p, "index") ? TagId::Index : TagId::Other;
    case 6:
      return key_is(p, "origin")   ? TagId::Origin
             : key_is(p, "source") ? TagId::Source
             : key_is(p, "method") ? TagId::Method
                                   : TagId::Other;
    case 9:
      return key_is(p, "source_id")   ? TagId::SourceId
             : key_is(p, "__v1_type") ? TagId::V1Type
             : key_is(p, "peer_type") ? TagId::PeerType
             : key_is(p, "forwarded") ? TagId::Forwarded
                                      : TagId::Other;
    case 10:
      return key_is(p, "deployment")   ? TagId::Deployment
             : key_is(p, "request_id") ? TagId::RequestId
             : key_is(p, "user_agent") ? TagId::UserAgent
                                       : TagId::Other;
    case 11:
      return key_is(p, "source_type")   ? TagId::SourceType
             : key_is(p, "instance_id") ? TagId::InstanceId
             : key_is(p, "status_code") ? TagId::StatusCode
                                        : TagId::Other;
    case 14:
      return key_is(p, "remote_address")   ? TagId::RemoteAddress
             : key_is(p, "content_length") ? TagId::ContentLength
                                           : TagId::Other;
    case 19: return key_is(p, "routing_instance_id") ? TagId::RoutingInstanceId : TagId::Other;
    default: return TagId::Other;
  }
}

struct TagView {
  std::string_view key;
  std::string_view value;
  TagId id = TagId::Other;
};

// One JSON object's entries in arrival order, a repeated key replacing the value of its first
// entry (a JSON object may repeat a key; the last value wins, as in a Go map).
class TagList {
 public:
  void clear() {
    count_ = 0;
    known_ = other_ = 0;
  }
  [[nodiscard]] std::size_t size() const { return count_; }
  [[nodiscard]] const TagView& operator[](std::size_t i) const { return items_[i]; }

  void put(std::string_view key, std::string_view value, TagId id) {
    // A bit per known id and a 64-bin filter over the other keys: a key not seen before (all
    // but always) is appended without a single string compare.
    std::uint64_t& seen = id == TagId::Other ? other_ : known_;
    const std::uint64_t bit = std::uint64_t{1} << (id == TagId::Other ? bin(key) : static_cast<unsigned>(id));
    if ((seen & bit) != 0) {
      for (std::size_t i = 0; i < count_; ++i) {
        if (items_[i].key == key) {
          items_[i].value = value;
          return;
        }
      }
    }
    seen |= bit;
    if (count_ == items_.size()) items_.emplace_back();
    // Field by field: building a TagView on the stack and copying it made GCC 12 store two
    // words and reload them as one, a store-forwarding stall that cost ~10 % of decoding.
    TagView& t = items_[count_++];
    t.key = key;
    t.value = value;
    t.id = id;
  }

 private:
  static unsigned bin(std::string_view k) {
    if (k.empty()) return 0;
    const auto c = [&k](std::size_t i) { return static_cast<unsigned>(static_cast<unsigned char>(k[i])); };
    return (static_cast<unsigned>(k.size()) * 7u + c(0) * 3u + c(k.size() / 2) * 5u + c(k.size() - 1)) & 63u;
  }

  std::vector<TagView> items_;
  std::size_t count_ = 0;
  std::uint64_t known_ = 0;
  std::uint64_t other_ = 0;
};

struct GaugeMetric {
  std::string_view name;
  std::string_view unit;
  double value = 0;
  bool is_null = false;  // "name": null, a nil GaugeValue in Go: never converted
};

struct V2Envelope {
  enum class Kind : std::uint8_t { None, Log, Counter, Gauge, Timer, Event };

  std::int64_t timestamp = 0;
  std::string_view source_id;
  std::string_view instance_id;
  TagList tags;
  TagList deprecated_tags;  // values as loggregator formats them, in deprecated_text
  // Owned text of the deprecated_tags values. A deque: growing it never moves a string, so
  // the views into it stay valid.
  std::deque<std::string> deprecated_text;
  std::size_t deprecated_text_count = 0;
  TagList merged_tags;  // the conversion's scratch, when there are deprecated_tags

  Kind kind = Kind::None;
  std::string payload;       // log (decoded bytes); the conversion may swap it out
  bool log_out = true;       // log type: OUT, else ERR
  std::string_view name;     // counter, timer
  std::uint64_t delta = 0;   // counter
  std::uint64_t total = 0;   // counter
  std::int64_t start = 0;    // timer
  std::int64_t stop = 0;     // timer
  std::vector<GaugeMetric> metrics;  // gauge; names unique
  std::size_t metric_count = 0;
  std::string_view title;  // event
  std::string_view body;   // event

  void clear() {
    timestamp = 0;
    source_id = {};
    instance_id = {};
    tags.clear();
    deprecated_tags.clear();
    deprecated_text_count = 0;
    kind = Kind::None;
    payload.clear();
    log_out = true;
    name = {};
    delta = total = 0;
    start = stop = 0;
    metric_count = 0;
    title = {};
    body = {};
  }

  // A string for one deprecated_tags value, valid until clear().
  std::string& next_deprecated_text() {
    if (deprecated_text_count == deprecated_text.size()) deprecated_text.emplace_back();
    return deprecated_text[deprecated_text_count++];
  }

  // The metric of that name (replacing its value: a JSON object may repeat a key), or a new one.
  GaugeMetric& metric(std::string_view metric_name) {
    for (std::size_t i = 0; i < metric_count; ++i) {
      if (metrics[i].name == metric_name) return metrics[i];
    }
    if (metric_count == metrics.size()) metrics.emplace_back();
    GaugeMetric& m = metrics[metric_count++];
    m = GaugeMetric{metric_name, {}, 0, false};
    return m;
  }

  [[nodiscard]] const GaugeMetric* find_metric(std::string_view metric_name) const {
    for (std::size_t i = 0; i < metric_count; ++i) {
      if (metrics[i].name == metric_name) return &metrics[i];
    }
    return nullptr;
  }
};

}  // namespace nozzle
