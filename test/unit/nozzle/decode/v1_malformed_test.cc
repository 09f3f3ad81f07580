// Malformed and unusual dropsonde frames: every one gives a precise DecodeError (or decodes, if
// protobuf says it is valid), and none reads out of bounds (run under ASan too).
#include <doctest/doctest.h>

#include <string>

#include "nozzle/decode/v1_decoder.h"
#include "unit/nozzle/decode/decode_hex.h"

using nozzle::DecodeErrorKind;
using nozzle::Envelope;
using nozzle::test::from_hex;

namespace {

// The golden LogMessage envelope of docs/WIRE.md, "v1 golden vectors", and the offsets where its
// top-level fields start (a prefix ending exactly there is a shorter, still well-formed message).
const std::string kLogHex =
    "0a03726570100530d4c385fe81d3c1ce14424a0a0568656c6c6f100118d4c385fe81d3c1ce1422243564326536"
    "6633342d376333622d346331652d396135352d3064356633623065386131312a0c4150502f50524f432f574542"
    "3201306a026366720a646965676f2d63656c6c7a043063336182010831302e302e302e358a01310a09736f7572"
    "63655f6964122435643265366633342d376333622d346331652d396135352d306435663362306538613131";
const std::string kHttpHex =
    "0a08676f726f75746572100430e8073a8301086410c8011a1408f4f585de808bf3a17210a5cfb990a0f6b0ea792001"
    "2801321968747470733a2f2f6170702e6578616d706c652e636f6d2f783a0d31302e302e302e313a313233344204"
    "6375726c48c801502a621408f4f585de808bf3a17210a5cfb990a0f6b0ea79680172036162637a07312e322e332e"
    "347a07352e362e372e38";

std::optional<nozzle::DecodeError> decode(const std::string& bytes) {
  Envelope env;
  return nozzle::decode_v1_envelope(bytes, env);
}

// A minimal valid CounterEvent envelope: origin "x", counterEvent{name "c", delta 3}.
const std::string kCounter = from_hex("0a0178100752050a01631003");

}  // namespace

TEST_CASE("v1 malformed: every truncation of the golden vectors is rejected or still well-formed") {
  for (const std::string& hex : {kLogHex, kHttpHex}) {
    const std::string full = from_hex(hex);
    int rejected = 0;
    for (std::size_t n = 0; n < full.size(); ++n) {
      // A fresh heap copy of exactly n bytes, so ASan sees any read past the end.
      const std::string prefix = full.substr(0, n);
      const auto err = decode(prefix);
      if (err) ++rejected;
      if (err) CHECK_FALSE(err->to_string().empty());
    }
    // Only the prefixes that end between two top-level fields after the required ones can pass.
    CHECK(rejected >= static_cast<int>(full.size()) - 6);
  }
  CHECK(decode("")->kind == DecodeErrorKind::MissingField);
}

TEST_CASE("v1 malformed: truncated and overlong varints") {
  // logMessage (field 8) whose length varint never ends.
  auto err = decode(from_hex("0a017810054280"));
  REQUIRE(err);
  CHECK(err->kind == DecodeErrorKind::TruncatedVarint);
  CHECK(err->to_string() == "truncated varint in field 8 of Envelope at byte 5");
  // A truncated tag.
  err = decode(from_hex("0a0178ff"));
  REQUIRE(err);
  CHECK(err->kind == DecodeErrorKind::TruncatedVarint);
  CHECK(err->field_number == 0);
  // 11 bytes.
  err = decode(from_hex("0a0178" "30" "ffffffffffffffffffff01"));
  REQUIRE(err);
  CHECK(err->kind == DecodeErrorKind::OverlongVarint);
  CHECK(err->field_number == 6);
  // 10 bytes whose last holds more than bit 63.
  err = decode(from_hex("0a0178" "30" "ffffffffffffffffff02"));
  REQUIRE(err);
  CHECK(err->kind == DecodeErrorKind::OverlongVarint);
  // 10 bytes with bit 63 set is fine: timestamp -1.
  Envelope env;
  REQUIRE_FALSE(nozzle::decode_v1_envelope(kCounter + from_hex("30ffffffffffffffffff01"), env));
  CHECK(env.timestamp_ns == -1);
}

