// Malformed v2 batches: a broken batch is one invalid and yields nothing; a broken envelope is
// counted and skipped while the rest of its batch is kept; nothing crashes (run under ASan too).
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "nozzle/decode/json_scalars.h"
#include "nozzle/decode/v2_decoder.h"

using nozzle::DecodeErrorKind;
using nozzle::V2Decoder;

namespace {

const std::string kSample =
    R"({"batch":[{"timestamp":"1532030745755909241", "source_id":"app-guid", "instance_id":"0", "deprecated_tags":{"a":{"integer":"1"}}, )"
    R"("tags":{"source_type":"APP/PROC/WEB"}, "log":{"payload":"aGVsbG8K", "type":"ERR"}}, )"
    R"({"timestamp":"1", "source_id":"doppler", "instance_id":"", "deprecated_tags":{}, "tags":{}, "gauge":{"metrics":{"cpu":{"unit":"percentage", "value":0.5}}}}]})";

// An envelope that breaks, between two good ones.
void check_skipped(const std::string& bad, DecodeErrorKind kind) {
  V2Decoder d;
  const auto r = d.decode_batch(R"({"batch":[{"event":{"title":"a"}},)" + bad + R"(,{"event":{"title":"b"}}]})");
  INFO(bad);
  CHECK(r.envelopes == 2);
  CHECK(r.invalid == 1);
  REQUIRE(r.first_error);
  CHECK(r.first_error->kind == kind);
  CHECK_FALSE(r.first_error->to_string().empty());
  REQUIRE(d.envelopes().size() == 2);
  CHECK(d.envelopes()[0].event.title == "a");
  CHECK(d.envelopes()[1].event.title == "b");
}

}  // namespace

TEST_CASE("v2 malformed: every truncation of a batch is one invalid batch") {
  V2Decoder d;
  REQUIRE(d.decode_batch(kSample).envelopes == 2);
  for (std::size_t n = 0; n < kSample.size(); ++n) {
    const std::string prefix = kSample.substr(0, n);
    const auto r = d.decode_batch(prefix);
    CHECK(r.envelopes == 0);
    CHECK(r.invalid == 1);
    CHECK(d.envelopes().empty());
    REQUIRE(r.first_error);
  }
}

TEST_CASE("v2 malformed: not JSON, not a batch") {
  V2Decoder d;
  auto r = d.decode_batch(R"({"batch":[{"event":{}},{"event":{}}] trailing)");
  CHECK(r.envelopes == 0);
  CHECK(r.invalid == 1);
  CHECK(r.first_error->kind == DecodeErrorKind::InvalidJson);
  CHECK(r.first_error->to_string().find("invalid JSON at byte") == 0);
  r = d.decode_batch(R"([{"event":{}}])");
  CHECK(r.first_error->kind == DecodeErrorKind::NotABatch);
  CHECK(r.envelopes == 0);
  r = d.decode_batch(R"("batch")");
  CHECK(r.first_error->kind == DecodeErrorKind::NotABatch);
  r = d.decode_batch(R"({"batch":{"event":{}}})");
  CHECK(r.first_error->kind == DecodeErrorKind::WrongJsonType);
  CHECK(r.invalid == 1);
  r = d.decode_batch(R"({"batch":"x"})");
  CHECK(r.first_error->kind == DecodeErrorKind::WrongJsonType);
  r = d.decode_batch(std::string("{\"batch\":[{\"event\":{}}]}\0x", 26));  // bytes after a NUL
  CHECK(r.first_error->kind == DecodeErrorKind::InvalidJson);
  r = d.decode_batch(R"({"batch":[{"gauge":{"metrics":{"m":{"value":1e999}}}}]})");  // out of double range
  CHECK(r.first_error->kind == DecodeErrorKind::InvalidJson);
  r = d.decode_batch("");
  CHECK(r.first_error->kind == DecodeErrorKind::InvalidJson);
  r = d.decode_batch(R"({"batch":[{"tags":{"k":"\ud800"},"event":{}}]})");  // lone surrogate
  CHECK(r.first_error->kind == DecodeErrorKind::InvalidJson);
  // Deep nesting is bounded by the heap, not the stack.
  const std::string deep = R"({"batch":[{"x":)" + std::string(100000, '[') + std::string(100000, ']') + R"(,"event":{}}]})";
  r = d.decode_batch(deep);
  CHECK(r.envelopes == 1);
  CHECK(r.invalid == 0);
}

