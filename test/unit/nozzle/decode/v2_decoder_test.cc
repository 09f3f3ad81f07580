// The v2 decoder on docs/WIRE.md's "v2 golden vector" (protobuf, turned into protojson by hand as
// "protojson encoding" describes), its verified "protojson sample", both key spellings, every
// number and bytes form, any whitespace; and a cross-check against protobuf's own JSON printer.
#include <doctest/doctest.h>

#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "loggregator/v2.pb.h"
#include "nozzle/decode/v2_decoder.h"
#include "unit/nozzle/decode/decode_hex.h"
#include "unit/nozzle/decode/v2_json_writer.h"

using nozzle::Envelope;
using nozzle::EventType;
using nozzle::V2Decoder;
using nozzle::test::JsonStyle;

namespace {

constexpr const char* kAppGuid = "5d2e6f34-7c3b-4c1e-9a55-0d5f3b0e8a11";

std::vector<Envelope> decode_all(V2Decoder& d, const std::string& json, std::size_t expect_invalid = 0) {
  const nozzle::V2BatchResult r = d.decode_batch(json);
  INFO(json);
  INFO((r.first_error ? r.first_error->to_string() : std::string("no error")));
  CHECK(r.invalid == expect_invalid);
  auto span = d.envelopes();
  CHECK(span.size() == r.envelopes);
  return {span.begin(), span.end()};
}

std::map<std::string, std::string> tags_of(const Envelope& e) {
  std::map<std::string, std::string> m;
  for (std::size_t i = 0; i < e.tag_count; ++i) m[e.tags[i].key] = e.tags[i].value;
  return m;
}

loggregator::v2::Envelope golden_v2() {
  loggregator::v2::Envelope e;
  REQUIRE(e.ParseFromString(nozzle::test::from_hex(
      "08d4c385fe81d3c1ce14122435643265366633342d376333622d346331652d396135352d30643566336230653861"
      "313122090a0568656c6c6f10014201304a1b0a0b736f757263655f74797065120c4150502f50524f432f574542")));
  return e;
}

void check_golden(const Envelope& e) {
  CHECK(e.type == EventType::LogMessage);
  CHECK(e.timestamp_ns == 1485350702539694548);
  CHECK(e.log.message == "hello");
  CHECK(e.log.message_type == nozzle::LogMessage::Type::Err);
  CHECK(e.log.timestamp_ns == 1485350702539694548);
  CHECK(e.log.app_id == kAppGuid);
  CHECK(e.log.source_type == "APP/PROC/WEB");
  CHECK(e.log.source_instance == "0");
  CHECK(e.origin.empty());
  CHECK(tags_of(e) == std::map<std::string, std::string>{{"source_id", kAppGuid}});
}

}  // namespace

TEST_CASE("v2 golden: the 3.5 wire vector, as protojson in every accepted spelling") {
  const loggregator::v2::Envelope v2 = golden_v2();
  REQUIRE(v2.has_log());
  V2Decoder d;
  const std::string snake = nozzle::test::batch_of(nozzle::test::to_protojson(v2));
  CHECK(snake ==
        R"({"batch":[{"timestamp":"1485350702539694548","source_id":"5d2e6f34-7c3b-4c1e-9a55-0d5f3b0e8a11",)"
        R"("instance_id":"0","deprecated_tags":{},"tags":{"source_type":"APP/PROC/WEB"},)"
        R"("log":{"payload":"aGVsbG8=","type":"ERR"}}]})");
  auto out = decode_all(d, snake);
  REQUIRE(out.size() == 1);
  check_golden(out[0]);

  JsonStyle st;
  st.camel = true;
  st.bare_int64 = true;
  st.raw_base64 = true;
  st.enum_numbers = true;
  st.space = " \n\t\r ";
  out = decode_all(d, nozzle::test::batch_of(nozzle::test::to_protojson(v2, st), st.space));
  REQUIRE(out.size() == 1);
  check_golden(out[0]);
}

