// The pcf style (default) and the header helpers of the RFC 5424 formatter.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "syslog/rfc5424.h"
#include "unit/syslog/envelopes.h"

using namespace nozzle;
using namespace nozzle::syslog;
using namespace nozzle::syslog::testing;

namespace {

std::string utc(std::int64_t ns) {
  std::string s;
  append_timestamp_utc(ns, s);
  return s;
}

std::string cf_time(std::int64_t ns) {
  std::string s;
  append_timestamp_cf(ns, s);
  return s;
}

std::string header_field(std::string_view v, std::size_t max) {
  std::string s = "x";  // appends, never replaces
  append_header_field(v, max, s);
  return s.substr(1);
}

std::string sd_value(std::string_view v) {
  std::string s;
  append_sd_value(v, s);
  return s;
}

constexpr std::string_view kInstanceSd =
    "[instance@47450 director=\"bosh-1\" deployment=\"cf\" group=\"diego-cell\" az=\"\" id=\"0c3a\"]";

}  // namespace

TEST_CASE("pcf priority: OUT 14, ERR 11, Error 11, everything else 13") {
  Envelope e = app_log("x");
  CHECK(pcf_priority(e) == 14);
  e.log.message_type = LogMessage::Type::Err;
  CHECK(pcf_priority(e) == 11);
  e.type = EventType::Error;
  CHECK(pcf_priority(e) == 11);
  for (EventType t : {EventType::ValueMetric, EventType::CounterEvent, EventType::ContainerMetric,
                      EventType::HttpStartStop, EventType::Event}) {
    e.type = t;
    CHECK(pcf_priority(e) == 13);
  }
}

TEST_CASE("UTC timestamps have six fraction digits and Z") {
  CHECK(utc(0) == "1970-01-01T00:00:00.000000Z");
  CHECK(utc(kTs) == "2017-01-25T13:25:03.183770Z");
  CHECK(utc(1700000000123456789) == "2023-11-14T22:13:20.123456Z");  // ns truncated, not rounded
  CHECK(utc(999) == "1970-01-01T00:00:00.000000Z");
  CHECK(utc(1000) == "1970-01-01T00:00:00.000001Z");
  CHECK(utc(951825600000000000) == "2000-02-29T12:00:00.000000Z");  // leap day
  CHECK(utc(951868799999999000) == "2000-02-29T23:59:59.999999Z");
}

