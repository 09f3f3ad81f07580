// The JSON body: keys, UTF-8 repair, extra fields, and truncation that keeps valid JSON.
#include <doctest/doctest.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cmath>
#include <limits>
#include <string>

#include "syslog/json_body.h"
#include "unit/syslog/envelopes.h"

using namespace nozzle;
using namespace nozzle::syslog;
using namespace nozzle::syslog::testing;

namespace {

const std::string kFffd = "\xEF\xBF\xBD";

std::string valid(std::string_view in) {
  std::string s = "<";  // appends, never replaces
  append_valid_utf8(in, s);
  return s.substr(1);
}

// Parses `json` (which must end in LF) strictly: UTF-8 validated, whole input consumed.
rapidjson::Document parse_body(std::string_view json) {
  REQUIRE(!json.empty());
  REQUIRE(json.back() == '\n');
  json.remove_suffix(1);
  rapidjson::Document d;
  d.Parse<rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
  INFO("JSON: " << std::string(json));
  REQUIRE_MESSAGE(!d.HasParseError(), rapidjson::GetParseError_En(d.GetParseError()));
  REQUIRE(d.IsObject());
  return d;
}

std::string body(const Envelope& e, const AppInfo& app = {}, const FormatOptions& o = {}) {
  std::string out;
  CHECK(append_json_body(e, app, o, 1 << 20, out) == BodyResult::Ok);
  return out;
}

// The JSON part of a pcf message.
std::string_view json_of(std::string_view msg) {
  const auto at = msg.find("\"] {");
  REQUIRE(at != std::string_view::npos);
  return msg.substr(at + 3);
}

}  // namespace