TEST_CASE("v2 malformed: one bad envelope is skipped, the rest kept") {
  check_skipped(R"({"log":{"payload":"a$=="}})", DecodeErrorKind::BadBase64);
  check_skipped(R"({"log":{"payload":"aGVsb"}})", DecodeErrorKind::BadBase64);
  check_skipped(R"({"log":{"payload":"aG=k"}})", DecodeErrorKind::BadBase64);
  check_skipped(R"({"log":{"payload":"aGk=="}})", DecodeErrorKind::BadBase64);
  check_skipped(R"({"log":{"payload":12}})", DecodeErrorKind::WrongJsonType);
  check_skipped(R"({"log":{"type":"WARN"}})", DecodeErrorKind::BadEnumName);
  check_skipped(R"({"log":{"type":true}})", DecodeErrorKind::WrongJsonType);
  check_skipped(R"({"timestamp":"12x","event":{}})", DecodeErrorKind::BadNumber);
  check_skipped(R"({"timestamp":"9223372036854775808","event":{}})", DecodeErrorKind::BadNumber);
  check_skipped(R"({"timestamp":1.5,"event":{}})", DecodeErrorKind::BadNumber);
  check_skipped(R"({"timestamp":{},"event":{}})", DecodeErrorKind::WrongJsonType);
  check_skipped(R"({"counter":{"delta":"-1"}})", DecodeErrorKind::BadNumber);
  check_skipped(R"({"counter":{"delta":"18446744073709551616"}})", DecodeErrorKind::BadNumber);
  check_skipped(R"({"gauge":{"metrics":{"m":{"value":"nan"}}}})", DecodeErrorKind::BadNumber);
  check_skipped(R"({"gauge":{"metrics":{"m":{"value":[1]}}}})", DecodeErrorKind::WrongJsonType);
  check_skipped(R"({"gauge":{"metrics":[]}})", DecodeErrorKind::WrongJsonType);
  check_skipped(R"({"source_id":5,"event":{}})", DecodeErrorKind::WrongJsonType);
  check_skipped(R"({"tags":{"k":1},"event":{}})", DecodeErrorKind::WrongJsonType);
  check_skipped(R"({"tags":{"k":null},"event":{}})", DecodeErrorKind::WrongJsonType);
  check_skipped(R"({"tags":["k"],"event":{}})", DecodeErrorKind::WrongJsonType);
  check_skipped(R"({"deprecated_tags":{"k":{"integer":"x"}},"event":{}})", DecodeErrorKind::BadNumber);
  check_skipped(R"({"deprecated_tags":{"k":"text"},"event":{}})", DecodeErrorKind::WrongJsonType);
  check_skipped(R"({"log":{},"counter":{}})", DecodeErrorKind::TwoMessages);
  check_skipped(R"({"event":{},"event":{}})", DecodeErrorKind::TwoMessages);
  check_skipped(R"({"log":"hello"})", DecodeErrorKind::WrongJsonType);
  check_skipped(R"({"timestamp":"1","tags":{}})", DecodeErrorKind::NoMessage);
  check_skipped(R"({})", DecodeErrorKind::NoMessage);
  check_skipped(R"([{"event":{}}])", DecodeErrorKind::WrongJsonType);
  check_skipped(R"("envelope")", DecodeErrorKind::WrongJsonType);
  check_skipped(R"(null)", DecodeErrorKind::WrongJsonType);
}

TEST_CASE("json scalars: integers, doubles, base64, UUIDs, Go formatting") {
  namespace js = nozzle::json;
  std::int64_t i = 0;
  std::uint64_t u = 0;
  double d = 0;
  CHECK((js::parse_int64("-9223372036854775808", i) && i == INT64_MIN));
  CHECK_FALSE(js::parse_int64("9223372036854775808", i));
  CHECK_FALSE(js::parse_int64("9.3e18", i));
  CHECK((js::parse_int64("-1e2", i) && i == -100));
  CHECK_FALSE(js::parse_int64("+1", i));
  CHECK_FALSE(js::parse_int64("", i));
  CHECK_FALSE(js::parse_int64("1 ", i));
  CHECK((js::parse_uint64("18446744073709551615", u) && u == UINT64_MAX));
  CHECK((js::parse_uint64("-0", u) && u == 0));
  CHECK_FALSE(js::parse_uint64("1.8446744073709552e19", u));
  CHECK_FALSE(js::parse_double("inf", d));
  CHECK_FALSE(js::parse_double("-", d));
  CHECK((js::parse_double("-0.5e1", d) && d == -5));
  std::string s;
  CHECK((js::decode_base64("", s) && s.empty()));
  CHECK_FALSE(js::decode_base64("a", s));
  CHECK_FALSE(js::decode_base64("=", s));
  CHECK_FALSE(js::decode_base64("====", s));
  CHECK((js::decode_base64("TWFu", s) && s == "Man"));
  CHECK((js::decode_base64("TWE", s) && s == "Ma"));
  CHECK((js::decode_base64("TQ==", s) && s == "M"));
  CHECK(js::normalize_uuid("F47AC10B-58CC-4372-A567-0E02B2C3D479", s));
  CHECK(s == "f47ac10b-58cc-4372-a567-0e02b2c3d479");
  CHECK_FALSE(js::normalize_uuid("f47ac10b58cc-4372-a567-0e02b2c3d4791", s));
  CHECK(s.empty());
  CHECK_FALSE(js::normalize_uuid("g47ac10b-58cc-4372-a567-0e02b2c3d479", s));
  CHECK(js::atoi_or_zero("+12") == 12);
  CHECK(js::atoi_or_zero("+-12") == 0);
  CHECK(js::atoi_or_zero("99999999999999999999") == 0);
  js::format_fixed6(-1.5, s);
  CHECK(s == "-1.500000");
  js::format_fixed6(-HUGE_VAL, s);
  CHECK(s == "-Inf");
  CHECK(js::double_to_int32(-1e20) == INT32_MIN);
  CHECK(js::double_to_int32(-2.9) == -2);
}
