#include "rfc5424_validator.h"

#include <array>

namespace sink {
namespace {

using Error = std::string_view;  // empty: no error
constexpr Error kOk{};

constexpr bool is_print(unsigned char c) { return c >= 33 && c <= 126; }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_leap(int y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int days_in_month(int year, int month) {
  static constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

// SD-IDs without '@' that IANA has registered: RFC 5424 (timeQuality, origin, meta), RFC 5674
// (alarm), RFC 5848 (ssign, ssign-cert).
bool is_registered_sd_id(std::string_view id) {
  for (std::string_view known : {"timeQuality", "origin", "meta", "alarm", "ssign", "ssign-cert"}) {
    if (id == known) return true;
  }
  return false;
}

// RFC 5424 7.2.2: a private enterprise number, optionally followed by sub-identifiers.
bool is_enterprise_number(std::string_view pen) {
  bool need_digit = true;
  for (char c : pen) {
    if (is_digit(c)) {
      need_digit = false;
    } else if (c == '.' && !need_digit) {
      need_digit = true;
    } else {
      return false;
    }
  }
  return !need_digit;
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* end = p + bytes.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    // Unicode 15, table 3-7: the second byte's range depends on the first byte.
    int extra = 0;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      extra = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      if (c == 0xe0) lo = 0xa0;  // overlong
      if (c == 0xed) hi = 0x9f;  // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      if (c == 0xf0) lo = 0x90;  // overlong
      if (c == 0xf4) hi = 0x8f;  // above U+10FFFF
    } else {
      return false;
    }
    if (end - p <= extra) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (int i = 2; i <= extra; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
    }
    p += extra + 1;
  }
  return true;
}

class Rfc5424Validator::Parser {
 public:
  Parser(std::string_view s, Rfc5424Validator& v) : s_(s), v_(v), m_(v.msg_) {}

  Error run() {
    if (s_.empty()) return "empty message";
    if (Error e = pri(); !e.empty()) return e;
    if (Error e = version(); !e.empty()) return e;
    if (Error e = sp("SP expected after VERSION"); !e.empty()) return e;
    if (Error e = timestamp(); !e.empty()) return e;
    if (Error e = sp("SP expected after TIMESTAMP"); !e.empty()) return e;
    if (Error e = field(m_.hostname, 255, "HOSTNAME empty", "HOSTNAME longer than 255",
                        "HOSTNAME contains a non-PRINTUSASCII octet", "message ends after HOSTNAME");
        !e.empty()) {
      return e;
    }
    if (Error e = field(m_.app_name, 48, "APP-NAME empty", "APP-NAME longer than 48",
                        "APP-NAME contains a non-PRINTUSASCII octet", "message ends after APP-NAME");
        !e.empty()) {
      return e;
    }
    if (Error e = field(m_.procid, 128, "PROCID empty", "PROCID longer than 128",
                        "PROCID contains a non-PRINTUSASCII octet", "message ends after PROCID");
        !e.empty()) {
      return e;
    }
    if (Error e = field(m_.msgid, 32, "MSGID empty", "MSGID longer than 32",
                        "MSGID contains a non-PRINTUSASCII octet", "message ends after MSGID");
        !e.empty()) {
      return e;
    }
    if (Error e = structured_data(); !e.empty()) return e;
    return msg();
  }

  std::size_t pos() const { return pos_; }

 private:
  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return s_[pos_]; }

  Error sp(Error missing) {
    if (at_end() || peek() != ' ') return missing;
    ++pos_;
    return kOk;
  }

  Error pri() {
    if (peek() != '<') return "PRI does not start with '<'";
    ++pos_;
    const std::size_t start = pos_;
    int value = 0;
    while (!at_end() && is_digit(peek())) {
      if (pos_ - start == 3) return "PRIVAL longer than 3 digits";
      value = value * 10 + (peek() - '0');
      ++pos_;
    }
    const std::size_t digits = pos_ - start;
    if (digits == 0) return "PRIVAL has no digits";
    if (at_end() || peek() != '>') return "PRI not closed by '>'";
    if (digits > 1 && s_[start] == '0') {
      pos_ = start;
      return "PRIVAL has a leading zero";
    }
    if (value > 191) {
      pos_ = start;
      return "PRIVAL greater than 191";
    }
    ++pos_;
    m_.pri = value;
    return kOk;
  }

  Error version() {
    if (at_end() || !is_digit(peek()) || peek() == '0') return "VERSION missing";
    if (peek() != '1' || (pos_ + 1 < s_.size() && is_digit(s_[pos_ + 1]))) {
      return "VERSION is not 1";
    }
    ++pos_;
    m_.version = 1;
    return kOk;
  }

  // Reads exactly `n` digits as a number; -1 if they are not all there.
  int digits(std::size_t n) {
    if (s_.size() - pos_ < n) return -1;
    int value = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const char c = s_[pos_ + i];
      if (!is_digit(c)) return -1;
      value = value * 10 + (c - '0');
    }
    pos_ += n;
    return value;
  }