TEST_CASE("v2 sample: the verified protojson sample of docs/WIRE.md") {
  const std::string json =
      R"({"batch":[{"timestamp":"1532030745755909241", "source_id":"app-guid", "instance_id":"0", "deprecated_tags":{}, "tags":{"source_type":"APP/PROC/WEB"}, "log":{"payload":"aGVsbG8K", "type":"ERR"}}, )"
      R"({"timestamp":"1", "source_id":"doppler", "instance_id":"", "deprecated_tags":{}, "tags":{}, "counter":{"name":"egress", "delta":"9", "total":"1462"}}, )"
      R"({"timestamp":"2", "source_id":"rep", "instance_id":"i-1", "deprecated_tags":{}, "tags":{}, "gauge":{"metrics":{"cpu":{"unit":"percentage", "value":0.5}}}}, )"
      R"({"timestamp":"3", "source_id":"gorouter", "instance_id":"", "deprecated_tags":{}, "tags":{}, "timer":{"name":"http", "start":"10", "stop":"20"}}, )"
      R"({"timestamp":"4", "source_id":"cc", "instance_id":"", "deprecated_tags":{}, "tags":{}, "event":{"title":"t", "body":"b"}}]})";
  V2Decoder d;
  const auto out = decode_all(d, json);
  REQUIRE(out.size() == 5);
  CHECK(out[0].type == EventType::LogMessage);
  CHECK(out[0].log.message == "hello\n");
  CHECK(out[0].log.message_type == nozzle::LogMessage::Type::Err);
  CHECK(out[0].timestamp_ns == 1532030745755909241);
  CHECK(out[1].type == EventType::CounterEvent);
  CHECK(out[1].counter.name == "egress");
  CHECK(out[1].counter.delta == 9);
  CHECK(out[1].counter.total == 1462);
  CHECK(tags_of(out[1]) == std::map<std::string, std::string>{{"source_id", "doppler"}});
  CHECK(out[2].type == EventType::ValueMetric);
  CHECK(out[2].value_metric.name == "cpu");
  CHECK(out[2].value_metric.unit == "percentage");
  CHECK(out[2].value_metric.value == 0.5);
  CHECK(out[2].tag("instance_id") == "i-1");
  CHECK(out[3].type == EventType::HttpStartStop);
  CHECK(out[3].http.start_timestamp_ns == 10);
  CHECK(out[3].http.stop_timestamp_ns == 20);
  CHECK(out[4].type == EventType::Event);
  CHECK(out[4].event.title == "t");
  CHECK(out[4].event.body == "b");
  CHECK(out[4].timestamp_ns == 4);
}

