#include "syslog/text.h"

#include <bit>
#include <cstring>

#include "syslog/appender.h"
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

inline bool is_printusascii(unsigned char c) { return c >= 33 && c <= 126; }

}  // namespace

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

char* put_repaired(std::string_view in, std::size_t max, char* out, bool* complete) {
  const auto* begin = reinterpret_cast<const unsigned char*>(in.data());
  const auto* end = begin + in.size();
  const auto* p = begin;
  const auto* run = begin;  // start of the pending run of bytes copied as they are
  std::size_t room = max;
  *complete = false;
  // Writes the pending run, or as much of it as fits on a character boundary.
  auto flush = [&]() -> bool {
    const std::string_view r(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
    const std::size_t n = r.size() > room ? utf8_floor(r, room) : r.size();
    out = put(out, r.substr(0, n));
    room -= n;
    return n == r.size();
  };
  while (p < end) {
    if (end - p >= 8 && (load8(p) & kHighBits) == 0) {
      p += 8;
      continue;
    }
    if (*p < 0x80) {
      ++p;
      continue;
    }
    int bad = 1;
    const int n = utf8_sequence(p, end, &bad);
    if (n > 0) {
      p += n;
      continue;
    }
    if (!flush()) return out;
    if (room < kReplacement.size()) return out;
    out = put(out, kReplacement);
    room -= kReplacement.size();
    p += bad;
    run = p;
  }
  *complete = flush();
  return out;
}

char* put_printusascii(std::string_view value, std::size_t max, char* out) {
  std::size_t n = 0;
  for (const char ch : value) {
    if (n == max) break;
    if (is_printusascii(static_cast<unsigned char>(ch))) out[n++] = ch;
  }
  return out + n;
}

char* put_header_field(std::string_view value, std::size_t max, char* out) {
  char* end = put_printusascii(value, max, out);
  if (end == out) *end++ = '-';
  return end;
}

char* put_sd_value(std::string_view value, char* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(value.data());
  const auto* const end = p + value.size();
  while (p < end) {
    if (std::endian::native == std::endian::little) {
      // Ids and guids: whole words need no escaping.
      const auto left = static_cast<std::size_t>(end - p);
      if (left >= 8) {
        if (first_byte_of(load8(p), '"', '\\', ']') == 8) {
          std::memcpy(out, p, 8);
          out += 8;
          p += 8;
          continue;
        }
      } else if (left >= 3 && value.size() >= 8) {
        // The tail as one word; 8 bytes of room: 3 per byte left, and left >= 3.
        const std::uint64_t w = tail_word(end, left);
        if (first_byte_of(w, '"', '\\', ']') >= left) {
          std::memcpy(out, &w, sizeof w);
          return out + left;
        }
      }
    }
    const unsigned c = *p;
    if (c < 0x80) {
      if (!kSdPlain[c]) *out++ = '\\';
      *out++ = static_cast<char>(c);
      ++p;
      continue;
    }
    int bad = 1;
    const int n = utf8_sequence(p, end, &bad);
    if (n > 0) {
      std::memcpy(out, p, static_cast<std::size_t>(n));
      out += n;
      p += n;
    } else {
      out = put(out, kReplacement);
      p += bad;
    }
  }
  return out;
}

char* put_cf_host_label(std::string_view value, char* out) {
  char* const start = out;
  bool in_space = false;
  for (const char ch : value) {
    // Go's \s: [\t\n\f\r ]
    if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\f' || ch == '\r') {
      if (!in_space) *out++ = '-';
      in_space = true;
      continue;
    }
    in_space = false;
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
        ch == '-') {
      *out++ = ch;
    }
  }
  while (out > start && out[-1] == '-') --out;
  return out - start > 63 ? start + 63 : out;
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
  Appender a(out);
  a.reserve(value.size() + 1);
  a.set_cursor(text::put_header_field(value, max, a.cursor()));
  a.commit();
}

void append_sd_value(std::string_view value, std::string& out) {
  Appender a(out);
  a.reserve(text::sd_value_bound(value));
  a.set_cursor(text::put_sd_value(value, a.cursor()));
  a.commit();
}

bool is_valid_sd_name(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  for (const char ch : name) {
    if (!text::kSdName[static_cast<unsigned char>(ch)]) return false;
  }
  return true;
}

std::string cf_host_label(std::string_view value) {
  std::string out(value.size(), '\0');
  out.resize(static_cast<std::size_t>(text::put_cf_host_label(value, out.data()) - out.data()));
  return out;
}

}  // namespace nozzle::syslog
