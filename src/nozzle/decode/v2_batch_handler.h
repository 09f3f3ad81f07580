// The SAX handler behind V2Decoder: a state machine over the protojson EnvelopeBatch schema
// that fills a V2Envelope per batch element and converts it (v2_to_v1) when the element ends.
// Internal to src/nozzle; see v2_decoder.h for the accepted input and the error rules.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// SSE2 is part of x86-64: let RapidJSON scan strings and whitespace 16 bytes at a time. Only
// the v2 decoder's translation units see this (it must precede every RapidJSON include there),
// and they use only InsituStringStream, whose SIMD specialisations no other file instantiates.
#if defined(__SSE2__) && !defined(RAPIDJSON_SSE2)
#define RAPIDJSON_SSE2
#endif
#include <rapidjson/reader.h>
#include <rapidjson/stream.h>

#include "nozzle/decode/decode_error.h"
#include "nozzle/decode/v2_envelope.h"
#include "nozzle/decode/v2_to_v1.h"

namespace nozzle {

class V2BatchHandler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, V2BatchHandler> {
 public:
  // Containers the parser is inside of.
  enum class State : std::uint8_t {
    Root, Batch, Envelope, Tags, DeprecatedTags, DeprecatedValue,
    Log, Counter, Gauge, Metrics, GaugeValue, Timer, Event, Skip,
  };
  // What the next JSON value means (set by the key before it, or by the enclosing array).
  enum class Slot : std::uint8_t {
    RootValue, BatchItem, Ignore, Batch,
    Timestamp, SourceId, InstanceId, Tags, DeprecatedTags, Log, Counter, Gauge, Timer, Event,
    TagValue, DeprecatedValue, ValueText, ValueInteger, ValueDecimal,
    Payload, LogType, Name, Delta, Total, Metrics, GaugeValue, Unit, Value, Start, Stop, Title, Body,
  };

  // Parses one batch, in situ, from `stream` (the NUL-terminated text, with RapidJSON's SIMD
  // padding after it), appending the converted Envelopes to `out`. Instantiated next to the
  // handler so that the parser's calls into it can be inlined.
  //
  // `recursive` uses RapidJSON's faster recursive parser, but fails on any input nested more
  // than a few dozen levels, so a failed recursive parse must be redone, from a fresh copy of
  // the text, with `recursive` false: the iterative parser, bounded by heap only, which gives
  // the same result for every input that the recursive one accepts, and the errors to report.
  rapidjson::ParseResult parse(rapidjson::Reader& reader, rapidjson::InsituStringStream& stream, EnvelopeRun& out,
                               bool recursive);

  [[nodiscard]] std::size_t invalid() const { return invalid_; }
  [[nodiscard]] const std::optional<DecodeError>& first_error() const { return first_error_; }
  // Set when the handler stopped the parse because the batch itself has the wrong shape.
  [[nodiscard]] const std::optional<DecodeError>& batch_error() const { return batch_error_; }

  // rapidjson SAX events (numbers arrive as RawNumber: kParseNumbersAsStringsFlag).
  bool Null();
  bool Bool(bool);
  bool RawNumber(const char* str, rapidjson::SizeType length, bool copy);
  bool String(const char* str, rapidjson::SizeType length, bool copy);
  bool StartObject();
  bool Key(const char* str, rapidjson::SizeType length, bool copy);
  bool EndObject(rapidjson::SizeType);
  bool StartArray();
  bool EndArray(rapidjson::SizeType);

 private:
  enum class Scalar : std::uint8_t { Null, Bool, Number, String };

  bool scalar(Scalar kind, std::string_view text);
  bool string_into(Scalar kind, std::string_view text, std::string_view& dst);
  bool string_into(Scalar kind, std::string_view text, std::string& dst);
  bool int64_into(Scalar kind, std::string_view text, std::int64_t& dst);
  bool uint64_into(Scalar kind, std::string_view text, std::uint64_t& dst);
  bool double_into(Scalar kind, std::string_view text, double& dst);
  bool log_type(Scalar kind, std::string_view text);

  bool start_container(Slot slot);
  bool begin_message(V2Envelope::Kind kind, State state);
  void finish_envelope();
  Slot value_slot() const;
  Slot key_slot(std::string_view key);

  [[nodiscard]] State top() const { return stack_[depth_ - 1]; }
  bool push(State s);
  bool start_skip();
  bool deeper_skip();
  // Records a schema error in the current envelope; returns true (parsing goes on).
  bool envelope_error(DecodeErrorKind kind, Slot slot);
  // Records a batch-shape error; returns false (stops the parse).
  bool batch_failure(DecodeErrorKind kind);

  EnvelopeRun* out_ = nullptr;
  rapidjson::InsituStringStream* stream_ = nullptr;

  // Deep enough for the schema (root, batch, envelope, gauge, metrics, value); anything deeper
  // is an unknown or wrong-typed value, which Skip swallows with a counter.
  std::array<State, 8> stack_{};
  std::size_t depth_ = 0;
  std::size_t skip_depth_ = 0;
  bool recursive_ = false;
  Slot slot_ = Slot::RootValue;

  V2Envelope env_;
  bool env_failed_ = false;
  DecodeError env_error_;
  std::string_view map_key_;  // the key of the tags / deprecated_tags / metrics entry
  TagId map_key_id_ = TagId::Other;
  std::string value_text_;    // a deprecated_tags Value, formatted
  bool value_set_ = false;
  GaugeMetric* metric_ = nullptr;  // the metric being read (inside its object only)

  std::size_t invalid_ = 0;
  std::optional<DecodeError> first_error_;
  std::optional<DecodeError> batch_error_;
};

}  // namespace nozzle
