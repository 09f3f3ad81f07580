// RapidJSON's Writer, writing straight into the formatter's Appender. Private to src/syslog/;
// json_body.cc is its only user.
//
// RapidJSON's generic Writer puts byte by byte through its stream. Every put is a load and a
// store of the stream's write pointer, in one serial chain (a char store may alias the pointer,
// so the compiler cannot keep it in a register); at ~4 puts and copies per JSON member that chain
// was most of the body's time. The specialisations below keep RapidJSON's structure (its level
// stack, commas, colons, number conversions) and cut the chain down:
//   - a string, a number or a raw key is one reservation and one pointer update;
//   - the ',' or ':' that Prefix() decides on is handed to the stream and written with the value
//     that follows, not on its own;
//   - strings are escaped as RapidJSON escapes them ('"' '\' \b \f \n \r \t, other controls
//     \u00XX), and invalid UTF-8 becomes U+FFFD on the way, so every value is scanned once.
#pragma once

#include <rapidjson/writer.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "syslog/appender.h"
#include "syslog/text.h"

namespace nozzle::syslog {

// The Writer's output stream: the caller's Appender plus the separator waiting for its value.
class JsonStream {
 public:
  using Ch = char;
  explicit JsonStream(Appender& a) : a_(a) {}

  void separate(char c) { sep_ = c; }
  // Reserves room for n bytes and the pending separator, writes the separator, and returns
  // where the n bytes go; end() takes the new end.
  [[gnu::always_inline]] char* begin(std::size_t n) {
    a_.reserve(n + 1);
    char* q = a_.cursor();
    if (sep_ != 0) {
      *q++ = sep_;
      sep_ = 0;
    }
    return q;
  }
  [[gnu::always_inline]] void end(char* q) { a_.set_cursor(q); }

  void Put(char c) {
    char* q = begin(1);
    *q++ = c;
    end(q);
  }
  void put_unsafe(char c) { a_.put_unsafe(c); }
  void Flush() {}
  [[gnu::always_inline]] void write(const char* data, std::size_t n) {
    char* q = begin(n);
    end(copy_run(q, data, n));
  }

  // Bytes written so far (a pending separator not counted).
  [[nodiscard]] std::size_t size() const { return a_.size(); }
  [[nodiscard]] const char* data() const { return a_.data(); }
  void truncate(std::size_t n) {
    sep_ = 0;
    a_.truncate(n);
  }

 private:
  Appender& a_;
  char sep_ = 0;
};

using JsonWriter = rapidjson::Writer<JsonStream>;

namespace json {

// Byte index (0..7) of the first byte of the little-endian word w that JSON must escape
// (< 0x20, '"', '\') or that is not ASCII, or 8.
inline unsigned first_special_byte(std::uint64_t w) {
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL, kLow = 0x0101010101010101ULL;
  // Flags are exact for the lowest flagged byte, which is all that is asked.
  const std::uint64_t control = (w - kLow * 0x20) & ~w & kHigh;
  const std::uint64_t q = w ^ (kLow * '"');
  const std::uint64_t quote = (q - kLow) & ~q & kHigh;
  const std::uint64_t b = w ^ (kLow * '\\');
  const std::uint64_t backslash = (b - kLow) & ~b & kHigh;
  const std::uint64_t any = control | quote | backslash | (w & kHigh);
  return any == 0 ? 8 : static_cast<unsigned>(std::countr_zero(any)) / 8;
}

// Writes `"escaped str"` at q (room for 2 + 6 * length reserved) and returns the end.
inline char* put_string(const char* str, std::size_t length, char* q) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  *q++ = '"';
  const auto* p = reinterpret_cast<const unsigned char*>(str);
  const auto* const end = p + length;
  while (p < end) {
    if (std::endian::native == std::endian::little) {
      const auto left = static_cast<std::size_t>(end - p);
      if (left >= 8) {
        std::uint64_t w;
        std::memcpy(&w, p, sizeof w);
        const unsigned i = first_special_byte(w);
        std::memcpy(q, p, 8);  // room for all 8: the reservation counts 6 bytes for each
        q += i;
        p += i;
        if (i == 8) continue;
      } else if (left >= 2 && length >= 8) {
        // The tail as one word; 8 bytes of room: 6 per byte left, and left >= 2.
        const std::uint64_t w = text::tail_word(end, left);
        if (first_special_byte(w) >= left) {
          std::memcpy(q, &w, sizeof w);
          q += left;
          break;
        }
      }
    }
    const unsigned c = *p;
    if (text::kJsonPlain[c]) {
      *q++ = static_cast<char>(c);
      ++p;
      continue;
    }
    if (c < 0x80) {
      *q++ = '\\';
      switch (c) {
        case '"': *q++ = '"'; break;
        case '\\': *q++ = '\\'; break;
        case '\b': *q++ = 'b'; break;
        case '\f': *q++ = 'f'; break;
        case '\n': *q++ = 'n'; break;
        case '\r': *q++ = 'r'; break;
        case '\t': *q++ = 't'; break;
        default:
          q = put(q, "u00");
          *q++ = kHex[c >> 4];
          *q++ = kHex[c & 15];
      }
      ++p;
      continue;
    }
    int bad = 1;
    const int n = text::utf8_sequence(p, end, &bad);
    if (n > 0) {
      std::memcpy(q, p, static_cast<std::size_t>(n));
      q += n;
      p += n;
    } else {
      q = put(q, text::kReplacement);
      p += bad;
    }
  }
  *q++ = '"';
  return q;
}

}  // namespace json
}  // namespace nozzle::syslog