TEST_CASE("append_valid_utf8 keeps valid text") {
  CHECK(valid("") == "");
  CHECK(valid("plain ascii that is longer than a word") == "plain ascii that is longer than a word");
  CHECK(valid("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") == "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  CHECK(valid("\xED\x9F\xBF") == "\xED\x9F\xBF");          // U+D7FF, just below the surrogates
  CHECK(valid("\xEE\x80\x80") == "\xEE\x80\x80");          // U+E000, just above them
  CHECK(valid("\xF4\x8F\xBF\xBF") == "\xF4\x8F\xBF\xBF");  // U+10FFFF
  CHECK(valid(std::string_view("a\0b", 3)) == std::string("a\0b", 3));
}

TEST_CASE("append_valid_utf8 replaces each maximal ill-formed subpart by U+FFFD") {
  SUBCASE("lone continuation bytes") {
    CHECK(valid("a\x80z") == "a" + kFffd + "z");
    CHECK(valid("\x80\xBF") == kFffd + kFffd);
  }
  SUBCASE("truncated sequences") {
    CHECK(valid("\xE2\x82") == kFffd);
    CHECK(valid("\xE2\x82z") == kFffd + "z");
    CHECK(valid("\xF0\x9F\x98") == kFffd);
    CHECK(valid("\xC3") == kFffd);
    CHECK(valid("\xF0\x9F\x98\xF0\x9F\x98\x80") == kFffd + "\xF0\x9F\x98\x80");
  }
  SUBCASE("overlong forms") {
    CHECK(valid("\xC0\xAF") == kFffd + kFffd);
    CHECK(valid("\xC1\xBF") == kFffd + kFffd);
    CHECK(valid("\xE0\x80\xAF") == kFffd + kFffd + kFffd);
    CHECK(valid("\xF0\x80\x80\xAF") == kFffd + kFffd + kFffd + kFffd);
  }
  SUBCASE("surrogates") {
    CHECK(valid("\xED\xA0\x80") == kFffd + kFffd + kFffd);
    CHECK(valid("\xED\xBF\xBFz") == kFffd + kFffd + kFffd + "z");
  }
  SUBCASE("beyond U+10FFFF") {
    CHECK(valid("\xF4\x90\x80\x80") == kFffd + kFffd + kFffd + kFffd);
    CHECK(valid("\xF5\x80\x80\x80") == kFffd + kFffd + kFffd + kFffd);
    CHECK(valid("\xFF") == kFffd);
    CHECK(valid("\xFE\xFF") == kFffd + kFffd);
  }
  SUBCASE("after the 8-byte ASCII fast path") {
    CHECK(valid("0123456789abc\xFF" "defghijklmnop") == "0123456789abc" + kFffd + "defghijklmnop");
    CHECK(valid("01234567\xC3") == "01234567" + kFffd);
  }
}

TEST_CASE("every string of the body is repaired, so the JSON stays valid") {
  Envelope e = app_log("bad \xC3 payload \xED\xA0\x80 end");
  e.origin = "re\xFFp";
  e.log.source_type = "APP\x80";
  AppInfo app = billing_app();
  app.app_name = "bill\xE2\x82";
  FormatOptions o;
  o.extra_fields = {{"k\xFF", "v\xC0"}};
  const std::string b = body(e, app, o);
  const auto d = parse_body(b);
  CHECK(std::string(d["msg"].GetString()) == "bad " + kFffd + " payload " + kFffd + kFffd + kFffd + " end");
  CHECK(std::string(d["origin"].GetString()) == "re" + kFffd + "p");
  CHECK(std::string(d["source_type"].GetString()) == "APP" + kFffd);
  CHECK(std::string(d["cf_app_name"].GetString()) == "bill" + kFffd);
  CHECK(std::string(d[("k" + kFffd).c_str()].GetString()) == "v" + kFffd);
}

TEST_CASE("control characters and quotes are escaped") {
  Envelope e = app_log(std::string("tab\there \"q\" back\\slash\x01\x1f") + std::string(1, '\0'));
  const std::string b = body(e);
  CHECK(b.find("\"msg\":\"tab\\there \\\"q\\\" back\\\\slash\\u0001\\u001F\\u0000\"}") != std::string::npos);
  CHECK(std::string(parse_body(b)["msg"].GetString(), parse_body(b)["msg"].GetStringLength()) ==
        e.log.message);
}

TEST_CASE("app keys appear only for app events and only when known") {
  Envelope e = platform_envelope(EventType::ValueMetric);
  auto d = parse_body(body(e, billing_app()));
  CHECK_FALSE(d.HasMember("cf_app_id"));
  CHECK_FALSE(d.HasMember("cf_app_name"));

  e.add_tag("app_id", "tag-guid");  // app_id() falls back to the tag
  AppInfo partial;
  partial.app_name = "web";
  d = parse_body(body(e, partial));
  CHECK(std::string(d["cf_app_id"].GetString()) == "tag-guid");
  CHECK(std::string(d["cf_app_name"].GetString()) == "web");
  CHECK_FALSE(d.HasMember("cf_space_id"));
  CHECK_FALSE(d.HasMember("cf_org_name"));

  Envelope c = platform_envelope(EventType::ContainerMetric);
  d = parse_body(body(c, billing_app()));
  CHECK(std::string(d["cf_app_id"].GetString()).empty());  // always present for container metrics
  CHECK_FALSE(d.HasMember("cf_app_name"));
}

TEST_CASE("common keys and their types") {
  const auto d = parse_body(body(app_log("m")));
  CHECK(std::string(d["cf_origin"].GetString()) == "firehose");
  CHECK(std::string(d["event_type"].GetString()) == "LogMessage");
  CHECK(std::string(d["job_index"].GetString()) == "0c3a");
  CHECK(d["timestamp"].IsInt64());
  CHECK(d["timestamp"].GetInt64() == 1485350702539694548);
}

TEST_CASE("ValueMetric: NaN and infinities are written as null") {
  Envelope e = platform_envelope(EventType::ValueMetric);
  e.value_metric.name = "m";
  for (double v : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity()}) {
    e.value_metric.value = v;
    const std::string b = body(e);
    CHECK(b.find("\"value\":null") != std::string::npos);
    CHECK(parse_body(b)["value"].IsNull());
  }
  e.value_metric.value = -0.25;
  CHECK(parse_body(body(e))["value"].GetDouble() == -0.25);
  e.value_metric.value = 1e300;
  CHECK(parse_body(body(e))["value"].GetDouble() == 1e300);
}

TEST_CASE("extra fields are appended in order and never repeat a key") {
  Envelope e = app_log("hi");
  FormatOptions o;
  o.extra_fields = {{"env", "prod"},   {"origin", "x"}, {"msg", "x"}, {"truncated", "x"},
                    {"region", "eu"},  {"env", "dup"},  {"cf_app_id", "x"}};
  const std::string b = body(e, {}, o);
  CHECK(b.ends_with(",\"source_instance\":\"0\",\"env\":\"prod\",\"region\":\"eu\",\"msg\":\"hi\"}\n"));
  const auto d = parse_body(b);
  CHECK(std::string(d["origin"].GetString()) == "rep");

  // A key that this event type does not write is free: a metric has no msg.
  Envelope m = platform_envelope(EventType::CounterEvent);
  o.extra_fields = {{"msg", "m"}, {"cf_app_name", "n"}};
  CHECK(body(m, {}, o).ends_with(",\"total\":0,\"msg\":\"m\",\"cf_app_name\":\"n\"}\n"));

  // Event: body is written last, after the extras.
  Envelope ev = platform_envelope(EventType::Event);
  ev.event.title = "t";
  ev.event.body = "b";
  o.extra_fields = {{"body", "x"}, {"team", "a"}};
  CHECK(body(ev, {}, o).ends_with(",\"title\":\"t\",\"team\":\"a\",\"body\":\"b\"}\n"));
}

