// Strict RFC 5424 validation of one SYSLOG-MSG (ABNF of RFC 5424 section 6, as summarised in
// docs/WIRE.md, "RFC 5424 message"). Written apart from the nozzle's formatter on purpose: a
// misreading shared by sender and receiver would pass every test.
//
// Beyond the ABNF it enforces: VERSION is 1; calendar-valid dates; seconds 00-59 (no leap
// second); SD-IDs either `name@PEN` (PEN = digits with optional `.digits`) or an
// IANA-registered name; one SD-ID at most once per message; PARAM-VALUE with `"` `\` `]`
// escaped and valid UTF-8; a MSG that starts with a BOM is valid UTF-8. A backslash before any
// other character is kept literally (RFC 5424 6.3.3).
//
// Fast path: a valid message allocates nothing once the validator's reusable vectors have
// grown; all fields are views into the input, except PARAM-VALUEs that contained escapes,
// which are unescaped into a scratch buffer owned by the validator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sink {

struct SdParam {
  std::string_view name;
  std::string_view value;  // unescaped
};

struct SdElement {
  std::string_view id;
  std::uint32_t first_param = 0;  // index into Rfc5424Message::params
  std::uint32_t param_count = 0;
};

struct Rfc5424Message {
  int pri = 0;
  int version = 0;
  // NILVALUE fields are "-".
  std::string_view timestamp;
  std::string_view hostname;
  std::string_view app_name;
  std::string_view procid;
  std::string_view msgid;
  std::vector<SdElement> elements;  // empty for a NILVALUE STRUCTURED-DATA
  std::vector<SdParam> params;      // of every element, in order
  bool has_msg = false;             // `SP MSG` present (MSG itself may be empty)
  std::string_view msg;             // as received, BOM included

  [[nodiscard]] std::span<const SdParam> params_of(const SdElement& e) const {
    return std::span<const SdParam>(params).subspan(e.first_param, e.param_count);
  }
};

// Reusable; not thread-safe. One per connection or per thread.
class Rfc5424Validator {
 public:
  // Returns an empty view when `input` is a valid SYSLOG-MSG, else the first violation found
  // (a static string such as "HOSTNAME longer than 255"); error_offset() tells where.
  // message() is meaningful only after a valid result, and its views stay valid until the next
  // call and while `input` lives.
  [[nodiscard]] std::string_view validate(std::string_view input);

  [[nodiscard]] const Rfc5424Message& message() const { return msg_; }
  [[nodiscard]] std::size_t error_offset() const { return error_offset_; }

 private:
  class Parser;

  Rfc5424Message msg_;
  std::string scratch_;  // unescaped PARAM-VALUEs
  std::size_t error_offset_ = 0;
};

// True when `bytes` is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
[[nodiscard]] bool is_valid_utf8(std::string_view bytes);

}  // namespace sink
