// Protobuf wire-format reading for the v1 decoder: varints, fixed-width values, length-delimited
// fields and group skipping, every step bounds-checked. Internal to src/nozzle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "nozzle/decode/decode_error.h"

namespace nozzle::wire {

enum WireType : std::uint32_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

// One field as the wire gives it. For a group, the group has already been skipped.
struct Field {
  std::uint32_t number = 0;
  std::uint32_t wire_type = 0;
  std::uint64_t value = 0;   // varint, fixed64 or fixed32 bits
  std::string_view bytes;    // length-delimited payload
  const unsigned char* at = nullptr;  // the field's tag, for error offsets
};

// Holds the first error of one decode and the start of the whole buffer (for byte offsets).
struct Context {
  const unsigned char* base = nullptr;
  DecodeError error;

  bool fail(DecodeErrorKind kind, std::string_view message, std::uint32_t field_number,
            std::string_view field, std::uint64_t value, const unsigned char* at) {
    error.kind = kind;
    error.message = message;
    error.field_number = field_number;
    error.field = field;
    error.value = value;
    error.offset = static_cast<std::size_t>(at - base);
    return false;
  }

  // Checks that a known field arrived with its declared wire type.
  bool expect(std::string_view message, const Field& f, std::uint32_t wire_type, std::string_view name) {
    if (f.wire_type == wire_type) return true;
    return fail(DecodeErrorKind::WrongWireType, message, f.number, name, f.wire_type, f.at);
  }
};

enum class VarintStatus : std::uint8_t { Ok, Truncated, Overlong };

inline VarintStatus read_varint(const unsigned char*& p, const unsigned char* end, std::uint64_t& out) {
  if (p < end && *p < 0x80) {
    out = *p++;
    return VarintStatus::Ok;
  }
  std::uint64_t result = 0;
  for (unsigned i = 0; i < 10; ++i) {
    if (p == end) return VarintStatus::Truncated;
    const unsigned char b = *p++;
    // The 10th byte holds bit 63 only; anything more overflows 64 bits (as protobuf-go rules).
    if (i == 9 && b > 1) return VarintStatus::Overlong;
    result |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
    if (b < 0x80) {
      out = result;
      return VarintStatus::Ok;
    }
  }
  return VarintStatus::Overlong;
}

inline std::uint64_t load_le(const unsigned char* p, unsigned n) {
  std::uint64_t v = 0;
  for (unsigned i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

inline bool fail_varint(Context& ctx, VarintStatus s, std::string_view message, std::uint32_t number,
                        const unsigned char* at) {
  return ctx.fail(s == VarintStatus::Truncated ? DecodeErrorKind::TruncatedVarint
                                               : DecodeErrorKind::OverlongVarint,
                  message, number, {}, 0, at);
}

inline bool read_tag(Context& ctx, std::string_view message, const unsigned char*& p, const unsigned char* end,
                     std::uint32_t& number, std::uint32_t& wire_type) {
  const unsigned char* at = p;
  std::uint64_t tag = 0;
  if (auto s = read_varint(p, end, tag); s != VarintStatus::Ok) return fail_varint(ctx, s, message, 0, at);
  const std::uint64_t n = tag >> 3;
  if (n == 0 || n > 0x1fffffff) {
    return ctx.fail(DecodeErrorKind::InvalidFieldNumber, message, 0, {}, n, at);
  }
  number = static_cast<std::uint32_t>(n);
  wire_type = static_cast<std::uint32_t>(tag & 7);
  return true;
}

// Wire types 3 (skips the group), 4 and 6-7 (errors): rare, so out of line.
bool skip_group_or_fail(Context& ctx, std::string_view message, const unsigned char*& p, const unsigned char* end,
                        const Field& f);

// Reads the next field at p (advancing p). Returns false with ctx.error set on malformed input.
inline bool read_field(Context& ctx, std::string_view message, const unsigned char*& p, const unsigned char* end,
                Field& f) {
  f.at = p;
  if (!read_tag(ctx, message, p, end, f.number, f.wire_type)) return false;
  switch (f.wire_type) {
    case kVarint:
      if (auto s = read_varint(p, end, f.value); s != VarintStatus::Ok) {
        return fail_varint(ctx, s, message, f.number, f.at);
      }
      return true;
    case kFixed64:
      if (end - p < 8) return ctx.fail(DecodeErrorKind::TruncatedFixed, message, f.number, {}, 0, f.at);
      f.value = load_le(p, 8);
      p += 8;
      return true;
    case kFixed32:
      if (end - p < 4) return ctx.fail(DecodeErrorKind::TruncatedFixed, message, f.number, {}, 0, f.at);
      f.value = load_le(p, 4);
      p += 4;
      return true;
    case kLengthDelimited: {
      std::uint64_t len = 0;
      if (auto s = read_varint(p, end, len); s != VarintStatus::Ok) {
        return fail_varint(ctx, s, message, f.number, f.at);
      }
      if (len > static_cast<std::uint64_t>(end - p)) {
        return ctx.fail(DecodeErrorKind::LengthPastEnd, message, f.number, {}, 0, f.at);
      }
      f.bytes = std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(len));
      p += len;
      return true;
    }
    default:
      return skip_group_or_fail(ctx, message, p, end, f);
  }
}


// Calls on_field(const Field&) -> bool for every field of a message; stops at the first false.
template <class OnField>
bool for_each_field(Context& ctx, std::string_view message, std::string_view data, OnField&& on_field) {
  auto* p = reinterpret_cast<const unsigned char*>(data.data());
  auto* end = p + data.size();
  Field f;
  while (p < end) {
    if (!read_field(ctx, message, p, end, f)) return false;
    if (!on_field(f)) return false;
  }
  return true;
}

}  // namespace nozzle::wire