  bool literal(char c) {
    if (at_end() || peek() != c) return false;
    ++pos_;
    return true;
  }

  Error timestamp() {
    const std::size_t start = pos_;
    if (!at_end() && peek() == '-' && (pos_ + 1 == s_.size() || s_[pos_ + 1] == ' ')) {
      ++pos_;
      m_.timestamp = s_.substr(start, 1);
      return kOk;
    }
    const int year = digits(4);
    if (year < 0) return "TIMESTAMP: year is not 4 digits";
    if (!literal('-')) return "TIMESTAMP: '-' expected after year";
    const int month = digits(2);
    if (month < 0) return "TIMESTAMP: month is not 2 digits";
    if (month < 1 || month > 12) return "TIMESTAMP: month out of range 01-12";
    if (!literal('-')) return "TIMESTAMP: '-' expected after month";
    const int day = digits(2);
    if (day < 0) return "TIMESTAMP: day is not 2 digits";
    if (day < 1 || day > days_in_month(year, month)) return "TIMESTAMP: day out of range for the month";
    if (!literal('T')) return "TIMESTAMP: uppercase 'T' expected after the date";
    const int hour = digits(2);
    if (hour < 0) return "TIMESTAMP: hour is not 2 digits";
    if (hour > 23) return "TIMESTAMP: hour out of range 00-23";
    if (!literal(':')) return "TIMESTAMP: ':' expected after hour";
    const int minute = digits(2);
    if (minute < 0) return "TIMESTAMP: minute is not 2 digits";
    if (minute > 59) return "TIMESTAMP: minute out of range 00-59";
    if (!literal(':')) return "TIMESTAMP: ':' expected after minute";
    const int second = digits(2);
    if (second < 0) return "TIMESTAMP: second is not 2 digits";
    if (second > 59) return "TIMESTAMP: second out of range 00-59";
    if (literal('.')) {
      const std::size_t frac = pos_;
      while (!at_end() && is_digit(peek())) ++pos_;
      if (pos_ == frac) return "TIMESTAMP: no digit after '.'";
      if (pos_ - frac > 6) return "TIMESTAMP: more than 6 fraction digits";
    }
    if (literal('Z')) {
      m_.timestamp = s_.substr(start, pos_ - start);
      return kOk;
    }
    if (!literal('+') && !literal('-')) return "TIMESTAMP: 'Z' or a +HH:MM/-HH:MM offset expected";
    const int off_hour = digits(2);
    if (off_hour < 0) return "TIMESTAMP: offset hour is not 2 digits";
    if (off_hour > 23) return "TIMESTAMP: offset hour out of range 00-23";
    if (!literal(':')) return "TIMESTAMP: ':' expected in offset";
    const int off_minute = digits(2);
    if (off_minute < 0) return "TIMESTAMP: offset minute is not 2 digits";
    if (off_minute > 59) return "TIMESTAMP: offset minute out of range 00-59";
    m_.timestamp = s_.substr(start, pos_ - start);
    return kOk;
  }

  // A header field of 1..max PRINTUSASCII (NILVALUE included), then SP.
  Error field(std::string_view& out, std::size_t max, Error empty, Error too_long, Error bad_octet,
              Error ends) {
    const std::size_t start = pos_;
    while (!at_end() && peek() != ' ') {
      if (!is_print(static_cast<unsigned char>(peek()))) return bad_octet;
      ++pos_;
    }
    if (pos_ == start) return empty;
    if (pos_ - start > max) {
      pos_ = start;
      return too_long;
    }
    out = s_.substr(start, pos_ - start);
    if (at_end()) return ends;
    ++pos_;
    return kOk;
  }

  Error structured_data() {
    if (at_end()) return "STRUCTURED-DATA missing";
    if (peek() == '-') {
      ++pos_;
      return kOk;
    }
    if (peek() != '[') return "STRUCTURED-DATA is neither '-' nor '['";
    while (!at_end() && peek() == '[') {
      if (Error e = sd_element(); !e.empty()) return e;
    }
    return kOk;
  }

  Error sd_element() {
    ++pos_;  // '['
    const std::size_t id_start = pos_;
    while (!at_end() && peek() != ' ' && peek() != ']') {
      const char c = peek();
      if (c == '=') return "SD-ID contains '='";
      if (c == '"') return "SD-ID contains '\"'";
      if (!is_print(static_cast<unsigned char>(c))) return "SD-ID contains a non-PRINTUSASCII octet";
      ++pos_;
    }
    if (at_end()) return "SD-ELEMENT not closed by ']'";
    const std::string_view id = s_.substr(id_start, pos_ - id_start);
    if (Error e = check_sd_id(id, id_start); !e.empty()) return e;

    SdElement element{id, static_cast<std::uint32_t>(m_.params.size()), 0};
    while (!at_end() && peek() == ' ') {
      ++pos_;
      if (Error e = sd_param(); !e.empty()) return e;
      ++element.param_count;
    }
    if (at_end()) return "SD-ELEMENT not closed by ']'";
    if (peek() != ']') return "SP or ']' expected after SD-PARAM";
    ++pos_;
    m_.elements.push_back(element);
    return kOk;
  }

