#include "nozzle/decode/protobuf_wire.h"

namespace nozzle::wire {
namespace {

// Deep enough for any real producer; bounded so a hostile frame cannot exhaust the stack.
constexpr int kMaxGroupDepth = 32;

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

bool skip_group_or_fail(Context& ctx, std::string_view message, const unsigned char*& p, const unsigned char* end,
                        const Field& f) {
  return skip_value(ctx, message, p, end, f.number, f.wire_type, f.at, 0);
}

}  // namespace nozzle::wire