TEST_CASE("v1 malformed: lengths past the end, at the top and inside sub-messages") {
  auto err = decode(from_hex("0a05726570"));  // origin says 5 bytes, 3 follow
  REQUIRE(err);
  CHECK(err->kind == DecodeErrorKind::LengthPastEnd);
  CHECK(err->field_number == 1);
  // counterEvent of 5 bytes whose name claims 9.
  err = decode(from_hex("0a0178100752050a09631003"));
  REQUIRE(err);
  CHECK(err->kind == DecodeErrorKind::LengthPastEnd);
  CHECK(err->message == "CounterEvent");
  // A length that would overflow a pointer.
  err = decode(from_hex("0affffffffffffffffff01"));
  REQUIRE(err);
  CHECK(err->kind == DecodeErrorKind::LengthPastEnd);
  // Fixed64 cut short.
  err = decode(from_hex("0a017810064a0c0a016d11000000000000f8"));
  REQUIRE(err);
  CHECK(err->kind == DecodeErrorKind::LengthPastEnd);
  err = decode(from_hex("0a017810064a090a016d11000000000000"));
  REQUIRE(err);
  CHECK(err->kind == DecodeErrorKind::TruncatedFixed);
  CHECK(err->to_string() == "truncated fixed-width value in field 2 of ValueMetric at byte 10");
}

TEST_CASE("v1 malformed: wrong and invalid wire types, bad field numbers") {
  auto err = decode(from_hex("0801100752050a01631003"));  // origin as a varint
  REQUIRE(err);
  CHECK(err->kind == DecodeErrorKind::WrongWireType);
  CHECK(err->to_string() == "wrong wire type 0 for field 1 'origin' of Envelope at byte 0");
  err = decode(kCounter + from_hex("3201"));  // timestamp as length-delimited
  REQUIRE(err);
  CHECK(err->kind == DecodeErrorKind::LengthPastEnd);
  err = decode(kCounter + from_hex("3200"));
  REQUIRE(err);
  CHECK(err->kind == DecodeErrorKind::WrongWireType);
  CHECK(err->field == "timestamp");
  err = decode(kCounter + from_hex("33"));  // timestamp as a group start, never closed
  REQUIRE(err);
  CHECK(err->kind == DecodeErrorKind::UnbalancedGroup);
  err = decode(kCounter + from_hex("3334"));  // timestamp as an (empty) group
  REQUIRE(err);
  CHECK(err->kind == DecodeErrorKind::WrongWireType);
  err = decode(kCounter + from_hex("9e0100"));  // wire type 6
  REQUIRE(err);
  CHECK(err->kind == DecodeErrorKind::InvalidWireType);
  err = decode(kCounter + from_hex("9f01"));  // wire type 7
  REQUIRE(err);
  CHECK(err->kind == DecodeErrorKind::InvalidWireType);
  err = decode(kCounter + from_hex("0001"));  // field number 0
  REQUIRE(err);
  CHECK(err->kind == DecodeErrorKind::InvalidFieldNumber);
  err = decode(kCounter + from_hex("f8ffffff7f01"));  // field number 2^32-1
  REQUIRE(err);
  CHECK(err->kind == DecodeErrorKind::InvalidFieldNumber);
  // The tags entry key as a varint.
  err = decode(kCounter + from_hex("8a01020801"));
  REQUIRE(err);
  CHECK(err->message == "Envelope.TagsEntry");
}

TEST_CASE("v1 groups: unknown groups are skipped, unbalanced or too deep ones rejected") {
  Envelope env;
  // Field 50 as a group holding a varint, a string and a nested group 51.
  REQUIRE_FALSE(nozzle::decode_v1_envelope(kCounter + from_hex("9303" "0801" "120161" "9b039c03" "9403"), env));
  CHECK(env.counter.delta == 3);
  CHECK(decode(kCounter + from_hex("9403"))->kind == DecodeErrorKind::UnbalancedGroup);       // end without start
  CHECK(decode(kCounter + from_hex("93030801"))->kind == DecodeErrorKind::UnbalancedGroup);   // never closed
  CHECK(decode(kCounter + from_hex("9303a403"))->kind == DecodeErrorKind::UnbalancedGroup);   // closed by 52
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += from_hex("9303");
  CHECK(decode(kCounter + deep)->kind == DecodeErrorKind::TooDeep);
  // Unknown groups inside a sub-message too.
  REQUIRE_FALSE(nozzle::decode_v1_envelope(from_hex("0a0178100752090a016310039b039c03"), env));
}

