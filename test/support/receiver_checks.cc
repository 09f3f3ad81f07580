#include "support/receiver_checks.h"

#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <algorithm>

#include "support/sample_envelopes.h"

namespace nozzle::test {

std::string without_trailing_lf(const std::string& message) {
  REQUIRE_MESSAGE(message.ends_with('\n'), message);
  return message.substr(0, message.size() - 1);
}

void check_raw_in_order(const std::vector<std::string>& sent, const std::vector<ReceivedMessage>& got) {
  REQUIRE(got.size() == sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i].raw == without_trailing_lf(sent[i]));
  }
}

std::vector<ReceivedMessage> in_sent_order(const std::vector<std::string>& sent, std::vector<ReceivedMessage> got) {
  REQUIRE(got.size() == sent.size());
  std::vector<ReceivedMessage> ordered;
  for (const std::string& message : sent) {
    const std::string raw = without_trailing_lf(message);
    const auto match = std::find_if(got.begin(), got.end(), [&](const ReceivedMessage& m) { return m.raw == raw; });
    REQUIRE_MESSAGE(match != got.end(), "not received: " << raw);
    ordered.push_back(std::move(*match));
    got.erase(match);
  }
  return ordered;
}

void check_pcf_fields(const std::vector<Envelope>& envelopes, const std::vector<ReceivedMessage>& got,
                      std::string_view timestamp) {
  REQUIRE(got.size() == envelopes.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    const PcfExpectation want = pcf_expectation(envelopes[i]);
    const ReceivedMessage& m = got[i];
    CHECK(m.pri == want.pri);
    CHECK(m.timestamp == timestamp);
    CHECK(m.hostname == want.hostname);
    CHECK(m.app_name == want.app_name);
    CHECK(m.procid == std::to_string(kSampleProcid));
    CHECK(m.msgid == want.msgid);
    CHECK(m.param("instance@47450", "director") == kDirector);
    CHECK(m.param("instance@47450", "deployment") == want.deployment);
    CHECK(m.param("instance@47450", "group") == want.group);
    CHECK(m.param("instance@47450", "az") == want.az);
    CHECK(m.param("instance@47450", "id") == want.id);

    rapidjson::Document body;
    body.Parse(m.msg.c_str(), m.msg.size());
    REQUIRE_MESSAGE(!body.HasParseError(), m.msg);
    CHECK(json_string(body, "event_type") == want.msgid);
    CHECK(json_string(body, "origin") == envelopes[i].origin);
    if (envelopes[i].type == EventType::LogMessage) CHECK(json_string(body, "msg") == envelopes[i].log.message);
  }
}

void check_cf_log_fields(const std::vector<Envelope>& logs, const std::vector<ReceivedMessage>& got,
                         std::string_view nil) {
  REQUIRE(got.size() == logs.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    const LogMessage& log = logs[i].log;
    const ReceivedMessage& m = got[i];
    CHECK(m.pri == (log.message_type == LogMessage::Type::Err ? "11" : "14"));
    CHECK(m.timestamp == "2024-05-01T12:34:56.123456+00:00");
    CHECK(m.hostname == "acme.prod.billing-api");
    CHECK(m.app_name == kAppId);
    CHECK(m.procid == "[" + log.source_type + "/" + log.source_instance + "]");
    CHECK(m.msgid == nil);
    for (std::size_t t = 0; t < logs[i].tag_count; ++t) {
      const Tag& tag = logs[i].tags[t];
      CHECK(m.param("tags@47450", tag.key) == tag.value);
    }
    CHECK(m.param("tags@47450", "source_type") == log.source_type);
    CHECK(m.msg == log.message);
  }
}

std::int64_t pcf_seq(std::string_view msg) {
  const auto brace = msg.find('{');
  if (brace == std::string_view::npos) return -1;
  rapidjson::Document body;
  body.Parse(msg.data() + brace, msg.size() - brace);
  if (body.HasParseError() || !body.IsObject() || !body.HasMember("event_type")) return -1;
  const std::string type = body["event_type"].GetString();
  if (type == "LogMessage" || type == "Error") {
    const std::string text = body["msg"].GetString();
    return text.rfind("seq=", 0) == 0 ? std::stoll(text.substr(4)) : -1;
  }
  if (type == "ValueMetric") return static_cast<std::int64_t>(body["value"].GetDouble());
  if (type == "CounterEvent") return body["total"].GetInt64();
  if (type == "ContainerMetric") return body["memory_bytes"].GetInt64();
  if (type == "HttpStartStop") return body["content_length"].GetInt64();
  return -1;
}

}  // namespace nozzle::test
