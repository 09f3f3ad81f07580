// The golden wire vectors of docs/WIRE.md ("v1 golden vectors", "v2 golden vector"; made with
// protoc from the real dropsonde and loggregator .proto files) pin our own .proto files to the wire
// format.
#include <doctest/doctest.h>

#include <string>

#include "dropsonde/envelope.pb.h"
#include "loggregator/v2.pb.h"

namespace {

std::string hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// Serializes deterministically, so that map entries and fields come out in a fixed order.
template <class Message>
std::string encode(const Message& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream sos(&out);
    google::protobuf::io::CodedOutputStream cos(&sos);
    cos.SetSerializationDeterministic(true);
    REQUIRE(m.SerializeToCodedStream(&cos));
  }
  return out;
}

constexpr const char* kAppGuid = "5d2e6f34-7c3b-4c1e-9a55-0d5f3b0e8a11";
constexpr std::int64_t kTs = 1485350702539694548;

void set_uuid(events::UUID* u) {
  u->set_low(0x7243cc580bc17af4ULL);
  u->set_high(0x79d4c3b2020e67a5ULL);
}

}  // namespace

TEST_CASE("dropsonde UUID golden vector") {
  events::UUID u;
  set_uuid(&u);
  CHECK(hex(encode(u)) == "08f4f585de808bf3a17210a5cfb990a0f6b0ea79");
}

TEST_CASE("dropsonde LogMessage envelope golden vector") {
  events::Envelope e;
  e.set_origin("rep");
  e.set_eventtype(events::Envelope::LogMessage);
  e.set_timestamp(kTs);
  auto* log = e.mutable_logmessage();
  log->set_message("hello");
  log->set_message_type(events::LogMessage::OUT);
  log->set_timestamp(kTs);
  log->set_app_id(kAppGuid);
  log->set_source_type("APP/PROC/WEB");
  log->set_source_instance("0");
  e.set_deployment("cf");
  e.set_job("diego-cell");
  e.set_index("0c3a");
  e.set_ip("10.0.0.5");
  (*e.mutable_tags())["source_id"] = kAppGuid;
  CHECK(hex(encode(e)) ==
        "0a03726570100530d4c385fe81d3c1ce14424a0a0568656c6c6f100118d4c385fe81d3c1ce1422243564326536"
        "6633342d376333622d346331652d396135352d3064356633623065386131312a0c4150502f50524f432f574542"
        "3201306a026366720a646965676f2d63656c6c7a043063336182010831302e302e302e358a01310a09736f7572"
        "63655f6964122435643265366633342d376333622d346331652d396135352d306435663362306538613131");
}

TEST_CASE("dropsonde ValueMetric, CounterEvent and ContainerMetric golden vectors") {
  events::Envelope v;
  v.set_origin("x");
  v.set_eventtype(events::Envelope::ValueMetric);
  v.mutable_valuemetric()->set_name("m");
  v.mutable_valuemetric()->set_value(1.5);
  v.mutable_valuemetric()->set_unit("ms");
  CHECK(hex(encode(v)) == "0a017810064a100a016d11000000000000f83f1a026d73");

  events::Envelope c;
  c.set_origin("x");
  c.set_eventtype(events::Envelope::CounterEvent);
  c.mutable_counterevent()->set_name("c");
  c.mutable_counterevent()->set_delta(3);
  c.mutable_counterevent()->set_total(10);
  CHECK(hex(encode(c)) == "0a0178100752070a01631003180a");

  events::Envelope m;
  m.set_origin("rep");
  m.set_eventtype(events::Envelope::ContainerMetric);
  auto* cm = m.mutable_containermetric();
  cm->set_applicationid("a");
  cm->set_instanceindex(0);
  cm->set_cpupercentage(0.5);
  cm->set_memorybytes(1024);
  cm->set_diskbytes(2048);
  cm->set_memorybytesquota(4096);
  cm->set_diskbytesquota(8192);
  CHECK(hex(encode(m)) == "0a037265701009621a0a0161100019000000000000e03f208008288010308020388040");
}

TEST_CASE("dropsonde HttpStartStop envelope golden vector") {
  events::Envelope e;
  e.set_origin("gorouter");
  e.set_eventtype(events::Envelope::HttpStartStop);
  e.set_timestamp(1000);
  auto* h = e.mutable_httpstartstop();
  h->set_starttimestamp(100);
  h->set_stoptimestamp(200);
  set_uuid(h->mutable_requestid());
  h->set_peertype(events::Client);
  h->set_method(events::GET);
  h->set_uri("https://app.example.com/x");
  h->set_remoteaddress("10.0.0.1:1234");
  h->set_useragent("curl");
  h->set_statuscode(200);
  h->set_contentlength(42);
  set_uuid(h->mutable_applicationid());
  h->set_instanceindex(1);
  h->set_instanceid("abc");
  h->add_forwarded("1.2.3.4");
  h->add_forwarded("5.6.7.8");
  CHECK(hex(encode(e)) ==
        "0a08676f726f75746572100430e8073a8301086410c8011a1408f4f585de808bf3a17210a5cfb990a0f6b0ea79"
        "20012801321968747470733a2f2f6170702e6578616d706c652e636f6d2f783a0d31302e302e302e313a3132"
        "333442046375726c48c801502a621408f4f585de808bf3a17210a5cfb990a0f6b0ea7968017203616263"
        "7a07312e322e332e347a07352e362e372e38");
}

TEST_CASE("loggregator v2 log envelope golden vector") {
  loggregator::v2::Envelope e;
  e.set_timestamp(kTs);
  e.set_source_id(kAppGuid);
  e.set_instance_id("0");
  (*e.mutable_tags())["source_type"] = "APP/PROC/WEB";
  e.mutable_log()->set_payload("hello");
  e.mutable_log()->set_type(loggregator::v2::Log::ERR);
  CHECK(hex(encode(e)) ==
        "08d4c385fe81d3c1ce14122435643265366633342d376333622d346331652d396135352d30643566336230653861"
        "313122090a0568656c6c6f10014201304a1b0a0b736f757263655f74797065120c4150502f50524f432f574542");
}