TEST_CASE("v1 required fields") {
  auto err = decode(from_hex("100752050a01631003"));
  REQUIRE(err);
  CHECK(err->to_string() == "Envelope missing required field 'origin'");
  err = decode(from_hex("0a017852050a01631003"));
  REQUIRE(err);
  CHECK(err->to_string() == "Envelope missing required field 'eventType'");
  err = decode(from_hex("0a01781007"));
  REQUIRE(err);
  CHECK(err->to_string() == "Envelope missing required field 'counterEvent'");
  err = decode(from_hex("0a0178100542021001"));  // LogMessage with only message_type
  REQUIRE(err);
  CHECK(err->to_string() == "LogMessage missing required field 'message'");
  err = decode(from_hex("0a017810075203" "0a0163"));
  REQUIRE(err);
  CHECK(err->to_string() == "CounterEvent missing required field 'delta'");
  // A sub-message other than the eventType's must be complete as well.
  err = decode(kCounter + from_hex("4a00"));
  REQUIRE(err);
  CHECK(err->message == "ValueMetric");
  // HttpStartStop whose requestId lacks `high`.
  const std::string http = from_hex(kHttpHex);
  std::string broken = http;
  const std::string full_uuid = from_hex("1a1408f4f585de808bf3a17210a5cfb990a0f6b0ea79");
  const std::string low_only = from_hex("1a0a08f4f585de808bf3a172");
  broken.replace(broken.find(full_uuid), full_uuid.size(), low_only);
  // The HttpStartStop length shrinks from 131 (two varint bytes) to 121 (one).
  broken.replace(broken.find(from_hex("3a8301")), 3, from_hex("3a79"));
  err = decode(broken);
  REQUIRE(err);
  CHECK(err->to_string() == "UUID missing required field 'high'");
}

TEST_CASE("v1 enums: unknown eventType and message_type are errors, unknown peer type is kept") {
  auto err = decode(from_hex("0a01781003"));
  REQUIRE(err);
  CHECK(err->kind == DecodeErrorKind::BadEnumValue);
  CHECK(err->to_string() == "Envelope has unknown eventType value 3");
  err = decode(from_hex("0a0178100542070a01611003180a"));
  REQUIRE(err);
  CHECK(err->to_string() == "LogMessage has unknown message_type value 3");
  Envelope env;
  std::string http = from_hex(kHttpHex);
  http[http.find(from_hex("2001280132"))+1] = 7;  // peerType 7
  REQUIRE_FALSE(nozzle::decode_v1_envelope(http, env));
  CHECK(env.http.peer_type == nozzle::HttpStartStop::PeerType::Unknown);
}

TEST_CASE("v1 semantics: repeated fields override, sub-messages merge, tag keys stay unique") {
  Envelope env;
  // origin twice; counterEvent twice (name, then delta and total); tag "k" twice.
  const std::string bytes = from_hex("0a0161" "0a0162" "1007" "52030a0163" "520410031809" "8a01060a016b120131" "8a01060a016b120132");
  REQUIRE_FALSE(nozzle::decode_v1_envelope(bytes, env));
  CHECK(env.origin == "b");
  CHECK(env.counter.name == "c");
  CHECK(env.counter.delta == 3);
  CHECK(env.counter.total == 9);
  REQUIRE(env.tag_count == 1);
  CHECK(env.tags[0].value == "2");
  // A tags entry without a value is key -> "".
  REQUIRE_FALSE(nozzle::decode_v1_envelope(kCounter + from_hex("8a01030a016b"), env));
  CHECK(env.tag("k") == "");
  // int32 fields carry negative values as 10-byte varints.
  REQUIRE_FALSE(nozzle::decode_v1_envelope(
      from_hex("0a01781009621b0a016110feffffffffffffffff0119000000000000e03f20002800"), env));
  CHECK(env.container.instance_index == -2);
}

TEST_CASE("v1 bytes pass through: invalid UTF-8 and NULs are not touched") {
  Envelope env;
  const std::string bytes = from_hex("0a03ff00fe" "1005" "420b" "0a04c328ff00" "1002" "18e807");
  REQUIRE_FALSE(nozzle::decode_v1_envelope(bytes, env));
  CHECK(env.origin == std::string("\xff\0\xfe", 3));
  CHECK(env.log.message == std::string("\xc3\x28\xff\0", 4));
  CHECK(env.log.message_type == nozzle::LogMessage::Type::Err);
  CHECK(env.log.timestamp_ns == 1000);
}