  Error check_sd_id(std::string_view id, std::size_t id_start) {
    const std::size_t end = pos_;
    pos_ = id_start;  // errors below point at the SD-ID
    if (id.empty()) return "SD-ID empty";
    if (id.size() > 32) return "SD-ID longer than 32";
    const std::size_t at = id.find('@');
    if (at == std::string_view::npos) {
      if (!is_registered_sd_id(id)) return "SD-ID has no '@' and is not an IANA-registered name";
    } else {
      if (at == 0) return "SD-ID has an empty name before '@'";
      if (!is_enterprise_number(id.substr(at + 1))) {
        return "SD-ID has no enterprise number (digits, dots) after '@'";
      }
    }
    for (const SdElement& e : m_.elements) {
      if (e.id == id) return "duplicate SD-ID";
    }
    pos_ = end;
    return kOk;
  }

  Error sd_param() {
    const std::size_t name_start = pos_;
    while (!at_end() && peek() != '=') {
      const char c = peek();
      if (c == ' ' || c == ']') return "PARAM-NAME not followed by '='";
      if (c == '"') return "PARAM-NAME contains '\"'";
      if (!is_print(static_cast<unsigned char>(c))) return "PARAM-NAME contains a non-PRINTUSASCII octet";
      ++pos_;
    }
    if (at_end()) return "SD-ELEMENT not closed by ']'";
    const std::size_t name_len = pos_ - name_start;
    if (name_len == 0) return "PARAM-NAME empty";
    if (name_len > 32) {
      pos_ = name_start;
      return "PARAM-NAME longer than 32";
    }
    ++pos_;  // '='
    if (!literal('"')) return "'\"' expected to open PARAM-VALUE";

    const std::size_t value_start = pos_;
    bool escaped = false;
    while (!at_end()) {
      const char c = peek();
      if (c == '"') break;
      if (c == '\\' && pos_ + 1 < s_.size()) {
        const char n = s_[pos_ + 1];
        if (n == '"' || n == '\\' || n == ']') {
          escaped = true;
          pos_ += 2;
          continue;
        }
      }
      if (c == ']') return "PARAM-VALUE contains an unescaped ']'";
      ++pos_;
    }
    if (at_end()) return "PARAM-VALUE not closed by '\"'";
    std::string_view value = s_.substr(value_start, pos_ - value_start);
    // Escapes are ASCII, so the raw value is valid UTF-8 exactly when the unescaped one is.
    if (!is_valid_utf8(value)) {
      pos_ = value_start;
      return "PARAM-VALUE is not valid UTF-8";
    }
    ++pos_;  // closing '"'
    if (escaped) value = unescape(value);
    m_.params.push_back({s_.substr(name_start, name_len), value});
    return kOk;
  }

  std::string_view unescape(std::string_view raw) {
    std::string& scratch = v_.scratch_;
    // Unescaped values of one message never total more than the message, so reserving that
    // once keeps earlier views into `scratch` valid. Empty here means this is the first one.
    if (scratch.empty() && scratch.capacity() < s_.size()) scratch.reserve(s_.size());
    const std::size_t start = scratch.size();
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size() &&
          (raw[i + 1] == '"' || raw[i + 1] == '\\' || raw[i + 1] == ']')) {
        ++i;
      }
      scratch.push_back(raw[i]);
    }
    return std::string_view(scratch).substr(start);
  }

  Error msg() {
    if (at_end()) return kOk;
    if (peek() != ' ') return "SP or end of message expected after STRUCTURED-DATA";
    ++pos_;
    m_.has_msg = true;
    m_.msg = s_.substr(pos_);
    if (m_.msg.starts_with("\xEF\xBB\xBF") && !is_valid_utf8(m_.msg.substr(3))) {
      return "MSG starts with a BOM but is not valid UTF-8";
    }
    pos_ = s_.size();
    return kOk;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  Rfc5424Validator& v_;
  Rfc5424Message& m_;
};

std::string_view Rfc5424Validator::validate(std::string_view input) {
  msg_.pri = 0;
  msg_.version = 0;
  msg_.timestamp = msg_.hostname = msg_.app_name = msg_.procid = msg_.msgid = msg_.msg = {};
  msg_.elements.clear();
  msg_.params.clear();
  msg_.has_msg = false;
  scratch_.clear();
  Parser parser(input, *this);
  const Error e = parser.run();
  error_offset_ = e.empty() ? 0 : parser.pos();
  return e;
}

}  // namespace sink
