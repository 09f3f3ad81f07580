// Cross-check: random envelopes built and serialized by the generated protobuf classes decode,
// through our hand-written decoder, to the same fields. Also in shuffled field order and with
// unknown fields of every wire type mixed in.
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "dropsonde/envelope.pb.h"
#include "nozzle/decode/v1_decoder.h"

namespace {

using nozzle::Envelope;

struct Rng {
  std::mt19937_64 g{20240611};
  std::uint64_t u64() { return g(); }
  int range(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(g); }
  bool coin() { return (g() & 1) != 0; }
  std::uint64_t any_varint_value() {
    // Mix small and huge values so every varint length appears.
    return u64() >> range(0, 63);
  }
  std::string text(int max_len) {
    std::string s(static_cast<std::size_t>(range(0, max_len)), ' ');
    for (char& c : s) c = static_cast<char>(range(0x20, 0x7e));
    return s;
  }
  std::string bytes(int max_len) {
    std::string s(static_cast<std::size_t>(range(0, max_len)), '\0');
    for (char& c : s) c = static_cast<char>(range(0, 255));
    return s;
  }
  double dbl() { return std::bit_cast<double>(u64()); }
};

void random_uuid(Rng& r, events::UUID* u) {
  u->set_low(r.u64());
  u->set_high(r.u64());
}

std::string uuid_text(const events::UUID& u) {
  unsigned char b[16];
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<unsigned char>(u.low() >> (8 * i));
    b[8 + i] = static_cast<unsigned char>(u.high() >> (8 * i));
  }
  char out[40];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

events::Envelope random_envelope(Rng& r, int type) {
  events::Envelope e;
  e.set_origin(r.text(20));
  e.set_eventtype(static_cast<events::Envelope::EventType>(type));
  if (r.coin()) e.set_timestamp(static_cast<std::int64_t>(r.any_varint_value()));
  if (r.coin()) e.set_deployment(r.text(30));
  if (r.coin()) e.set_job(r.text(30));
  if (r.coin()) e.set_index(r.text(36));
  if (r.coin()) e.set_ip(r.text(15));
  const int tags = r.range(0, 20);
  for (int i = 0; i < tags; ++i) (*e.mutable_tags())[r.text(12)] = r.text(40);
  switch (type) {
    case events::Envelope::LogMessage: {
      auto* m = e.mutable_logmessage();
      m->set_message(r.bytes(600));
      m->set_message_type(r.coin() ? events::LogMessage::OUT : events::LogMessage::ERR);
      m->set_timestamp(static_cast<std::int64_t>(r.any_varint_value()));
      if (r.coin()) m->set_app_id(r.text(36));
      if (r.coin()) m->set_source_type(r.text(20));
      if (r.coin()) m->set_source_instance(r.text(3));
      break;
    }
    case events::Envelope::ValueMetric: {
      auto* m = e.mutable_valuemetric();
      m->set_name(r.text(40));
      m->set_value(r.dbl());
      m->set_unit(r.text(10));
      break;
    }
    case events::Envelope::CounterEvent: {
      auto* m = e.mutable_counterevent();
      m->set_name(r.text(40));
      m->set_delta(r.any_varint_value());
      if (r.coin()) m->set_total(r.any_varint_value());
      break;
    }
    case events::Envelope::ContainerMetric: {
      auto* m = e.mutable_containermetric();
      m->set_applicationid(r.text(36));
      m->set_instanceindex(static_cast<std::int32_t>(r.u64()));
      m->set_cpupercentage(r.dbl());
      m->set_memorybytes(r.any_varint_value());
      m->set_diskbytes(r.any_varint_value());
      if (r.coin()) m->set_memorybytesquota(r.any_varint_value());
      if (r.coin()) m->set_diskbytesquota(r.any_varint_value());
      break;
    }
    case events::Envelope::HttpStartStop: {
      auto* m = e.mutable_httpstartstop();
      m->set_starttimestamp(static_cast<std::int64_t>(r.any_varint_value()));
      m->set_stoptimestamp(static_cast<std::int64_t>(r.any_varint_value()));
      random_uuid(r, m->mutable_requestid());
      m->set_peertype(r.coin() ? events::Client : events::Server);
      m->set_method(static_cast<events::Method>(r.range(1, 44)));
      m->set_uri(r.text(80));
      m->set_remoteaddress(r.text(21));
      m->set_useragent(r.text(60));
      m->set_statuscode(static_cast<std::int32_t>(r.u64()));
      m->set_contentlength(static_cast<std::int64_t>(r.any_varint_value()));
      if (r.coin()) random_uuid(r, m->mutable_applicationid());
      if (r.coin()) m->set_instanceindex(static_cast<std::int32_t>(r.u64()));
      if (r.coin()) m->set_instanceid(r.text(36));
      const int forwarded = r.range(0, 4);
      for (int i = 0; i < forwarded; ++i) m->add_forwarded(r.text(15));
      break;
    }
    case events::Envelope::Error: {
      auto* m = e.mutable_error();
      m->set_source(r.text(20));
      m->set_code(static_cast<std::int32_t>(r.u64()));
      m->set_message(r.text(100));
      break;
    }
  }
  return e;
}

bool same_double(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

void check_same(const events::Envelope& p, const Envelope& e) {
  CHECK(e.origin == p.origin());
  CHECK(static_cast<int>(e.type) == static_cast<int>(p.eventtype()));
  CHECK(e.timestamp_ns == p.timestamp());
  CHECK(e.deployment == p.deployment());
  CHECK(e.job == p.job());
  CHECK(e.index == p.index());
  CHECK(e.ip == p.ip());
  std::map<std::string, std::string> tags;
  for (std::size_t i = 0; i < e.tag_count; ++i) tags[e.tags[i].key] = e.tags[i].value;
  CHECK(tags.size() == e.tag_count);  // no duplicate keys
  CHECK(tags == std::map<std::string, std::string>(p.tags().begin(), p.tags().end()));
  if (p.has_logmessage()) {
    const auto& m = p.logmessage();
    CHECK(e.log.message == m.message());
    CHECK(static_cast<int>(e.log.message_type) == static_cast<int>(m.message_type()));
    CHECK(e.log.timestamp_ns == m.timestamp());
    CHECK(e.log.app_id == m.app_id());
    CHECK(e.log.source_type == m.source_type());
    CHECK(e.log.source_instance == m.source_instance());
  }
  if (p.has_valuemetric()) {
    CHECK(e.value_metric.name == p.valuemetric().name());
    CHECK(same_double(e.value_metric.value, p.valuemetric().value()));
    CHECK(e.value_metric.unit == p.valuemetric().unit());
  }
  if (p.has_counterevent()) {
    CHECK(e.counter.name == p.counterevent().name());
    CHECK(e.counter.delta == p.counterevent().delta());
    CHECK(e.counter.total == p.counterevent().total());
  }
  if (p.has_containermetric()) {
    const auto& m = p.containermetric();
    CHECK(e.container.application_id == m.applicationid());
    CHECK(e.container.instance_index == m.instanceindex());
    CHECK(same_double(e.container.cpu_percentage, m.cpupercentage()));
    CHECK(e.container.memory_bytes == m.memorybytes());
    CHECK(e.container.disk_bytes == m.diskbytes());
    CHECK(e.container.memory_bytes_quota == m.memorybytesquota());
    CHECK(e.container.disk_bytes_quota == m.diskbytesquota());
  }
  if (p.has_httpstartstop()) {
    const auto& m = p.httpstartstop();
    const auto& h = e.http;
    CHECK(h.start_timestamp_ns == m.starttimestamp());
    CHECK(h.stop_timestamp_ns == m.stoptimestamp());
    CHECK(h.request_id == uuid_text(m.requestid()));
    CHECK(static_cast<int>(h.peer_type) == static_cast<int>(m.peertype()));
    CHECK(h.method == static_cast<int>(m.method()));
    CHECK(h.uri == m.uri());
    CHECK(h.remote_address == m.remoteaddress());
    CHECK(h.user_agent == m.useragent());
    CHECK(h.status_code == m.statuscode());
    CHECK(h.content_length == m.contentlength());
    CHECK(h.application_id == (m.has_applicationid() ? uuid_text(m.applicationid()) : std::string()));
    CHECK(h.instance_index == m.instanceindex());
    CHECK(h.instance_id == m.instanceid());
    REQUIRE(h.forwarded_count == static_cast<std::size_t>(m.forwarded_size()));
    for (int i = 0; i < m.forwarded_size(); ++i) CHECK(h.forwarded[static_cast<std::size_t>(i)] == m.forwarded(i));
  }
  if (p.has_error()) {
    CHECK(e.error.source == p.error().source());
    CHECK(e.error.code == p.error().code());
    CHECK(e.error.message == p.error().message());
  }
}

// The top-level fields of a serialized message, each as its own byte string.
std::vector<std::string> split_fields(const std::string& bytes) {
  std::vector<std::string> out;
  std::size_t i = 0;
  auto varint = [&] {
    std::uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      const auto b = static_cast<unsigned char>(bytes[i++]);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  };
  while (i < bytes.size()) {
    const std::size_t start = i;
    const std::uint64_t tag = varint();
    switch (tag & 7) {
      case 0: varint(); break;
      case 1: i += 8; break;
      case 2: i += varint(); break;
      case 5: i += 4; break;
      default: FAIL("unexpected wire type");
    }
    out.push_back(bytes.substr(start, i - start));
  }
  return out;
}

std::string varint_bytes(std::uint64_t v) {
  std::string s;
  while (v >= 0x80) {
    s.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  s.push_back(static_cast<char>(v));
  return s;
}

// An unknown field (number 18..2000, or the reserved 3..5) of a random wire type.
std::string unknown_field(Rng& r) {
  const std::uint64_t number = r.coin() ? static_cast<std::uint64_t>(r.range(3, 5)) : static_cast<std::uint64_t>(r.range(18, 2000));
  switch (r.range(0, 4)) {
    case 0: return varint_bytes(number << 3 | 0) + varint_bytes(r.any_varint_value());
    case 1: return varint_bytes(number << 3 | 1) + r.bytes(0).append(8, 'x');
    case 2: {
      const std::string payload = r.bytes(30);
      return varint_bytes(number << 3 | 2) + varint_bytes(payload.size()) + payload;
    }
    case 3:  // a group holding a varint and a nested group
      return varint_bytes(number << 3 | 3) + varint_bytes(7 << 3 | 0) + varint_bytes(r.u64()) +
             varint_bytes(9 << 3 | 3) + varint_bytes(9 << 3 | 4) + varint_bytes(number << 3 | 4);
    default: return varint_bytes(number << 3 | 5) + std::string("abcd");
  }
}

constexpr int kTypes[] = {4, 5, 6, 7, 8, 9};

}  // namespace

TEST_CASE("v1 cross-check: random envelopes of every type match the protobuf classes") {
  Rng r;
  Envelope env;  // reused, as a connection reuses it
  for (int round = 0; round < 600; ++round) {
    const int type = kTypes[round % 6];
    const events::Envelope p = random_envelope(r, type);
    std::string bytes;
    REQUIRE(p.SerializeToString(&bytes));
    const auto err = nozzle::decode_v1_envelope(bytes, env);
    INFO("round " << round << ": " << (err ? err->to_string() : "ok"));
    REQUIRE_FALSE(err.has_value());
    check_same(p, env);
  }
}

TEST_CASE("v1 cross-check: field order does not matter and unknown fields are skipped") {
  Rng r;
  Envelope env;
  for (int round = 0; round < 300; ++round) {
    const events::Envelope p = random_envelope(r, kTypes[round % 6]);
    std::string bytes;
    REQUIRE(p.SerializeToString(&bytes));
    std::vector<std::string> fields = split_fields(bytes);
    const int unknown = r.range(0, 6);
    for (int i = 0; i < unknown; ++i) fields.push_back(unknown_field(r));
    std::shuffle(fields.begin(), fields.end(), r.g);
    std::string shuffled;
    for (const auto& f : fields) shuffled += f;
    const auto err = nozzle::decode_v1_envelope(shuffled, env);
    INFO("round " << round << ": " << (err ? err->to_string() : "ok"));
    REQUIRE_FALSE(err.has_value());
    check_same(p, env);
  }
}
