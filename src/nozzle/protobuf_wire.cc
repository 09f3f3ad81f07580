#include "nozzle/protobuf_wire.h"

namespace nozzle::wire {
namespace {

// Deep enough for any real producer; bounded so a hostile frame cannot exhaust the stack.
constexpr int kMaxGroupDepth = 32;

bool fail_varint(Context& ctx, VarintStatus s, std::string_view message, std::uint32_t number,
                 const unsigned char* at) {
  return ctx.fail(s == VarintStatus::Truncated ? DecodeErrorKind::TruncatedVarint
                                               : DecodeErrorKind::OverlongVarint,
                  message, number, {}, 0, at);
}

bool read_tag(Context& ctx, std::string_view message, const unsigned char*& p, const unsigned char* end,
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

// Skips the value of a field whose tag was just read. For a group, skips to its end-group.
bool skip_value(Context& ctx, std::string_view message, const unsigned char*& p, const unsigned char* end,
                std::uint32_t number, std::uint32_t wire_type, const unsigned char* at, int depth) {
  std::uint64_t v = 0;
  switch (wire_type) {
    case kVarint:
      if (auto s = read_varint(p, end, v); s != VarintStatus::Ok) return fail_varint(ctx, s, message, number, at);
      return true;
    case kFixed64:
    case kFixed32: {
      const std::size_t n = wire_type == kFixed64 ? 8 : 4;
      if (static_cast<std::size_t>(end - p) < n) {
        return ctx.fail(DecodeErrorKind::TruncatedFixed, message, number, {}, 0, at);
      }
      p += n;
      return true;
    }
    case kLengthDelimited:
      if (auto s = read_varint(p, end, v); s != VarintStatus::Ok) return fail_varint(ctx, s, message, number, at);
      if (v > static_cast<std::uint64_t>(end - p)) {
        return ctx.fail(DecodeErrorKind::LengthPastEnd, message, number, {}, 0, at);
      }
      p += v;
      return true;
    case kStartGroup:
      if (depth >= kMaxGroupDepth) return ctx.fail(DecodeErrorKind::TooDeep, message, number, {}, 0, at);
      for (;;) {
        if (p == end) return ctx.fail(DecodeErrorKind::UnbalancedGroup, message, number, {}, 0, at);
        const unsigned char* inner_at = p;
        std::uint32_t inner_number = 0;
        std::uint32_t inner_type = 0;
        if (!read_tag(ctx, message, p, end, inner_number, inner_type)) return false;
        if (inner_type == kEndGroup) {
          if (inner_number != number) {
            return ctx.fail(DecodeErrorKind::UnbalancedGroup, message, inner_number, {}, 0, inner_at);
          }
          return true;
        }
        if (!skip_value(ctx, message, p, end, inner_number, inner_type, inner_at, depth + 1)) return false;
      }
    case kEndGroup:
      return ctx.fail(DecodeErrorKind::UnbalancedGroup, message, number, {}, 0, at);
    default:
      return ctx.fail(DecodeErrorKind::InvalidWireType, message, number, {}, wire_type, at);
  }
}

}  // namespace

bool read_field(Context& ctx, std::string_view message, const unsigned char*& p, const unsigned char* end,
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
      return skip_value(ctx, message, p, end, f.number, f.wire_type, f.at, 0);
  }
}

}  // namespace nozzle::wire
