#include "syslog/text.h"

#include <cstring>

#include "syslog/json_body.h"
#include "syslog/rfc5424.h"

namespace nozzle::syslog {
namespace text {
namespace {

constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
constexpr std::uint64_t kLowBits = 0x0101010101010101ULL;

inline std::uint64_t load8(const unsigned char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// True when some byte of w is zero (exact as a yes/no answer).
inline bool has_zero_byte(std::uint64_t w) { return ((w - kLowBits) & ~w & kHighBits) != 0; }

inline bool is_printusascii(unsigned char c) { return c >= 33 && c <= 126; }

}  // namespace

int utf8_sequence(const unsigned char* p, const unsigned char* end, int* bad) {
  const unsigned c = p[0];
  if (c < 0x80) return 1;
  // Unicode Table 3-7: the second byte's range depends on the lead byte; that single rule
  // excludes overlong forms (E0, F0), surrogates (ED) and code points above U+10FFFF (F4).
  int need;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    *bad = 1;
    return 0;
  }
  for (int i = 1; i <= need; ++i) {
    if (p + i >= end || p[i] < lo || p[i] > hi) {
      *bad = i;
      return 0;
    }
    lo = 0x80;
    hi = 0xBF;
  }
  return need + 1;
}

std::size_t valid_utf8_prefix(std::string_view in) {
  const auto* begin = reinterpret_cast<const unsigned char*>(in.data());
  const auto* end = begin + in.size();
  const auto* p = begin;
  while (p < end) {
    if (end - p >= 8 && (load8(p) & kHighBits) == 0) {
      p += 8;
      continue;
    }
    if (*p < 0x80) {
      ++p;
      continue;
    }
    int bad = 0;
    const int n = utf8_sequence(p, end, &bad);
    if (n == 0) return static_cast<std::size_t>(p - begin);
    p += n;
  }
  return in.size();
}

std::size_t utf8_floor(std::string_view in, std::size_t max) {
  if (max >= in.size()) return in.size();
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(in[n]) & 0xC0) == 0x80) --n;
  return n;
}

bool append_payload(std::string_view in, std::size_t max, std::string& out) {
  const auto* begin = reinterpret_cast<const unsigned char*>(in.data());
  const auto* end = begin + in.size();
  const auto* p = begin;
  const auto* run = begin;  // start of the pending run of bytes copied as they are
  std::size_t room = max;
  // Appends the pending run, or as much of it as fits on a character boundary.
  auto flush = [&]() -> bool {
    const std::string_view r(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
    if (r.size() > room) {
      out.append(r.data(), utf8_floor(r, room));
      return false;
    }
    out.append(r);
    room -= r.size();
    return true;
  };
  while (p < end) {
    if (end - p >= 8) {
      const std::uint64_t w = load8(p);
      if ((w & kHighBits) == 0 && !has_zero_byte(w)) {
        p += 8;
        continue;
      }
    }
    if (*p != 0 && *p < 0x80) {
      ++p;
      continue;
    }
    int bad = 1;
    const int n = *p == 0 ? 0 : utf8_sequence(p, end, &bad);
    if (n > 0) {
      p += n;
      continue;
    }
    if (!flush()) return false;
    if (*p != 0) {  // NUL is dropped; an ill-formed subpart becomes U+FFFD
      if (room < kReplacement.size()) return false;
      out.append(kReplacement);
      room -= kReplacement.size();
    }
    p += bad;
    run = p;
  }
  return flush();
}

std::size_t append_printusascii(std::string_view value, std::size_t max, std::string& out) {
  std::size_t i = 0;
  const std::size_t limit = value.size() < max ? value.size() : max;
  while (i < limit && is_printusascii(static_cast<unsigned char>(value[i]))) ++i;
  out.append(value.data(), i);
  if (i == value.size() || i == max) return i;
  std::size_t n = i;
  for (; i < value.size() && n < max; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (is_printusascii(c)) {
      out.push_back(static_cast<char>(c));
      ++n;
    }
  }
  return n;
}

void append_cf_host_label(std::string_view value, std::string& out) {
  const std::size_t start = out.size();
  bool in_space = false;
  for (const char ch : value) {
    // Go's \s: [\t\n\f\r ]
    if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\f' || ch == '\r') {
      if (!in_space) out.push_back('-');
      in_space = true;
      continue;
    }
    in_space = false;
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
        ch == '-') {
      out.push_back(ch);
    }
  }
  while (out.size() > start && out.back() == '-') out.pop_back();
  if (out.size() - start > 63) out.resize(start + 63);
}

}  // namespace text

void append_valid_utf8(std::string_view in, std::string& out) {
  const auto* end = reinterpret_cast<const unsigned char*>(in.data()) + in.size();
  while (!in.empty()) {
    const std::size_t n = text::valid_utf8_prefix(in);
    out.append(in.data(), n);
    if (n == in.size()) return;
    int bad = 1;
    text::utf8_sequence(reinterpret_cast<const unsigned char*>(in.data()) + n, end, &bad);
    out.append(text::kReplacement);
    in.remove_prefix(n + static_cast<std::size_t>(bad));
  }
}

void append_header_field(std::string_view value, std::size_t max, std::string& out) {
  if (text::append_printusascii(value, max, out) == 0) out.push_back('-');
}

void append_sd_value(std::string_view value, std::string& out) {
  const auto* begin = reinterpret_cast<const unsigned char*>(value.data());
  const auto* end = begin + value.size();
  const auto* p = begin;
  const auto* run = begin;
  auto flush = [&] { out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run)); };
  while (p < end) {
    const unsigned c = *p;
    if (c < 0x80) {
      if (c == '"' || c == '\\' || c == ']') {
        flush();
        out.push_back('\\');
        run = p;  // the character itself goes out with the next run
      }
      ++p;
      continue;
    }
    int bad = 1;
    const int n = text::utf8_sequence(p, end, &bad);
    if (n > 0) {
      p += n;
      continue;
    }
    flush();
    out.append(text::kReplacement);
    p += bad;
    run = p;
  }
  flush();
}

bool is_valid_sd_name(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  for (const char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 33 || c > 126 || c == '=' || c == ']' || c == '"') return false;
  }
  return true;
}

std::string cf_host_label(std::string_view value) {
  std::string out;
  text::append_cf_host_label(value, out);
  return out;
}

}  // namespace nozzle::syslog
