#include "latency.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace sink {
namespace {

int digits(std::string_view s, std::size_t at, std::size_t n) {
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

void append_field(std::string& out, const char* name, std::uint64_t v) {
  out += '"';
  out += name;
  out += "\":";
  out += std::to_string(v);
}

}  // namespace

std::optional<std::int64_t> TimestampReader::micros(std::string_view ts) {
  constexpr std::size_t kSecondText = 19;  // "YYYY-MM-DDTHH:MM:SS"
  if (ts.size() <= kSecondText) return std::nullopt;  // NILVALUE "-" (or not validated)
  if (!have_last_ || std::memcmp(ts.data(), last_second_text_.data(), kSecondText) != 0) {
    const std::int64_t days = days_from_civil(digits(ts, 0, 4), digits(ts, 5, 2), digits(ts, 8, 2));
    last_second_ = days * 86400 + digits(ts, 11, 2) * 3600 + digits(ts, 14, 2) * 60 + digits(ts, 17, 2);
    std::memcpy(last_second_text_.data(), ts.data(), kSecondText);
    have_last_ = true;
  }
  std::size_t at = kSecondText;
  std::int64_t fraction = 0;
  if (ts[at] == '.') {
    int n = 0;
    for (++at; at < ts.size() && ts[at] >= '0' && ts[at] <= '9'; ++at, ++n) {
      if (n < 6) fraction = fraction * 10 + (ts[at] - '0');
    }
    for (; n < 6; ++n) fraction *= 10;
  }
  std::int64_t offset_seconds = 0;
  if (at < ts.size() && (ts[at] == '+' || ts[at] == '-') && ts.size() >= at + 6) {
    offset_seconds = (digits(ts, at + 1, 2) * 60 + digits(ts, at + 4, 2)) * 60;
    if (ts[at] == '-') offset_seconds = -offset_seconds;
  }
  return (last_second_ - offset_seconds) * 1000000 + fraction;
}

int LatencyHistogram::bucket_of(std::uint64_t v) {
  if (v < kSub) return static_cast<int>(v);
  const int msb = 63 - std::countl_zero(v);
  const int shift = msb - kSubBits;
  return (shift + 1) * kSub + static_cast<int>((v >> shift) - kSub);
}

std::int64_t LatencyHistogram::upper_bound_of(int bucket) {
  if (bucket < kSub) return bucket;
  const int shift = bucket / kSub - 1;
  const std::uint64_t lower = static_cast<std::uint64_t>(kSub + bucket % kSub) << shift;
  return static_cast<std::int64_t>(lower + (std::uint64_t{1} << shift) - 1);
}

void LatencyHistogram::add(std::int64_t micros) {
  const std::int64_t v = std::max<std::int64_t>(micros, 0);
  ++buckets_[static_cast<std::size_t>(bucket_of(static_cast<std::uint64_t>(v)))];
  ++count_;
  max_ = std::max(max_, v);
}

std::int64_t LatencyHistogram::percentile(double fraction) const {
  if (count_ == 0) return 0;
  // The rank of the value wanted, 1-based: ceil(fraction * count), at least 1.
  const auto wanted = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(fraction * static_cast<double>(count_) + 0.999999));
  std::uint64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += buckets_[static_cast<std::size_t>(b)];
    if (seen >= wanted) return std::min(upper_bound_of(b), max_);
  }
  return max_;
}

std::string LatencyHistogram::to_json() const {
  std::string out = "{";
  append_field(out, "count", count_);
  out += ',';
  append_field(out, "unparsed", unparsed_);
  for (const auto& [name, fraction] : {std::pair{"p50_us", 0.5}, {"p90_us", 0.9}, {"p99_us", 0.99},
                                       {"p999_us", 0.999}}) {
    out += ',';
    append_field(out, name, static_cast<std::uint64_t>(percentile(fraction)));
  }
  out += ',';
  append_field(out, "max_us", static_cast<std::uint64_t>(max_));
  out += '}';
  return out;
}

}  // namespace sink