// RapidJSON reserves before each run of unchecked puts (null, true, false).
template <>
inline void rapidjson::PutReserve(nozzle::syslog::JsonStream& stream, size_t count) {
  stream.end(stream.begin(count));
}
template <>
inline void rapidjson::PutUnsafe(nozzle::syslog::JsonStream& stream, char c) {
  stream.put_unsafe(c);
}

// RapidJSON's Prefix, except that the separator is handed to the stream.
template <>
inline void rapidjson::Writer<nozzle::syslog::JsonStream>::Prefix(Type type) {
  (void)type;
  if (RAPIDJSON_LIKELY(level_stack_.GetSize() != 0)) {
    Level* level = level_stack_.template Top<Level>();
    if (level->valueCount > 0) {
      os_->separate(level->inArray || level->valueCount % 2 == 0 ? ',' : ':');
    }
    if (!level->inArray && level->valueCount % 2 == 0) {
      RAPIDJSON_ASSERT(type == kStringType);  // in an object, a name comes first
    }
    level->valueCount++;
  } else {
    RAPIDJSON_ASSERT(!hasRoot_);
    hasRoot_ = true;
  }
}

// Numbers: RapidJSON's own conversions, then one copy.
template <>
inline bool rapidjson::Writer<nozzle::syslog::JsonStream>::WriteInt(int i) {
  char buffer[16];
  os_->write(buffer, static_cast<std::size_t>(internal::i32toa(i, buffer) - buffer));
  return true;
}
template <>
inline bool rapidjson::Writer<nozzle::syslog::JsonStream>::WriteUint(unsigned u) {
  char buffer[16];
  os_->write(buffer, static_cast<std::size_t>(internal::u32toa(u, buffer) - buffer));
  return true;
}
template <>
inline bool rapidjson::Writer<nozzle::syslog::JsonStream>::WriteInt64(int64_t i) {
  char buffer[24];
  os_->write(buffer, static_cast<std::size_t>(internal::i64toa(i, buffer) - buffer));
  return true;
}
template <>
inline bool rapidjson::Writer<nozzle::syslog::JsonStream>::WriteUint64(uint64_t u) {
  char buffer[24];
  os_->write(buffer, static_cast<std::size_t>(internal::u64toa(u, buffer) - buffer));
  return true;
}
template <>
inline bool rapidjson::Writer<nozzle::syslog::JsonStream>::WriteDouble(double d) {
  if (internal::Double(d).IsNanOrInf()) return false;  // as RapidJSON without kWriteNanAndInfFlag
  char buffer[32];
  os_->write(buffer, static_cast<std::size_t>(internal::dtoa(d, buffer, maxDecimalPlaces_) - buffer));
  return true;
}

// Raw JSON (the constant keys) in one copy.
template <>
inline bool rapidjson::Writer<nozzle::syslog::JsonStream>::WriteRawValue(const char* json,
                                                                        size_t length) {
  os_->write(json, length);
  return true;
}

template <>
inline bool rapidjson::Writer<nozzle::syslog::JsonStream>::WriteString(const char* str,
                                                                      SizeType length) {
  char* q = os_->begin(2 + 6 * static_cast<std::size_t>(length));  // \u00XX: 6 bytes per byte
  os_->end(nozzle::syslog::json::put_string(str, length, q));
  return true;
}
