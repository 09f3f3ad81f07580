// syslog-sink --latency: how long frames took from the time they carry to their receipt.
//
// A frame's RFC 5424 TIMESTAMP is the time of the event it reports (for the nozzle, the
// envelope's timestamp), so `receipt - TIMESTAMP` is the delay of everything in between. Only
// frames with a full timestamp count; NILVALUE and unparseable ones are counted apart.
//
// Cheap by construction, since it runs per frame: the conversion of the date and time of day is
// cached per second (frames of one second share it), and values go into a log-linear histogram
// (64 sub-buckets per power of two: under 1.6 % error) of fixed size, not a growing sample.
// Pure code, no clock of its own: the caller passes the receipt time.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sink {

// Microseconds since the epoch of an RFC 5424 TIMESTAMP that the validator has accepted
// (`YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)`); nullopt for NILVALUE. Fraction digits past
// the sixth are ignored.
class TimestampReader {
 public:
  [[nodiscard]] std::optional<std::int64_t> micros(std::string_view timestamp);

 private:
  std::array<char, 19> last_second_text_{};  // "YYYY-MM-DDTHH:MM:SS" converted last
  std::int64_t last_second_ = 0;             // it, as seconds since the epoch (before offset)
  bool have_last_ = false;
};

class LatencyHistogram {
 public:
  // One frame's latency; negative values (a clock step, a sender ahead of us) count as 0.
  void add(std::int64_t micros);
  void add_unparsed() { ++unparsed_; }
  void clear() { *this = LatencyHistogram(); }

  [[nodiscard]] std::uint64_t count() const { return count_; }
  // The smallest bucket bound with at least `fraction` of the values at or below it, in µs
  // (0 when empty). Reported values are upper bounds of their buckets.
  [[nodiscard]] std::int64_t percentile(double fraction) const;
  [[nodiscard]] std::int64_t max() const { return max_; }

  // {"count":N,"unparsed":N,"p50_us":N,"p90_us":N,"p99_us":N,"p999_us":N,"max_us":N}
  [[nodiscard]] std::string to_json() const;

 private:
  static constexpr int kSubBits = 6;
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kBuckets = kSub * (64 - kSubBits + 1);
  static int bucket_of(std::uint64_t v);
  static std::int64_t upper_bound_of(int bucket);

  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t unparsed_ = 0;
  std::int64_t max_ = 0;
};

}  // namespace sink