TEST_CASE("timestamps stay right when seconds alternate (the per-second cache)") {
  for (int i = 0; i < 3; ++i) {
    CHECK(utc(kTs) == "2017-01-25T13:25:03.183770Z");
    CHECK(utc(kTs + 1'000'000'000) == "2017-01-25T13:25:04.183770Z");
    CHECK(cf_time(kTs + 86'400'000'000'000) == "2017-01-26T13:25:03.18377+00:00");
    CHECK(utc(kTs + 5'000) == "2017-01-25T13:25:03.183775Z");
  }
}

TEST_CASE("timestamps clamp to what RFC 5424 can write") {
  CHECK(utc(-1) == "1970-01-01T00:00:00.000000Z");
  CHECK(utc(std::numeric_limits<std::int64_t>::min()) == "1970-01-01T00:00:00.000000Z");
  // int64 nanoseconds end in 2262, far before year 9999.
  CHECK(utc(std::numeric_limits<std::int64_t>::max()) == "2262-04-11T23:47:16.854775Z");
  CHECK(cf_time(-5) == "1970-01-01T00:00:00+00:00");
}

TEST_CASE("CF timestamps trim trailing zeros and write +00:00") {
  CHECK(cf_time(12345000) == "1970-01-01T00:00:00.012345+00:00");
  CHECK(cf_time(0) == "1970-01-01T00:00:00+00:00");
  CHECK(cf_time(999) == "1970-01-01T00:00:00+00:00");  // below a microsecond
  CHECK(cf_time(120000000) == "1970-01-01T00:00:00.12+00:00");
  CHECK(cf_time(500000000) == "1970-01-01T00:00:00.5+00:00");
  CHECK(cf_time(kTs) == "2017-01-25T13:25:03.18377+00:00");
  CHECK(cf_time(1700000000000001000) == "2023-11-14T22:13:20.000001+00:00");
}

TEST_CASE("header fields keep PRINTUSASCII only, cut to their limit, '-' when empty") {
  CHECK(header_field("10.0.0.5", 255) == "10.0.0.5");
  CHECK(header_field("", 255) == "-");
  CHECK(header_field(" \t\n", 255) == "-");
  CHECK(header_field("h\xC3\xA9llo w\x7F" "orld\x01", 255) == "hlloworld");
  CHECK(header_field("~!\"#", 255) == "~!\"#");  // 33 and 126 are in
  const std::string forty(40, 'm');
  CHECK(header_field(forty, 32) == std::string(32, 'm'));
  CHECK(header_field(std::string(300, 'h'), 255) == std::string(255, 'h'));
  CHECK(header_field(std::string(100, 'a'), 48) == std::string(48, 'a'));
  CHECK(header_field(std::string(200, 'p'), 128) == std::string(128, 'p'));
  // The limit counts kept bytes, not input bytes.
  CHECK(header_field("a b c d", 3) == "abc");
}

TEST_CASE("SD-NAME validity") {
  CHECK(is_valid_sd_name("a"));
  CHECK(is_valid_sd_name(std::string(32, 'k')));
  CHECK_FALSE(is_valid_sd_name(std::string(33, 'k')));
  CHECK_FALSE(is_valid_sd_name(""));
  CHECK_FALSE(is_valid_sd_name("a=b"));
  CHECK_FALSE(is_valid_sd_name("a b"));
  CHECK_FALSE(is_valid_sd_name("a]"));
  CHECK_FALSE(is_valid_sd_name("a\"b"));
  CHECK_FALSE(is_valid_sd_name("caf\xC3\xA9"));
  CHECK_FALSE(is_valid_sd_name("tab\t"));
  CHECK(is_valid_sd_name("instance@47450"));
  CHECK(is_valid_sd_name("metric-tag"));
}

TEST_CASE("SD values escape quote, backslash and bracket and repair UTF-8") {
  CHECK(sd_value("plain") == "plain");
  CHECK(sd_value("\"]\\") == "\\\"\\]\\\\");
  CHECK(sd_value("a[b]c") == "a[b\\]c");
  CHECK(sd_value("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(sd_value("a\xFF" "b") == "a\xEF\xBF\xBD" "b");
  CHECK(sd_value("\xE2\x82") == "\xEF\xBF\xBD");
  CHECK(sd_value("") == "");
}

TEST_CASE("CF host labels") {
  CHECK(cf_host_label("some-org") == "some-org");
  CHECK(cf_host_label("My Org  Name") == "My-Org-Name");
  CHECK(cf_host_label("a\t \nb") == "a-b");
  CHECK(cf_host_label("caf\xC3\xA9 bar_baz.qux!") == "caf-barbazqux");
  CHECK(cf_host_label("trailing - ") == "trailing");
  CHECK(cf_host_label("a \x01 b") == "a--b");  // space runs are replaced before other chars go
  CHECK(cf_host_label("") == "");
  CHECK(cf_host_label(std::string(70, 'x')) == std::string(63, 'x'));
  // Cut after sanitising, so a cut label may end in '-' (as CF's does).
  CHECK(cf_host_label(std::string(62, 'x') + " y") == std::string(62, 'x') + "-");
}

TEST_CASE("Go's FormatFloat(v, 'g', -1, 64)") {
  auto go = [](double v) {
    std::string s;
    append_go_float(v, s);
    return s;
  };
  CHECK(go(0.23) == "0.23");
  CHECK(go(1234) == "1234");
  CHECK(go(1e6) == "1e+06");
  CHECK(go(123456789) == "1.23456789e+08");
  CHECK(go(123456) == "123456");
  CHECK(go(1234567) == "1.234567e+06");
  CHECK(go(0.0001) == "0.0001");
  CHECK(go(0.00001) == "1e-05");
  CHECK(go(0.000123) == "0.000123");
  CHECK(go(1.5) == "1.5");
  CHECK(go(-2.5) == "-2.5");
  CHECK(go(120) == "120");
  CHECK(go(100000) == "100000");
  CHECK(go(0.1 + 0.2) == "0.30000000000000004");
  CHECK(go(1e21) == "1e+21");
  CHECK(go(1e100) == "1e+100");
  CHECK(go(5e-324) == "5e-324");
  CHECK(go(1.7976931348623157e308) == "1.7976931348623157e+308");
  CHECK(go(0.0) == "0");
  CHECK(go(-0.0) == "-0");
  CHECK(go(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(go(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(go(-std::numeric_limits<double>::infinity()) == "-Inf");
}

TEST_CASE("pcf LogMessage frame") {
  FormatOptions o = pcf_options();
  o.extra_fields = {{"env", "test"}};
  const std::string msg = format_one(o, app_log("hello world"), billing_app());
  CHECK(msg ==
        "<14>1 2017-01-25T13:25:03.183770Z 10.0.0.5 vcap.rep 4242 LogMessage "
        "[instance@47450 director=\"bosh-1\" deployment=\"cf\" group=\"diego-cell\" az=\"z1\" id=\"0c3a\"] "
        "{\"cf_origin\":\"firehose\",\"event_type\":\"LogMessage\",\"origin\":\"rep\","
        "\"deployment\":\"cf\",\"ip\":\"10.0.0.5\",\"job\":\"diego-cell\",\"job_index\":\"0c3a\","
        "\"timestamp\":1485350702539694548,"
        "\"cf_app_id\":\"5d2e6f34-7c3b-4c1e-9a55-0d5f3b0e8a11\",\"cf_app_name\":\"billing\","
        "\"cf_space_id\":\"space-guid\",\"cf_space_name\":\"prod\",\"cf_org_id\":\"org-guid\","
        "\"cf_org_name\":\"acme\",\"message_type\":\"OUT\",\"source_type\":\"APP/PROC/WEB\","
        "\"source_instance\":\"0\",\"env\":\"test\",\"msg\":\"hello world\"}\n");
}

TEST_CASE("pcf ERR LogMessage without app names or log timestamp") {
  Envelope e = app_log("oops \"quoted\"\n");
  e.tag_count = 0;  // no az
  e.log.message_type = LogMessage::Type::Err;
  e.log.timestamp_ns = 0;  // the envelope's time is used
  const std::string msg = format_one(pcf_options(), e);
  CHECK(msg ==
        "<11>1 2017-01-25T13:25:03.183770Z 10.0.0.5 vcap.rep 4242 LogMessage " +
            std::string(kInstanceSd) +
            " {\"cf_origin\":\"firehose\",\"event_type\":\"LogMessage\",\"origin\":\"rep\","
            "\"deployment\":\"cf\",\"ip\":\"10.0.0.5\",\"job\":\"diego-cell\",\"job_index\":\"0c3a\","
            "\"timestamp\":1485350703183770000,"
            "\"cf_app_id\":\"5d2e6f34-7c3b-4c1e-9a55-0d5f3b0e8a11\","
            "\"message_type\":\"ERR\",\"source_type\":\"APP/PROC/WEB\",\"source_instance\":\"0\","
            "\"msg\":\"oops \\\"quoted\\\"\\n\"}\n");
}

TEST_CASE("pcf ValueMetric frame") {
  Envelope e = platform_envelope(EventType::ValueMetric);
  e.origin = "gorouter";
  e.timestamp_ns = 1000;
  e.job = "router";
  e.index = "1";
  e.ip = "10.0.0.6";
  e.value_metric.name = "latency";
  e.value_metric.value = 1.5;
  e.value_metric.unit = "ms";
  FormatOptions o = pcf_options();
  o.director = "";
  CHECK(format_one(o, e) ==
        "<13>1 1970-01-01T00:00:00.000001Z 10.0.0.6 vcap.gorouter 4242 ValueMetric "
        "[instance@47450 director=\"\" deployment=\"cf\" group=\"router\" az=\"\" id=\"1\"] "
        "{\"cf_origin\":\"firehose\",\"event_type\":\"ValueMetric\",\"origin\":\"gorouter\","
        "\"deployment\":\"cf\",\"ip\":\"10.0.0.6\",\"job\":\"router\",\"job_index\":\"1\","
        "\"timestamp\":1000,\"name\":\"latency\",\"value\":1.5,\"unit\":\"ms\"}\n");
}

TEST_CASE("pcf CounterEvent frame") {
  Envelope e = platform_envelope(EventType::CounterEvent);
  e.counter.name = "requests";
  e.counter.delta = 3;
  e.counter.total = 18446744073709551615ULL;
  CHECK(format_one(pcf_options(), e) ==
        "<13>1 2017-01-25T13:25:03.183770Z 10.0.0.5 vcap.rep 4242 CounterEvent " +
            std::string(kInstanceSd) +
            " {\"cf_origin\":\"firehose\",\"event_type\":\"CounterEvent\",\"origin\":\"rep\","
            "\"deployment\":\"cf\",\"ip\":\"10.0.0.5\",\"job\":\"diego-cell\",\"job_index\":\"0c3a\","
            "\"timestamp\":1485350703183770000,\"name\":\"requests\",\"delta\":3,"
            "\"total\":18446744073709551615}\n");
}

TEST_CASE("pcf ContainerMetric frame") {
  Envelope e = platform_envelope(EventType::ContainerMetric);
  e.container.application_id = std::string(kAppGuid);
  e.container.instance_index = 2;
  e.container.cpu_percentage = 0.5;
  e.container.memory_bytes = 1024;
  e.container.disk_bytes = 2048;
  e.container.memory_bytes_quota = 4096;
  e.container.disk_bytes_quota = 8192;
  CHECK(format_one(pcf_options(), e, billing_app()) ==
        "<13>1 2017-01-25T13:25:03.183770Z 10.0.0.5 vcap.rep 4242 ContainerMetric " +
            std::string(kInstanceSd) +
            " {\"cf_origin\":\"firehose\",\"event_type\":\"ContainerMetric\",\"origin\":\"rep\","
            "\"deployment\":\"cf\",\"ip\":\"10.0.0.5\",\"job\":\"diego-cell\",\"job_index\":\"0c3a\","
            "\"timestamp\":1485350703183770000,"
            "\"cf_app_id\":\"5d2e6f34-7c3b-4c1e-9a55-0d5f3b0e8a11\",\"cf_app_name\":\"billing\","
            "\"cf_space_id\":\"space-guid\",\"cf_space_name\":\"prod\",\"cf_org_id\":\"org-guid\","
            "\"cf_org_name\":\"acme\",\"instance_index\":2,\"cpu_percentage\":0.5,"
            "\"memory_bytes\":1024,\"disk_bytes\":2048,\"memory_bytes_quota\":4096,"
            "\"disk_bytes_quota\":8192}\n");
}

TEST_CASE("pcf HttpStartStop frame") {
  Envelope e = platform_envelope(EventType::HttpStartStop);
  e.origin = "gorouter";
  e.job = "router";
  HttpStartStop& h = e.http;
  h.start_timestamp_ns = 100000000;
  h.stop_timestamp_ns = 350999999;
  h.request_id = "f47ac10b-58cc-4372-a567-0e02b2c3d479";
  h.peer_type = HttpStartStop::PeerType::Client;
  h.method = 1;
  h.uri = "https://app.example.com/x";
  h.remote_address = "10.0.0.1:1234";
  h.user_agent = "curl";
  h.status_code = 200;
  h.content_length = 42;
  h.application_id = std::string(kAppGuid);
  h.instance_index = 1;
  h.instance_id = "abc";
  h.forwarded = {"1.2.3.4", "5.6.7.8", "stale"};
  h.forwarded_count = 2;  // the third entry is reused capacity
  CHECK(format_one(pcf_options(), e) ==
        "<13>1 2017-01-25T13:25:03.183770Z 10.0.0.5 vcap.gorouter 4242 HttpStartStop "
        "[instance@47450 director=\"bosh-1\" deployment=\"cf\" group=\"router\" az=\"\" id=\"0c3a\"] "
        "{\"cf_origin\":\"firehose\",\"event_type\":\"HttpStartStop\",\"origin\":\"gorouter\","
        "\"deployment\":\"cf\",\"ip\":\"10.0.0.5\",\"job\":\"router\",\"job_index\":\"0c3a\","
        "\"timestamp\":1485350703183770000,"
        "\"cf_app_id\":\"5d2e6f34-7c3b-4c1e-9a55-0d5f3b0e8a11\","
        "\"start_timestamp\":100000000,\"stop_timestamp\":350999999,\"duration_ms\":250,"
        "\"request_id\":\"f47ac10b-58cc-4372-a567-0e02b2c3d479\",\"peer_type\":\"Client\","
        "\"method\":\"GET\",\"uri\":\"https://app.example.com/x\","
        "\"remote_addr\":\"10.0.0.1:1234\",\"user_agent\":\"curl\",\"status_code\":200,"
        "\"content_length\":42,\"instance_index\":1,\"instance_id\":\"abc\","
        "\"forwarded\":[\"1.2.3.4\",\"5.6.7.8\"]}\n");
}

TEST_CASE("pcf Error frame") {
  Envelope e = platform_envelope(EventType::Error);
  e.origin = "doppler";
  e.error.source = "doppler";
  e.error.code = -7;
  e.error.message = "boom";
  CHECK(format_one(pcf_options(), e) ==
        "<11>1 2017-01-25T13:25:03.183770Z 10.0.0.5 vcap.doppler 4242 Error " +
            std::string(kInstanceSd) +
            " {\"cf_origin\":\"firehose\",\"event_type\":\"Error\",\"origin\":\"doppler\","
            "\"deployment\":\"cf\",\"ip\":\"10.0.0.5\",\"job\":\"diego-cell\",\"job_index\":\"0c3a\","
            "\"timestamp\":1485350703183770000,\"source\":\"doppler\",\"code\":-7,\"msg\":\"boom\"}\n");
}

TEST_CASE("pcf Event frame") {
  Envelope e = platform_envelope(EventType::Event);
  e.event.title = "deploy";
  e.event.body = "done";
  CHECK(format_one(pcf_options(), e) ==
        "<13>1 2017-01-25T13:25:03.183770Z 10.0.0.5 vcap.rep 4242 Event " +
            std::string(kInstanceSd) +
            " {\"cf_origin\":\"firehose\",\"event_type\":\"Event\",\"origin\":\"rep\","
            "\"deployment\":\"cf\",\"ip\":\"10.0.0.5\",\"job\":\"diego-cell\",\"job_index\":\"0c3a\","
            "\"timestamp\":1485350703183770000,\"title\":\"deploy\",\"body\":\"done\"}\n");
}

TEST_CASE("pcf header fields are sanitised and cut") {
  Envelope e = platform_envelope(EventType::Event);
  e.ip = std::string(300, 'h');
  e.origin = std::string(100, 'o');
  FormatOptions o = pcf_options();
  o.procid = 0;  // unknown: NILVALUE
  const std::string msg = format_one(o, e);
  const std::string expected_start = "<13>1 2017-01-25T13:25:03.183770Z " + std::string(255, 'h') +
                                     " vcap." + std::string(43, 'o') + " - Event [";
  CHECK(msg.substr(0, expected_start.size()) == expected_start);

  e.ip = "";
  e.origin = "r e\xC3\xA9p";
  CHECK(format_one(o, e).substr(0, 52) ==
        "<13>1 2017-01-25T13:25:03.183770Z - vcap.rep - Event");
}

TEST_CASE("pcf instance SD values are escaped and repaired") {
  Envelope e = platform_envelope(EventType::Event);
  e.deployment = "cf\"]\\";
  e.job = "bad\xFF";
  e.add_tag("az", "z]1");
  FormatOptions o = pcf_options();
  o.director = "dir\"";
  const std::string msg = format_one(o, e);
  CHECK(msg.find("[instance@47450 director=\"dir\\\"\" deployment=\"cf\\\"\\]\\\\\" "
                 "group=\"bad\xEF\xBF\xBD\" az=\"z\\]1\" id=\"0c3a\"] {") != std::string::npos);
}

TEST_CASE("pcf: a header longer than max_message_bytes drops the message and counts it") {
  Envelope e = platform_envelope(EventType::ValueMetric);
  e.ip = std::string(255, 'h');
  FormatOptions o = pcf_options();
  o.max_message_bytes = 200;
  FormattedMessages out;
  out.bytes = "keep";
  Formatter(o).format(e, {}, out);
  CHECK(out.size() == 0);
  CHECK(out.too_large == 1);
  CHECK(out.bytes == "keep");
}

TEST_CASE("messages are appended end to end with their spans") {
  FormattedMessages out;
  Formatter f(pcf_options());
  f.format(app_log("one"), {}, out);
  f.format(app_log("two"), {}, out);
  REQUIRE(out.size() == 2);
  CHECK(out.spans[0].offset == 0);
  CHECK(out.spans[1].offset == out.spans[0].length);
  CHECK(out.bytes.size() == out.spans[0].length + out.spans[1].length);
  CHECK(out.message(0).ends_with("\"msg\":\"one\"}\n"));
  CHECK(out.message(1).ends_with("\"msg\":\"two\"}\n"));
  CHECK_FALSE(out.spans[0].truncated);
  out.clear();
  CHECK(out.size() == 0);
  CHECK(out.bytes.empty());
}