TEST_CASE("the body respects its budget") {
  Envelope e = platform_envelope(EventType::CounterEvent);
  std::string full;
  REQUIRE(append_json_body(e, {}, {}, 1 << 20, full) == BodyResult::Ok);
  std::string out = "prefix";
  CHECK(append_json_body(e, {}, {}, full.size(), out) == BodyResult::Ok);
  CHECK(out == "prefix" + full);
  out = "prefix";
  CHECK(append_json_body(e, {}, {}, full.size() - 1, out) == BodyResult::TooLarge);
  CHECK(out == "prefix");
}

TEST_CASE("a cut msg keeps its meaning: prefix, truncated flag, budget exactly used") {
  Envelope e = app_log(std::string(100, 'a'));
  std::string full;
  REQUIRE(append_json_body(e, {}, {}, 1 << 20, full) == BodyResult::Ok);
  const std::size_t without_msg = full.size() - 100;  // `"msg":""}` LF stays
  std::string out;
  const std::size_t budget = full.size() - 1;
  CHECK(append_json_body(e, {}, {}, budget, out) == BodyResult::Truncated);
  CHECK(out.size() == budget);
  // `","truncated":true}` LF takes 17 bytes more than `"}` LF, and the budget is 1 byte short.
  CHECK(out.ends_with("\"msg\":\"" + std::string(100 - 18, 'a') + "\",\"truncated\":true}\n"));
  out.clear();
  CHECK(append_json_body(e, {}, {}, without_msg + 17, out) == BodyResult::Truncated);
  CHECK(out.ends_with("\"msg\":\"\",\"truncated\":true}\n"));
  out.clear();
  CHECK(append_json_body(e, {}, {}, without_msg + 16, out) == BodyResult::TooLarge);
  CHECK(out.empty());
}

namespace {

// Formats `payload` as a pcf log at every max_message_bytes from too small to roomy, and checks
// every message: within the limit, valid JSON, a msg that is a whole-character prefix of the
// repaired payload, "truncated" exactly when cut, and a cut that leaves no room unused for
// another character.
void check_truncation_sweep(const std::string& payload) {
  Envelope e = app_log(payload);
  const std::string repaired = valid(payload);
  FormatOptions o = pcf_options();
  o.max_message_bytes = 1 << 20;
  const std::string roomy = format_one(o, e);
  const std::string empty_msg = format_one(o, app_log(""));
  REQUIRE(!roomy.empty());
  REQUIRE(!empty_msg.empty());
  bool emitted_before = false;
  for (std::size_t max = empty_msg.size() - 5; max <= roomy.size() + 3; ++max) {
    o.max_message_bytes = max;
    FormattedMessages out;
    Formatter(o).format(e, {}, out);
    INFO("max_message_bytes=" << max);
    if (out.size() == 0) {
      CHECK(out.too_large == 1);
      CHECK_FALSE(emitted_before);  // a larger limit never drops what a smaller one kept
      continue;
    }
    emitted_before = true;
    REQUIRE(out.size() == 1);
    CHECK(out.too_large == 0);
    const std::string_view msg = out.message(0);
    CHECK(msg.size() <= max);
    const auto d = parse_body(json_of(msg));
    const std::string value(d["msg"].GetString(), d["msg"].GetStringLength());
    const bool truncated = d.HasMember("truncated");
    CHECK(truncated == out.spans[0].truncated);
    CHECK(truncated == (max < roomy.size()));
    if (truncated) {
      CHECK(d["truncated"].IsTrue());
      REQUIRE(value.size() < repaired.size());
      CHECK(repaired.compare(0, value.size(), value) == 0);
      // Never inside a character: the next byte of the repaired payload starts one.
      CHECK((static_cast<unsigned char>(repaired[value.size()]) & 0xC0) != 0x80);
      // The longest escape is 6 bytes (\u0001), the longest character 4.
      CHECK(msg.size() + 6 > max);
    } else {
      CHECK(value == repaired);
      CHECK(msg == roomy);
    }
  }
  CHECK(emitted_before);
}

}  // namespace

TEST_CASE("truncation sweep: ASCII") { check_truncation_sweep(std::string(300, 'x')); }

TEST_CASE("truncation sweep: multi-byte characters and escapes") {
  std::string p;
  for (int i = 0; i < 12; ++i) {
    p += "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \"q\" \\ \n\t";
    p.push_back('\x01');
    p.push_back('\0');
  }
  check_truncation_sweep(p);
}

