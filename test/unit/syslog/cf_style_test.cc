// The cf style: what CF's own app syslog drains write (docs/WIRE.md, "CF app drain format").
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "syslog/framing.h"
#include "syslog/rfc5424.h"
#include "unit/syslog/envelopes.h"

using namespace nozzle;
using namespace nozzle::syslog;
using namespace nozzle::syslog::testing;

namespace {

constexpr std::int64_t kCfTs = 12345000;  // 1970-01-01T00:00:00.012345+00:00

FormatOptions cf_options() {
  FormatOptions o;
  o.style = Style::Cf;
  return o;
}

// The envelope of loggregator-agent-release's rfc5424_test.go, in v1 form.
Envelope task_log() {
  Envelope e;
  e.type = EventType::LogMessage;
  e.origin = "rep";
  e.timestamp_ns = kCfTs;
  e.ip = "test-hostname";
  e.log.message = "just a test";
  e.log.message_type = LogMessage::Type::Out;
  e.log.app_id = "test-app-id";
  e.log.source_type = "MY TASK";
  e.log.source_instance = "2";
  return e;
}

Envelope metric(EventType type) {
  Envelope e;
  e.type = type;
  e.origin = "test-app-id";  // no app guid on these: APP-NAME falls back to the origin
  e.timestamp_ns = kCfTs;
  e.ip = "test-hostname";
  e.index = "1";
  return e;
}

std::vector<std::string> format_all(const FormatOptions& o, const Envelope& e,
                                    const AppInfo& app = {}) {
  FormattedMessages out;
  Formatter(o).format(e, app, out);
  std::vector<std::string> v;
  for (std::size_t i = 0; i < out.size(); ++i) v.emplace_back(out.message(i));
  return v;
}

}  // namespace

TEST_CASE("CF examples, byte for byte") {
  const FormatOptions o = cf_options();
  SUBCASE("log") {
    CHECK(format_one(o, task_log()) ==
          "<14>1 1970-01-01T00:00:00.012345+00:00 test-hostname test-app-id [MY-TASK/2] - "
          "[tags@47450 source_type=\"MY TASK\"] just a test\n");
  }
  SUBCASE("ERR log with name tags") {
    Envelope e = task_log();
    e.log.message_type = LogMessage::Type::Err;
    e.add_tag("app_name", "some-app");
    e.add_tag("organization_name", "some-org");
    e.add_tag("space_name", "some-space");
    CHECK(format_one(o, e) ==
          "<11>1 1970-01-01T00:00:00.012345+00:00 some-org.some-space.some-app test-app-id "
          "[MY-TASK/2] - [tags@47450 app_name=\"some-app\" organization_name=\"some-org\" "
          "source_type=\"MY TASK\" space_name=\"some-space\"] just a test\n");
  }
  SUBCASE("gauge") {
    Envelope e = metric(EventType::ValueMetric);
    e.value_metric.name = "cpu";
    e.value_metric.value = 0.23;
    e.value_metric.unit = "percentage";
    CHECK(format_one(o, e) ==
          "<14>1 1970-01-01T00:00:00.012345+00:00 test-hostname test-app-id [1] - "
          "[gauge@47450 name=\"cpu\" value=\"0.23\" unit=\"percentage\"] \n");
  }
  SUBCASE("counter with a tag") {
    Envelope e = metric(EventType::CounterEvent);
    e.counter.name = "some-counter";
    e.counter.total = 99;
    e.counter.delta = 1;
    e.add_tag("metric-tag", "scallop");
    CHECK(format_one(o, e) ==
          "<14>1 1970-01-01T00:00:00.012345+00:00 test-hostname test-app-id [1] - "
          "[counter@47450 name=\"some-counter\" total=\"99\" delta=\"1\"]"
          "[tags@47450 metric-tag=\"scallop\"] \n");
  }
  SUBCASE("escaping") {
    Envelope e = task_log();
    e.add_tag("log-tag", "\"]\\");
    CHECK(format_one(o, e) ==
          "<14>1 1970-01-01T00:00:00.012345+00:00 test-hostname test-app-id [MY-TASK/2] - "
          "[tags@47450 log-tag=\"\\\"\\]\\\\\" source_type=\"MY TASK\"] just a test\n");
  }
  SUBCASE("on a stream: octet counted, the LF counted") {
    std::string frame;
    append_frame(Framing::OctetCounting, format_one(o, task_log()), frame);
    CHECK(frame ==
          "126 <14>1 1970-01-01T00:00:00.012345+00:00 test-hostname test-app-id [MY-TASK/2] - "
          "[tags@47450 source_type=\"MY TASK\"] just a test\n");
  }
}

