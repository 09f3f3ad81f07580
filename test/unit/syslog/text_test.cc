// The word-at-a-time scanners (UTF-8 repair, JSON and SD escaping, CF payloads) against plain
// byte-by-byte reference versions written here, over many strings where the interesting byte
// sits at every position, so that every word and tail path is taken.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "syslog/json_body.h"
#include "syslog/rfc5424.h"
#include "unit/syslog/envelopes.h"

using namespace nozzle;
using namespace nozzle::syslog;
using namespace nozzle::syslog::testing;

namespace {

const std::string kFffd = "\xEF\xBF\xBD";

// Unicode 3.9 / Table 3-7, one byte at a time: each maximal ill-formed subpart -> U+FFFD.
std::string ref_repair(std::string_view in) {
  std::string out;
  std::size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    int need = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) need = 1;
    else if (c == 0xE0) need = 2, lo = 0xA0;
    else if (c >= 0xE1 && c <= 0xEC) need = 2;
    else if (c == 0xED) need = 2, hi = 0x9F;
    else if (c >= 0xEE && c <= 0xEF) need = 2;
    else if (c == 0xF0) need = 3, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) need = 3;
    else if (c == 0xF4) need = 3, hi = 0x8F;
    if (need == 0) {
      out += kFffd;
      ++i;
      continue;
    }
    std::size_t k = 1;
    for (; k <= static_cast<std::size_t>(need); ++k) {
      if (i + k >= in.size()) break;
      const auto b = static_cast<unsigned char>(in[i + k]);
      if (b < lo || b > hi) break;
      lo = 0x80;
      hi = 0xBF;
    }
    if (k == static_cast<std::size_t>(need) + 1) {
      out.append(in.substr(i, k));
    } else {
      out += kFffd;
    }
    i += k;  // the whole sequence, or its maximal subpart
  }
  return out;
}

std::string ref_json(std::string_view in) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out = "\"";
  for (const char ch : ref_repair(in)) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
  return out + "\"";
}

std::string ref_sd(std::string_view in) {
  std::string out;
  for (const char ch : ref_repair(in)) {
    if (ch == '"' || ch == '\\' || ch == ']') out.push_back('\\');
    out.push_back(ch);
  }
  return out;
}

std::string ref_payload(std::string_view in) {
  std::string no_nul;
  for (const char ch : in) {
    if (ch != '\0') no_nul.push_back(ch);
  }
  std::string out = ref_repair(no_nul);
  if (out.empty() || out.back() != '\n') out.push_back('\n');
  return out;
}

// Strings of plain bytes with one or two interesting ones at every position.
std::vector<std::string> cases() {
  const std::vector<std::string> specials = {
      "\"", "\\", "]", "\n", "\x01", "\x1f", std::string(1, '\0'), "\b", "\x7f", "\xC3\xA9",
      "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xFF", "\xC3", "\xE2\x82", "\xED\xA0\x80", "\xF4\x90\x80\x80",
  };
  std::vector<std::string> out;
  for (std::size_t len = 0; len <= 40; ++len) {
    for (const std::string& s : specials) {
      for (std::size_t at = 0; at <= len; ++at) {
        std::string v(len, 'a');
        v.insert(at, s);
        out.push_back(v);
      }
    }
  }
  std::mt19937 rng(20240601);  // fixed: the test is deterministic
  std::uniform_int_distribution<int> len(0, 70), pick(0, 5), byte(0, 255);
  for (int n = 0; n < 3000; ++n) {
    std::string v;
    const int l = len(rng);
    for (int i = 0; i < l; ++i) {
      v += pick(rng) == 0 ? specials[static_cast<std::size_t>(byte(rng)) % specials.size()]
                          : std::string(1, static_cast<char>(pick(rng) == 1 ? byte(rng) : 'a' + pick(rng)));
    }
    out.push_back(v);
  }
  return out;
}

}  // namespace

TEST_CASE("reference repair agrees with the documented examples") {
  CHECK(ref_repair("a\x80z") == "a" + kFffd + "z");
  CHECK(ref_repair("\xE2\x82z") == kFffd + "z");
  CHECK(ref_repair("\xED\xA0\x80") == kFffd + kFffd + kFffd);
  CHECK(ref_repair("\xF0\x9F\x98\x80") == "\xF0\x9F\x98\x80");
}

TEST_CASE("UTF-8 repair, JSON escaping, SD escaping and CF payloads match byte-by-byte versions") {
  FormatOptions cf;
  cf.style = Style::Cf;
  cf.max_message_bytes = 1 << 20;
  Envelope log = app_log("");
  log.tag_count = 0;
  for (const std::string& v : cases()) {
    INFO("input bytes: " << v.size());
    std::string repaired = "<";
    append_valid_utf8(v, repaired);
    CHECK(repaired.substr(1) == ref_repair(v));

    std::string sd = ">";
    append_sd_value(v, sd);
    CHECK(sd.substr(1) == ref_sd(v));

    log.log.message = v;
    std::string body;
    REQUIRE(append_json_body(log, {}, {}, 1 << 20, body) == BodyResult::Ok);
    const auto at = body.rfind(",\"msg\":");
    REQUIRE(at != std::string::npos);
    CHECK(body.substr(at + 7) == ref_json(v) + "}\n");

    const std::string m = format_one(cf, log);
    const auto sp = m.find("\"] ");  // the end of the tags element
    REQUIRE(sp != std::string::npos);
    CHECK(m.substr(sp + 3) == ref_payload(v));
  }
}