TEST_CASE("v2 spellings: numbers, doubles, base64 and enums in every accepted form") {
  V2Decoder d;
  auto one = [&](const std::string& envelope) {
    auto out = decode_all(d, R"({"batch":[)" + envelope + "]}");
    REQUIRE(out.size() == 1);
    return out[0];
  };
  CHECK(one(R"({"timestamp":12,"counter":{"delta":18446744073709551615,"total":"1e3"}})").counter.delta ==
        18446744073709551615ULL);
  CHECK(one(R"({"timestamp":"-5","counter":{"total":"1e3"}})").counter.total == 1000);
  CHECK(one(R"({"timestamp":-5,"counter":{}})").timestamp_ns == -5);
  CHECK(one(R"({"timestamp":"2.0","event":{}})").timestamp_ns == 2);
  CHECK(std::isnan(one(R"({"gauge":{"metrics":{"m":{"value":"NaN"}}}})").value_metric.value));
  CHECK(one(R"({"gauge":{"metrics":{"m":{"value":"Infinity"}}}})").value_metric.value == HUGE_VAL);
  CHECK(one(R"({"gauge":{"metrics":{"m":{"value":"-Infinity"}}}})").value_metric.value == -HUGE_VAL);
  CHECK(one(R"({"gauge":{"metrics":{"m":{"value":"0.25"}}}})").value_metric.value == 0.25);
  CHECK(one(R"({"gauge":{"metrics":{"m":{"value":1e-3}}}})").value_metric.value == 0.001);
  CHECK(one(R"({"gauge":{"metrics":{"m":{"value":0.1}}}})").value_metric.value == 0.1);  // exact parse
  CHECK(one(R"({"log":{"payload":"aGk="}})").log.message == "hi");
  CHECK(one(R"({"log":{"payload":"aGk"}})").log.message == "hi");
  CHECK(one(R"({"log":{"payload":"-_8="}})").log.message == "\xfb\xff");
  CHECK(one(R"({"log":{"payload":"+/8"}})").log.message == "\xfb\xff");
  CHECK(one(R"({"log":{"payload":""}})").log.message.empty());
  CHECK(one(R"({"log":{"payload":"aGk=","type":1}})").log.message_type == nozzle::LogMessage::Type::Err);
  CHECK(one(R"({"log":{"payload":"aGk=","type":0}})").log.message_type == nozzle::LogMessage::Type::Out);
  CHECK(one(R"({"log":{"type":"OUT"}})").log.message_type == nozzle::LogMessage::Type::Out);
  // null is "not set".
  CHECK(one(R"({"timestamp":null,"source_id":null,"tags":null,"log":{"payload":null}})").type == EventType::LogMessage);
  // lowerCamel keys.
  const Envelope camel = one(R"({"sourceId":"s","instanceId":"7","deprecatedTags":{"origin":{"text":"o"}},"counter":{}})");
  CHECK(camel.origin == "o");
  CHECK(camel.tag("source_id") == "s");
  CHECK(camel.tag("instance_id") == "7");
  // Unknown keys of every JSON type, at every level, are ignored.
  const Envelope unknown = one(
      R"({"x":{"a":[1,{"b":null}]},"y":[[]],"z":true,"log":{"w":{},"payload":"aGk=","v":[1]},)"
      R"("tags":{"k":"v"},"deprecated_tags":{"d":{"text":"t","q":[{}]}},"extra":"e"})");
  CHECK(unknown.log.message == "hi");
  CHECK(tags_of(unknown) == std::map<std::string, std::string>{{"k", "v"}, {"d", "t"}});
  // Escapes in strings are decoded; invalid UTF-8 in strings passes through untouched.
  CHECK(one(R"({"tags":{"k":"a\"b\\c\u00e9\ud83d\ude00"},"event":{}})").tag("k") == "a\"b\\c\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(one("{\"tags\":{\"k\":\"\xff\xfe\"},\"event\":{\"title\":\"\xc3\x28\"}}").event.title == "\xc3\x28");
  CHECK(one(R"({"log":{"payload":"//4="}})").log.message == "\xff\xfe");
}

TEST_CASE("v2 batches: empty batch, no batch key, whitespace around everything, decoder reuse") {
  V2Decoder d;
  CHECK(decode_all(d, R"({"batch":[]})").empty());
  CHECK(decode_all(d, "{}").empty());
  CHECK(decode_all(d, R"({"other":1,"batch":null})").empty());
  CHECK(decode_all(d, " \r\n\t{ \"batch\" :\n[ { \"event\" : { } } ]\n}\n\n").size() == 1);
  // A second batch replaces the first; gauges yield several envelopes.
  CHECK(decode_all(d, R"({"batch":[{"gauge":{"metrics":{"a":{"value":1},"b":{"value":2}}}},{"event":{}}]})").size() == 3);
  const auto out = decode_all(d, R"({"batch":[{"event":{"title":"x"}}]})");
  REQUIRE(out.size() == 1);
  CHECK(out[0].tag_count == 0);
  CHECK(out[0].event.title == "x");
}

TEST_CASE("v2 cross-check: protobuf's own JSON printer (both key spellings) and our writer agree") {
  std::mt19937_64 g(7);
  auto text = [&](int n) {
    std::string s(static_cast<std::size_t>(g() % static_cast<unsigned>(n)), ' ');
    for (char& c : s) c = static_cast<char>(0x20 + g() % 95);
    return s;
  };
  V2Decoder d;
  for (int round = 0; round < 400; ++round) {
    loggregator::v2::Envelope v2;
    v2.set_timestamp(static_cast<std::int64_t>(g()));
    v2.set_source_id(text(40));
    v2.set_instance_id(text(4));
    std::map<std::string, std::string> expect_tags;
    for (int i = 0, n = static_cast<int>(g() % 12); i < n; ++i) {
      const std::string k = "k" + text(10);
      (*v2.mutable_tags())[k] = expect_tags[k] = text(30);
    }
    (*v2.mutable_tags())["origin"] = "o" + text(5);
    (*v2.mutable_tags())["job"] = "j" + text(5);
    if (!v2.source_id().empty()) expect_tags["source_id"] = v2.source_id();
    const int kind = round % 3;
    if (kind == 0) {
      v2.mutable_log()->set_payload(text(300) + std::string(1, static_cast<char>(g())));
      v2.mutable_log()->set_type(g() % 2 ? loggregator::v2::Log::ERR : loggregator::v2::Log::OUT);
    } else if (kind == 1) {
      v2.mutable_counter()->set_name(text(20));
      v2.mutable_counter()->set_delta(g());
      v2.mutable_counter()->set_total(g());
      if (!v2.instance_id().empty()) expect_tags["instance_id"] = v2.instance_id();
    } else {
      v2.mutable_event()->set_title(text(20));
      v2.mutable_event()->set_body(text(200));
    }
    std::string pb_json;
    google::protobuf::util::JsonPrintOptions opts;
    opts.always_print_primitive_fields = true;
    opts.preserve_proto_field_names = round % 2 == 0;
    REQUIRE(google::protobuf::util::MessageToJsonString(v2, &pb_json, opts).ok());
    JsonStyle st;
    st.camel = round % 4 == 1;
    st.bare_int64 = round % 5 == 0;
    st.raw_base64 = round % 3 == 0;
    st.url_base64 = round % 7 == 0;
    st.space = round % 2 ? " " : "";
    for (const std::string& one : {pb_json, nozzle::test::to_protojson(v2, st)}) {
      const auto out = decode_all(d, nozzle::test::batch_of(one));
      REQUIRE(out.size() == 1);
      const Envelope& e = out[0];
      CHECK(e.timestamp_ns == v2.timestamp());
      CHECK(e.origin == v2.tags().at("origin"));
      CHECK(e.job == v2.tags().at("job"));
      CHECK(tags_of(e) == expect_tags);
      if (kind == 0) {
        CHECK(e.log.message == v2.log().payload());
        CHECK((e.log.message_type == nozzle::LogMessage::Type::Err) == (v2.log().type() == loggregator::v2::Log::ERR));
        CHECK(e.log.app_id == v2.source_id());
        CHECK(e.log.source_instance == v2.instance_id());
      } else if (kind == 1) {
        CHECK(e.counter.name == v2.counter().name());
        CHECK(e.counter.delta == v2.counter().delta());
        CHECK(e.counter.total == v2.counter().total());
      } else {
        CHECK(e.event.title == v2.event().title());
        CHECK(e.event.body == v2.event().body());
      }
    }
  }
}