TEST_CASE("cf ContainerMetric: one gauge message per metric, in v1->v2 order") {
  Envelope e = metric(EventType::ContainerMetric);
  e.origin = "rep";
  e.container.application_id = "test-app-id";
  e.container.instance_index = 3;
  e.container.cpu_percentage = 12.5;
  e.container.memory_bytes = 1073741824;
  e.container.disk_bytes = 0;
  e.container.memory_bytes_quota = 2147483648;
  e.container.disk_bytes_quota = 100000;
  const std::string head = "<14>1 1970-01-01T00:00:00.012345+00:00 test-hostname test-app-id [3] - ";
  CHECK(format_all(cf_options(), e) ==
        std::vector<std::string>{
            head + "[gauge@47450 name=\"cpu\" value=\"12.5\" unit=\"percentage\"] \n",
            head + "[gauge@47450 name=\"memory\" value=\"1.073741824e+09\" unit=\"bytes\"] \n",
            head + "[gauge@47450 name=\"disk\" value=\"0\" unit=\"bytes\"] \n",
            head + "[gauge@47450 name=\"memory_quota\" value=\"2.147483648e+09\" unit=\"bytes\"] \n",
            head + "[gauge@47450 name=\"disk_quota\" value=\"100000\" unit=\"bytes\"] \n",
        });
}

TEST_CASE("cf HttpStartStop: a timer, the request's details as sorted tags") {
  Envelope e = metric(EventType::HttpStartStop);
  e.origin = "gorouter";
  HttpStartStop& h = e.http;
  h.start_timestamp_ns = 100;
  h.stop_timestamp_ns = 200;
  h.request_id = "f47ac10b-58cc-4372-a567-0e02b2c3d479";
  h.peer_type = HttpStartStop::PeerType::Server;
  h.method = 2;
  h.uri = "https://app.example.com/x?a=\"b\"";
  h.remote_address = "10.0.0.1:1234";
  h.user_agent = "curl";
  h.status_code = 201;
  h.content_length = 42;
  h.application_id = "test-app-id";
  h.instance_index = 4;
  h.instance_id = "abc";
  h.forwarded = {"1.2.3.4", "5.6.7.8"};
  h.forwarded_count = 2;
  e.add_tag("uri", "from-tag");  // an envelope tag wins over the derived one
  CHECK(format_one(cf_options(), e) ==
        "<14>1 1970-01-01T00:00:00.012345+00:00 test-hostname test-app-id [4] - "
        "[timer@47450 name=\"http\" start=\"100\" stop=\"200\"]"
        "[tags@47450 content_length=\"42\" forwarded=\"1.2.3.4\n5.6.7.8\" method=\"POST\" "
        "peer_type=\"Server\" remote_address=\"10.0.0.1:1234\" "
        "request_id=\"f47ac10b-58cc-4372-a567-0e02b2c3d479\" routing_instance_id=\"abc\" "
        "status_code=\"201\" uri=\"from-tag\" user_agent=\"curl\"] \n");
}

TEST_CASE("cf Error: a log at PRI 11 tagged with its source and code") {
  Envelope e = metric(EventType::Error);
  e.origin = "doppler";
  e.index = "0c3a";
  e.error.source = "doppler";
  e.error.code = 42;
  e.error.message = "boom";
  e.add_tag("deployment-tag", "x");
  CHECK(format_one(cf_options(), e) ==
        "<11>1 1970-01-01T00:00:00.012345+00:00 test-hostname doppler [0c3a] - "
        "[tags@47450 deployment-tag=\"x\" error_code=\"42\" error_source=\"doppler\"] boom\n");
}

TEST_CASE("cf Event") {
  Envelope e = metric(EventType::Event);
  e.event.title = "deploy";
  e.event.body = "done \"ok\"";
  CHECK(format_one(cf_options(), e) ==
        "<14>1 1970-01-01T00:00:00.012345+00:00 test-hostname test-app-id [1] - "
        "[event@47450 title=\"deploy\" body=\"done \\\"ok\\\"\"] \n");
}

