// RFC 5424 TIMESTAMPs from Unix nanoseconds, without the C library's time functions (they take
// locks and know nothing of nanoseconds).
#include <cstdint>
#include <cstring>
#include <string>

#include "syslog/rfc5424.h"
#include "syslog/text.h"

namespace nozzle::syslog {
namespace {

struct CivilTime {
  unsigned year, month, day, hour, minute, second, micros;
};

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
constexpr std::int64_t kSecondsPerDay = 86'400;

// Howard Hinnant's days_from_civil inverse, for days since 1970-01-01 (days >= 0).
CivilTime civil_from_unix_ns(std::int64_t unix_ns) {
  if (unix_ns < 0) unix_ns = 0;  // RFC 5424 has no year before 0000; nothing real is older than 1970
  const std::int64_t secs = unix_ns / kNanosPerSecond;
  const auto micros = static_cast<unsigned>((unix_ns % kNanosPerSecond) / 1000);
  const std::int64_t days = secs / kSecondsPerDay;
  const auto sod = static_cast<unsigned>(secs % kSecondsPerDay);

  const std::int64_t z = days + 719468;
  const std::int64_t era = z / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = y + (m <= 2 ? 1 : 0);
  // FULL-DATE has four year digits. int64 nanoseconds end in 2262, so this only guards the rule.
  if (year > 9999) return CivilTime{9999, 12, 31, 23, 59, 59, 999999};
  return CivilTime{static_cast<unsigned>(year), m, d, sod / 3600, sod / 60 % 60, sod % 60, micros};
}

inline char* put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
  return p + 2;
}

// Writes "YYYY-MM-DDTHH:MM:SS" (19 bytes).
char* put_date_time(char* p, const CivilTime& t) {
  p = put2(p, t.year / 100);
  p = put2(p, t.year % 100);
  *p++ = '-';
  p = put2(p, t.month);
  *p++ = '-';
  p = put2(p, t.day);
  *p++ = 'T';
  p = put2(p, t.hour);
  *p++ = ':';
  p = put2(p, t.minute);
  *p++ = ':';
  return put2(p, t.second);
}

// Writes the six fraction digits.
char* put_micros(char* p, unsigned micros) {
  for (int i = 5; i >= 0; --i) {
    p[i] = static_cast<char>('0' + micros % 10);
    micros /= 10;
  }
  return p + 6;
}

// Writes "YYYY-MM-DDTHH:MM:SS" and sets *micros. Envelopes come in time order, thousands per
// second: each thread renders the date and time of day once per second.
char* put_date_time_cached(std::int64_t unix_ns, char* p, unsigned* micros) {
  struct Cache {
    std::int64_t second = -1;
    unsigned micros_override = 0;  // set when the time was clamped to the last one RFC 5424 has
    char text[19];
  };
  thread_local Cache cache;
  const std::int64_t second = unix_ns < 0 ? 0 : unix_ns / kNanosPerSecond;
  if (second != cache.second) {
    const CivilTime t = civil_from_unix_ns(second * kNanosPerSecond);
    put_date_time(cache.text, t);
    cache.micros_override = t.year == 9999 && t.micros == 999999 ? 999999 : 0;
    cache.second = second;
  }
  *micros = cache.micros_override != 0
                ? cache.micros_override
                : static_cast<unsigned>((unix_ns < 0 ? 0 : unix_ns % kNanosPerSecond) / 1000);
  std::memcpy(p, cache.text, sizeof cache.text);
  return p + sizeof cache.text;
}

}  // namespace

namespace text {

char* put_timestamp_utc(std::int64_t unix_ns, char* p) {
  unsigned micros = 0;
  p = put_date_time_cached(unix_ns, p, &micros);
  *p++ = '.';
  p = put_micros(p, micros);
  *p++ = 'Z';
  return p;
}

char* put_timestamp_cf(std::int64_t unix_ns, char* p) {
  // Go's layout "2006-01-02T15:04:05.999999-07:00": trailing zeros of the fraction trimmed,
  // the dot dropped with them, and UTC written as +00:00.
  unsigned micros = 0;
  p = put_date_time_cached(unix_ns, p, &micros);
  if (micros != 0) {
    *p++ = '.';
    p = put_micros(p, micros);
    while (p[-1] == '0') --p;
  }
  for (const char c : {'+', '0', '0', ':', '0', '0'}) *p++ = c;
  return p;
}

}  // namespace text

void append_timestamp_utc(std::int64_t unix_ns, std::string& out) {
  char buf[text::kMaxTimestamp];
  out.append(buf, text::put_timestamp_utc(unix_ns, buf));
}

void append_timestamp_cf(std::int64_t unix_ns, std::string& out) {
  char buf[text::kMaxTimestamp];
  out.append(buf, text::put_timestamp_cf(unix_ns, buf));
}

}  // namespace nozzle::syslog
