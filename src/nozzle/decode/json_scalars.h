// Scalar decoding for protojson (docs/WIRE.md, "protojson encoding"): 64-bit integers as strings or
// numbers, doubles with "NaN"/"Infinity"/"-Infinity", base64 bytes, and the text forms
// loggregator's v2->v1 conversion parses (UUIDs, decimal tag values). Pure functions; internal to
// src/nozzle.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace nozzle::json {

// A decimal integer, optionally in exponent or fraction form as long as the value is integral
// and in range ("12", "-3", "1e3", "5.0"), as protojson accepts for int64/uint64.
[[nodiscard]] bool parse_int64(std::string_view text, std::int64_t& out);
[[nodiscard]] bool parse_uint64(std::string_view text, std::uint64_t& out);

// A JSON number, a number in a string, or "NaN", "Infinity", "-Infinity".
[[nodiscard]] bool parse_double(std::string_view text, double& out);

// Standard or URL-safe base64, with or without padding, into `out` (replaced). Trailing bits
// that do not fill a byte are ignored, as Go's decoder ignores them.
[[nodiscard]] bool decode_base64(std::string_view text, std::string& out);

// A UUID in 8-4-4-4-12 hex (either case) rewritten lowercase into `out`; false (out cleared)
// if `text` is not one, as go-loggregator gives a nil UUID for it.
bool normalize_uuid(std::string_view text, std::string& out);

// Go's strconv.Atoi then a cast, as the conversion applies it to tag values: 0 when the text
// is not a decimal integer in int64 range.
std::int64_t atoi_or_zero(std::string_view text);

// Go's fmt "%d" and "%f" (six decimals; "NaN", "+Inf", "-Inf"), into `out` (replaced).
void format_int(std::int64_t v, std::string& out);
void format_fixed6(double v, std::string& out);

// Go's float64 -> integer conversions, made total: NaN gives 0, out-of-range values saturate
// (Go leaves them implementation-defined; C++ leaves them undefined).
std::uint64_t double_to_uint64(double v);
std::int32_t double_to_int32(double v);

}  // namespace nozzle::json