TEST_CASE("cf hostname: app info names, then name tags, then ip, then '-'") {
  const FormatOptions o = cf_options();
  Envelope e = task_log();
  AppInfo app;
  app.org_name = "My Org";
  app.space_name = "dev_space";
  app.app_name = "web app!";
  CHECK(format_one(o, e, app).starts_with("<14>1 1970-01-01T00:00:00.012345+00:00 My-Org.devspace.web-app "));
  e.add_tag("organization_name", "tag-org");
  AppInfo only_app;
  only_app.app_name = "web";
  // Per label: the cache's name when known, else the tag's; missing ones stay empty.
  CHECK(format_one(o, e, only_app).starts_with("<14>1 1970-01-01T00:00:00.012345+00:00 tag-org..web "));
  e.tag_count = 0;
  e.ip = "";
  CHECK(format_one(o, e).starts_with("<14>1 1970-01-01T00:00:00.012345+00:00 - test-app-id "));
}

TEST_CASE("cf APP-NAME: source_id tag, then app guid, then origin, cut to 48") {
  const FormatOptions o = cf_options();
  Envelope e = task_log();
  e.add_tag("source_id", "sid");
  CHECK(format_one(o, e).find(" test-hostname sid [MY-TASK/2] - ") != std::string::npos);
  e.tag_count = 0;
  e.log.app_id = "";
  CHECK(format_one(o, e).find(" test-hostname rep [MY-TASK/2] - ") != std::string::npos);
  e.log.app_id = std::string(60, 'g');
  CHECK(format_one(o, e).find(" test-hostname " + std::string(48, 'g') + " [MY-TASK/2] - ") !=
        std::string::npos);
}

TEST_CASE("cf log PROCID") {
  const FormatOptions o = cf_options();
  auto procid = [&](std::string_view type, std::string_view instance) {
    Envelope e = task_log();
    e.log.source_type = std::string(type);
    e.log.source_instance = std::string(instance);
    const std::string m = format_one(o, e);
    const std::string head = "<14>1 1970-01-01T00:00:00.012345+00:00 test-hostname test-app-id ";
    REQUIRE(m.starts_with(head));
    const auto end = m.find(" - ", head.size());
    REQUIRE(end != std::string::npos);
    return m.substr(head.size(), end - head.size());
  };
  CHECK(procid("APP/PROC/WEB", "0") == "[APP/PROC/WEB/0]");
  CHECK(procid("rtr", "1") == "[RTR/1]");
  CHECK(procid("STG", "") == "[STG]");
  CHECK(procid("app\tproc w\xC3\xA9" "b", "1\x01") == "[APP-PROC-WB/1]");
  CHECK(procid("", "") == "[]");
  // 128 at most: without an instance the type is cut to 126.
  CHECK(procid(std::string(200, 'a'), "") == "[" + std::string(126, 'A') + "]");
  // With one, the instance is first cut to 36, then the type to what is left.
  CHECK(procid(std::string(200, 'a'), "0") == "[" + std::string(124, 'A') + "/0]");
  CHECK(procid("T", std::string(200, 'i')) == "[T/" + std::string(36, 'i') + "]");
  CHECK(procid(std::string(100, 't'), std::string(100, 'i')) ==
        "[" + std::string(89, 'T') + "/" + std::string(36, 'i') + "]");
  CHECK(procid(std::string(80, 't'), std::string(45, 'i')) ==
        "[" + std::string(80, 'T') + "/" + std::string(45, 'i') + "]");  // 128 exactly: kept
  CHECK(procid(std::string(81, 't'), std::string(45, 'i')) ==
        "[" + std::string(81, 'T') + "/" + std::string(36, 'i') + "]");
}

TEST_CASE("cf tags: sorted, source_type from the tag when present, bad SD-NAMEs skipped") {
  const FormatOptions o = cf_options();
  Envelope e = task_log();
  e.add_tag("zeta", "z");
  e.add_tag("source_type", "FROM-TAG");
  e.add_tag("alpha", "a");
  e.add_tag(std::string(32, 'k'), "32");
  e.add_tag(std::string(33, 'k'), "33");
  e.add_tag("bad key", "x");
  e.add_tag("bad=key", "x");
  e.add_tag("bad]key", "x");
  e.add_tag("caf\xC3\xA9", "x");
  e.add_tag("bad-value", "\xFF");
  const std::string m = format_one(o, e);
  CHECK(m.find("- [tags@47450 alpha=\"a\" bad-value=\"\xEF\xBF\xBD\" " + std::string(32, 'k') +
               "=\"32\" source_type=\"FROM-TAG\" zeta=\"z\"] just a test\n") != std::string::npos);
  // The PROCID still comes from the log's own source type.
  CHECK(m.find(" [MY-TASK/2] - ") != std::string::npos);
}