TEST_CASE("truncation sweep: invalid UTF-8 in the payload") {
  std::string p;
  for (int i = 0; i < 20; ++i) p += "ab\xFF\xE2\x82 \xED\xA0\x80\xF0\x9F\x98\x80";
  check_truncation_sweep(p);
}

TEST_CASE("truncation of a payload far larger than the limit") {
  Envelope e = app_log(std::string(1 << 20, 'y') + "\xC3\xA9");
  FormatOptions o = pcf_options();
  o.max_message_bytes = 2048;
  FormattedMessages out;
  Formatter(o).format(e, {}, out);
  REQUIRE(out.size() == 1);
  CHECK(out.spans[0].truncated);
  CHECK(out.message(0).size() == 2048);  // ASCII: every byte of the budget is used
  CHECK(parse_body(json_of(out.message(0)))["truncated"].IsTrue());
}

TEST_CASE("Error msg and Event body are the cut fields") {
  Envelope err = platform_envelope(EventType::Error);
  err.error.source = "src";
  err.error.message = std::string(2000, 'e');
  FormatOptions o = pcf_options();
  o.max_message_bytes = 600;
  FormattedMessages out;
  Formatter(o).format(err, {}, out);
  REQUIRE(out.size() == 1);
  CHECK(out.spans[0].truncated);
  CHECK(out.message(0).size() == 600);
  auto d = parse_body(json_of(out.message(0)));
  CHECK(std::string(d["source"].GetString()) == "src");

  Envelope ev = platform_envelope(EventType::Event);
  ev.event.title = std::string(100, 't');
  ev.event.body = std::string(2000, 'b');
  out.clear();
  Formatter(o).format(ev, {}, out);
  REQUIRE(out.size() == 1);
  CHECK(out.spans[0].truncated);
  d = parse_body(json_of(out.message(0)));
  CHECK(std::string(d["title"].GetString()) == std::string(100, 't'));  // title is never cut
  CHECK(d["truncated"].IsTrue());
}

TEST_CASE("metrics are never cut: too large is dropped and counted") {
  Envelope e = platform_envelope(EventType::ValueMetric);
  e.value_metric.name = std::string(1000, 'n');
  FormatOptions o = pcf_options();
  o.max_message_bytes = 480;
  FormattedMessages out;
  Formatter f(o);
  f.format(e, {}, out);
  f.format(e, {}, out);
  CHECK(out.size() == 0);
  CHECK(out.too_large == 2);
  CHECK(out.bytes.empty());
}

TEST_CASE("json-logs: a payload that is one JSON object is nested as \"log\", anything else stays the string \"msg\"") {
  FormatOptions o;
  o.json_logs = true;
  {
    const auto d = parse_body(body(app_log(R"(  {"level":"info","n":42,"nested":{"a":[1,2.5,null,true]},"s":"x\"y"} )"), {}, o));
    REQUIRE(d.HasMember("log"));
    CHECK_FALSE(d.HasMember("msg"));
    CHECK(std::string(d["log"]["level"].GetString()) == "info");
    CHECK(d["log"]["n"].GetInt() == 42);
    CHECK(d["log"]["nested"]["a"][1].GetDouble() == doctest::Approx(2.5));
    CHECK(std::string(d["log"]["s"].GetString()) == "x\"y");
  }
  for (const char* not_one_object :
       {"plain text", "[1,2]", "{\"a\":1} trailing", "{\"a\":1}{\"b\":2}", "{\"a\":", "\"str\"", "{\"bad\xC3\":1}",
        "{\"a\":1e400}"}) {
    INFO(not_one_object);
    const auto d = parse_body(body(app_log(not_one_object), {}, o));
    CHECK_FALSE(d.HasMember("log"));
    REQUIRE(d.HasMember("msg"));
  }
  // Nested deeper than 32 levels: kept as a string, never parsed.
  const std::string deep = "{\"a\":" + std::string(40, '[') + std::string(40, ']') + "}";
  CHECK(parse_body(body(app_log(deep), {}, o)).HasMember("msg"));
  // Off (the default): the object stays a string.
  CHECK(parse_body(body(app_log(R"({"level":"info"})"))).HasMember("msg"));
}

TEST_CASE("json-logs: an object too large for max-message-bytes falls back to the string, cut and marked") {
  FormatOptions o;
  o.json_logs = true;
  const std::string big = "{\"k\":\"" + std::string(3000, 'v') + "\"}";
  std::string out;
  CHECK(append_json_body(app_log(big), {}, o, 1000, out) == BodyResult::Truncated);
  const auto d = parse_body(out);
  CHECK_FALSE(d.HasMember("log"));
  CHECK(d["truncated"].GetBool());
  CHECK(out.size() <= 1000);
}
