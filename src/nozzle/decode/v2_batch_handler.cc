#include "nozzle/decode/v2_batch_handler.h"

#include "nozzle/decode/json_scalars.h"

namespace nozzle {
namespace {

using Slot = V2BatchHandler::Slot;
using State = V2BatchHandler::State;

constexpr std::string_view kEnvelopeMsg = "Envelope";

// The key a slot was read from, for error messages.
std::string_view slot_name(Slot s) {
  switch (s) {
    case Slot::RootValue: return "(root)";
    case Slot::BatchItem: return "batch[]";
    case Slot::Ignore: return "(unknown)";
    case Slot::Batch: return "batch";
    case Slot::Timestamp: return "timestamp";
    case Slot::SourceId: return "source_id";
    case Slot::InstanceId: return "instance_id";
    case Slot::Tags: return "tags";
    case Slot::DeprecatedTags: return "deprecated_tags";
    case Slot::Log: return "log";
    case Slot::Counter: return "counter";
    case Slot::Gauge: return "gauge";
    case Slot::Timer: return "timer";
    case Slot::Event: return "event";
    case Slot::TagValue: return "tags{}";
    case Slot::DeprecatedValue: return "deprecated_tags{}";
    case Slot::ValueText: return "deprecated_tags{}.text";
    case Slot::ValueInteger: return "deprecated_tags{}.integer";
    case Slot::ValueDecimal: return "deprecated_tags{}.decimal";
    case Slot::Payload: return "log.payload";
    case Slot::LogType: return "log.type";
    case Slot::Name: return "name";
    case Slot::Delta: return "counter.delta";
    case Slot::Total: return "counter.total";
    case Slot::Metrics: return "gauge.metrics";
    case Slot::GaugeValue: return "gauge.metrics{}";
    case Slot::Unit: return "gauge.metrics{}.unit";
    case Slot::Value: return "gauge.metrics{}.value";
    case Slot::Start: return "timer.start";
    case Slot::Stop: return "timer.stop";
    case Slot::Title: return "event.title";
    case Slot::Body: return "event.body";
  }
  return "";
}

}  // namespace

// In situ: strings are unescaped inside the decoder's own copy of the batch, never copied out
// (bench/RESULTS.md, Decoding). Numbers as strings: int64/uint64/double are read exactly by
// json_scalars from the same text whether they came quoted or not. No encoding validation:
// payload bytes pass through (the formatter repairs UTF-8).
constexpr unsigned kFlags = rapidjson::kParseInsituFlag | rapidjson::kParseNumbersAsStringsFlag;

// The recursive parser is ~15 % faster than the iterative one, but nests on the thread's stack;
// this many levels of skipped (unknown) values, on top of the schema's 8, bound it.
constexpr std::size_t kRecursiveSkipDepth = 32;

rapidjson::ParseResult V2BatchHandler::parse(rapidjson::Reader& reader, rapidjson::InsituStringStream& stream,
                                             EnvelopeRun& out, bool recursive) {
  out_ = &out;
  stream_ = &stream;
  depth_ = 0;
  skip_depth_ = 0;
  slot_ = Slot::RootValue;
  metric_ = nullptr;
  invalid_ = 0;
  first_error_.reset();
  batch_error_.reset();
  recursive_ = recursive;
  if (recursive) return reader.Parse<kFlags>(stream, *this);
  return reader.Parse<kFlags | rapidjson::kParseIterativeFlag>(stream, *this);
}

bool V2BatchHandler::push(State s) {
  // The schema never nests deeper than the stack: unknown values go to Skip, which counts.
  if (depth_ == stack_.size()) return batch_failure(DecodeErrorKind::TooDeep);
  stack_[depth_++] = s;
  return true;
}

bool V2BatchHandler::deeper_skip() {
  // Stops a recursive parse before it nests too deep; the decoder then parses iteratively.
  return ++skip_depth_ <= kRecursiveSkipDepth || !recursive_;
}

bool V2BatchHandler::start_skip() {
  if (!push(State::Skip)) return false;
  skip_depth_ = 1;
  return true;
}

bool V2BatchHandler::envelope_error(DecodeErrorKind kind, Slot slot) {
  if (!env_failed_) {
    env_failed_ = true;
    env_error_ = DecodeError{kind, kEnvelopeMsg, slot_name(slot), 0, 0, stream_->Tell()};
  }
  return true;
}

bool V2BatchHandler::batch_failure(DecodeErrorKind kind) {
  batch_error_ = DecodeError{kind, "EnvelopeBatch", "batch", 0, 0, stream_->Tell()};
  return false;
}

V2BatchHandler::Slot V2BatchHandler::value_slot() const {
  if (depth_ == 0) return Slot::RootValue;
  if (top() == State::Batch) return Slot::BatchItem;
  return slot_;
}

V2BatchHandler::Slot V2BatchHandler::key_slot(std::string_view k) {
  switch (top()) {
    case State::Root: return k == "batch" ? Slot::Batch : Slot::Ignore;
    case State::Envelope:
      if (k == "timestamp") return Slot::Timestamp;
      if (k == "source_id" || k == "sourceId") return Slot::SourceId;
      if (k == "instance_id" || k == "instanceId") return Slot::InstanceId;
      if (k == "tags") return Slot::Tags;
      if (k == "deprecated_tags" || k == "deprecatedTags") return Slot::DeprecatedTags;
      if (k == "log") return Slot::Log;
      if (k == "counter") return Slot::Counter;
      if (k == "gauge") return Slot::Gauge;
      if (k == "timer") return Slot::Timer;
      if (k == "event") return Slot::Event;
      return Slot::Ignore;
    case State::Tags:
      map_key_ = k;
      map_key_id_ = classify_tag(k);
      return Slot::TagValue;
    case State::DeprecatedTags:
      map_key_ = k;
      map_key_id_ = classify_tag(k);
      return Slot::DeprecatedValue;
    case State::Metrics:
      map_key_ = k;
      return Slot::GaugeValue;
    case State::DeprecatedValue:
      if (k == "text") return Slot::ValueText;
      if (k == "integer") return Slot::ValueInteger;
      if (k == "decimal") return Slot::ValueDecimal;
      return Slot::Ignore;
    case State::Log:
      if (k == "payload") return Slot::Payload;
      if (k == "type") return Slot::LogType;
      return Slot::Ignore;
    case State::Counter:
      if (k == "name") return Slot::Name;
      if (k == "delta") return Slot::Delta;
      if (k == "total") return Slot::Total;
      return Slot::Ignore;
    case State::Gauge: return k == "metrics" ? Slot::Metrics : Slot::Ignore;
    case State::GaugeValue:
      if (k == "unit") return Slot::Unit;
      if (k == "value") return Slot::Value;
      return Slot::Ignore;
    case State::Timer:
      if (k == "name") return Slot::Name;
      if (k == "start") return Slot::Start;
      if (k == "stop") return Slot::Stop;
      return Slot::Ignore;
    case State::Event:
      if (k == "title") return Slot::Title;
      if (k == "body") return Slot::Body;
      return Slot::Ignore;
    case State::Batch:
    case State::Skip: break;
  }
  return Slot::Ignore;
}

bool V2BatchHandler::Key(const char* str, rapidjson::SizeType length, bool) {
  if (top() != State::Skip) slot_ = key_slot(std::string_view(str, length));
  return true;
}

bool V2BatchHandler::begin_message(V2Envelope::Kind kind, State state) {
  // A oneof: a second member (or the same one twice) makes the envelope ambiguous.
  if (env_.kind != V2Envelope::Kind::None) {
    envelope_error(DecodeErrorKind::TwoMessages, slot_);
    return start_skip();
  }
  env_.kind = kind;
  return push(state);
}

bool V2BatchHandler::start_container(Slot slot) {
  switch (slot) {
    case Slot::RootValue: return push(State::Root);
    case Slot::BatchItem:
      env_.clear();
      env_failed_ = false;
      return push(State::Envelope);
    case Slot::Tags: return push(State::Tags);
    case Slot::DeprecatedTags: return push(State::DeprecatedTags);
    case Slot::DeprecatedValue:
      value_set_ = false;
      return push(State::DeprecatedValue);
    case Slot::Log: return begin_message(V2Envelope::Kind::Log, State::Log);
    case Slot::Counter: return begin_message(V2Envelope::Kind::Counter, State::Counter);
    case Slot::Gauge: return begin_message(V2Envelope::Kind::Gauge, State::Gauge);
    case Slot::Timer: return begin_message(V2Envelope::Kind::Timer, State::Timer);
    case Slot::Event: return begin_message(V2Envelope::Kind::Event, State::Event);
    case Slot::Metrics: return push(State::Metrics);
    case Slot::GaugeValue:
      metric_ = &env_.metric(map_key_);
      metric_->unit = {};
      metric_->value = 0;
      metric_->is_null = false;
      return push(State::GaugeValue);
    case Slot::Ignore: return start_skip();
    case Slot::Batch: return batch_failure(DecodeErrorKind::WrongJsonType);
    default:
      envelope_error(DecodeErrorKind::WrongJsonType, slot);
      return start_skip();
  }
}

bool V2BatchHandler::StartObject() {
  if (depth_ > 0 && top() == State::Skip) return deeper_skip();
  return start_container(value_slot());
}

bool V2BatchHandler::StartArray() {
  if (depth_ > 0 && top() == State::Skip) return deeper_skip();
  const Slot slot = value_slot();
  switch (slot) {
    case Slot::RootValue: return batch_failure(DecodeErrorKind::NotABatch);
    case Slot::Batch: return push(State::Batch);
    case Slot::Ignore: return start_skip();
    case Slot::BatchItem:
      ++invalid_;
      if (!first_error_) first_error_ = DecodeError{DecodeErrorKind::WrongJsonType, kEnvelopeMsg, "batch[]", 0, 0, stream_->Tell()};
      return start_skip();
    default:
      envelope_error(DecodeErrorKind::WrongJsonType, slot);
      return start_skip();
  }
}

bool V2BatchHandler::EndObject(rapidjson::SizeType) {
  const State s = top();
  if (s == State::Skip && --skip_depth_ > 0) return true;
  --depth_;
  if (s == State::Envelope) {
    finish_envelope();
  } else if (s == State::DeprecatedValue && value_set_) {
    std::string& text = env_.next_deprecated_text();
    text.assign(value_text_);
    env_.deprecated_tags.put(map_key_, text, map_key_id_);
  } else if (s == State::GaugeValue) {
    metric_ = nullptr;
  }
  return true;
}

bool V2BatchHandler::EndArray(rapidjson::SizeType) {
  if (top() == State::Skip && --skip_depth_ > 0) return true;
  --depth_;
  return true;
}

void V2BatchHandler::finish_envelope() {
  if (!env_failed_ && env_.kind == V2Envelope::Kind::None) {
    env_failed_ = true;
    env_error_ = DecodeError{DecodeErrorKind::NoMessage, kEnvelopeMsg, {}, 0, 0, stream_->Tell()};
  }
  if (env_failed_) {
    ++invalid_;
    if (!first_error_) first_error_ = env_error_;
    return;
  }
  convert_v2_to_v1(env_, *out_);
}

bool V2BatchHandler::Null() { return scalar(Scalar::Null, {}); }
bool V2BatchHandler::Bool(bool b) { return scalar(Scalar::Bool, b ? "true" : "false"); }
bool V2BatchHandler::RawNumber(const char* str, rapidjson::SizeType length, bool) {
  return scalar(Scalar::Number, std::string_view(str, length));
}
bool V2BatchHandler::String(const char* str, rapidjson::SizeType length, bool) {
  return scalar(Scalar::String, std::string_view(str, length));
}

bool V2BatchHandler::string_into(Scalar kind, std::string_view text, std::string_view& dst) {
  if (kind != Scalar::String) return envelope_error(DecodeErrorKind::WrongJsonType, slot_);
  dst = text;
  return true;
}

bool V2BatchHandler::string_into(Scalar kind, std::string_view text, std::string& dst) {
  if (kind != Scalar::String) return envelope_error(DecodeErrorKind::WrongJsonType, slot_);
  dst.assign(text);
  return true;
}

bool V2BatchHandler::int64_into(Scalar kind, std::string_view text, std::int64_t& dst) {
  if (kind != Scalar::String && kind != Scalar::Number) return envelope_error(DecodeErrorKind::WrongJsonType, slot_);
  if (!json::parse_int64(text, dst)) return envelope_error(DecodeErrorKind::BadNumber, slot_);
  return true;
}

bool V2BatchHandler::uint64_into(Scalar kind, std::string_view text, std::uint64_t& dst) {
  if (kind != Scalar::String && kind != Scalar::Number) return envelope_error(DecodeErrorKind::WrongJsonType, slot_);
  if (!json::parse_uint64(text, dst)) return envelope_error(DecodeErrorKind::BadNumber, slot_);
  return true;
}

bool V2BatchHandler::double_into(Scalar kind, std::string_view text, double& dst) {
  if (kind != Scalar::String && kind != Scalar::Number) return envelope_error(DecodeErrorKind::WrongJsonType, slot_);
  if (!json::parse_double(text, dst)) return envelope_error(DecodeErrorKind::BadNumber, slot_);
  return true;
}

bool V2BatchHandler::log_type(Scalar kind, std::string_view text) {
  if (kind == Scalar::String && (text == "OUT" || text == "ERR")) {
    env_.log_out = text == "OUT";
    return true;
  }
  // Enum numbers (protojson accepts them): 0 is OUT; any other, as ToV1 reads it, is ERR.
  std::int64_t n = 0;
  if ((kind == Scalar::Number || kind == Scalar::String) && json::parse_int64(text, n) && n >= INT32_MIN &&
      n <= INT32_MAX) {
    env_.log_out = n == 0;
    return true;
  }
  return envelope_error(kind == Scalar::Bool ? DecodeErrorKind::WrongJsonType : DecodeErrorKind::BadEnumName,
                        slot_);
}

bool V2BatchHandler::scalar(Scalar kind, std::string_view text) {
  if (depth_ > 0 && top() == State::Skip) return true;
  const Slot slot = value_slot();
  if (slot == Slot::RootValue) return batch_failure(DecodeErrorKind::NotABatch);
  if (slot == Slot::BatchItem) {
    ++invalid_;
    if (!first_error_) first_error_ = DecodeError{DecodeErrorKind::WrongJsonType, kEnvelopeMsg, "batch[]", 0, 0, stream_->Tell()};
    return true;
  }
  if (kind == Scalar::Null) {
    // null is "not set" (protojson); a null metric is Go's nil GaugeValue, never converted.
    if (slot == Slot::GaugeValue) env_.metric(map_key_).is_null = true;
    if (slot == Slot::TagValue) return envelope_error(DecodeErrorKind::WrongJsonType, slot);
    return true;
  }
  switch (slot) {
    case Slot::Ignore: return true;
    case Slot::Batch: return batch_failure(DecodeErrorKind::WrongJsonType);
    case Slot::Timestamp: return int64_into(kind, text, env_.timestamp);
    case Slot::SourceId: return string_into(kind, text, env_.source_id);
    case Slot::InstanceId: return string_into(kind, text, env_.instance_id);
    case Slot::TagValue: {
      if (kind != Scalar::String) return envelope_error(DecodeErrorKind::WrongJsonType, slot);
      env_.tags.put(map_key_, text, map_key_id_);
      return true;
    }
    case Slot::ValueText:
      value_set_ = true;
      return string_into(kind, text, value_text_);
    case Slot::ValueInteger: {
      std::int64_t v = 0;
      value_set_ = true;
      if (!int64_into(kind, text, v)) return false;
      json::format_int(v, value_text_);
      return true;
    }
    case Slot::ValueDecimal: {
      double v = 0;
      value_set_ = true;
      if (!double_into(kind, text, v)) return false;
      json::format_fixed6(v, value_text_);
      return true;
    }
    case Slot::Payload:
      if (kind != Scalar::String) return envelope_error(DecodeErrorKind::WrongJsonType, slot);
      if (!json::decode_base64(text, env_.payload)) return envelope_error(DecodeErrorKind::BadBase64, slot);
      return true;
    case Slot::LogType: return log_type(kind, text);
    case Slot::Name: return string_into(kind, text, env_.name);
    case Slot::Delta: return uint64_into(kind, text, env_.delta);
    case Slot::Total: return uint64_into(kind, text, env_.total);
    case Slot::Unit: return string_into(kind, text, metric_->unit);
    case Slot::Value: return double_into(kind, text, metric_->value);
    case Slot::Start: return int64_into(kind, text, env_.start);
    case Slot::Stop: return int64_into(kind, text, env_.stop);
    case Slot::Title: return string_into(kind, text, env_.title);
    case Slot::Body: return string_into(kind, text, env_.body);
    default:  // a container slot given a scalar
      return envelope_error(DecodeErrorKind::WrongJsonType, slot);
  }
}

}  // namespace nozzle