TEST_CASE("cf log without tags has NILVALUE structured data") {
  Envelope e = task_log();
  e.log.source_type = "";
  e.log.source_instance = "";
  CHECK(format_one(cf_options(), e) ==
        "<14>1 1970-01-01T00:00:00.012345+00:00 test-hostname test-app-id [] - - just a test\n");
}

TEST_CASE("cf MSG: NUL removed, UTF-8 repaired, LF appended only when missing") {
  const FormatOptions o = cf_options();
  Envelope e = task_log();
  e.log.message = std::string("a\0b\xFF" "c\n", 6);
  CHECK(format_one(o, e).ends_with("] ab\xEF\xBF\xBD" "c\n"));
  e.log.message = "two\nlines";
  CHECK(format_one(o, e).ends_with("] two\nlines\n"));
  e.log.message = "";
  CHECK(format_one(o, e).ends_with("\"MY TASK\"] \n"));
  e.log.message = std::string(20, '\0');
  CHECK(format_one(o, e).ends_with("\"MY TASK\"] \n"));
}

TEST_CASE("cf MSG is cut on a character boundary to fit, LF kept") {
  Envelope e = task_log();
  const std::string head =
      "<14>1 1970-01-01T00:00:00.012345+00:00 test-hostname test-app-id [MY-TASK/2] - "
      "[tags@47450 source_type=\"MY TASK\"] ";
  std::string payload;
  for (int i = 0; i < 50; ++i) payload += "x\xE2\x82\xAC\xF0\x9F\x98\x80";  // 8 bytes per round
  e.log.message = payload;
  FormatOptions o = cf_options();
  bool dropped_small = false;
  for (std::size_t max = head.size() - 2; max <= head.size() + payload.size() + 3; ++max) {
    o.max_message_bytes = max;
    FormattedMessages out;
    Formatter(o).format(e, {}, out);
    INFO("max=" << max);
    if (max < head.size() + 1) {
      CHECK(out.size() == 0);
      CHECK(out.too_large == 1);
      dropped_small = true;
      continue;
    }
    REQUIRE(out.size() == 1);
    const std::string_view m = out.message(0);
    CHECK(m.size() <= max);
    CHECK(m.starts_with(head));
    CHECK(m.ends_with("\n"));
    const std::string_view kept = m.substr(head.size(), m.size() - head.size() - 1);
    CHECK(payload.compare(0, kept.size(), kept) == 0);
    CHECK((static_cast<unsigned char>(payload[kept.size()]) & 0xC0) != 0x80);
    CHECK(out.spans[0].truncated == (kept.size() < payload.size()));
    if (out.spans[0].truncated) CHECK(m.size() + 4 > max);
  }
  CHECK(dropped_small);
}

TEST_CASE("cf MSG cut just after a line break keeps a single LF") {
  Envelope e = task_log();
  const std::string head =
      "<14>1 1970-01-01T00:00:00.012345+00:00 test-hostname test-app-id [MY-TASK/2] - "
      "[tags@47450 source_type=\"MY TASK\"] ";
  e.log.message = "line one\n" + std::string(100, 'x');
  FormatOptions o = cf_options();
  o.max_message_bytes = head.size() + 10;  // "line one\nx" fits, but not with an LF after it
  FormattedMessages out;
  Formatter(o).format(e, {}, out);
  REQUIRE(out.size() == 1);
  CHECK(out.message(0) == head + "line one\n");
  CHECK(out.spans[0].truncated);
}

TEST_CASE("cf metrics too large are dropped and counted") {
  Envelope e = metric(EventType::ValueMetric);
  e.value_metric.name = std::string(600, 'n');
  FormatOptions o = cf_options();
  o.max_message_bytes = 480;
  FormattedMessages out;
  Formatter(o).format(e, {}, out);
  CHECK(out.size() == 0);
  CHECK(out.too_large == 1);
  CHECK(out.bytes.empty());
}
