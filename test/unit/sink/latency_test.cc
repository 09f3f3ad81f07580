#include <doctest/doctest.h>

#include <string>

#include "syslog-sink/latency.h"

using sink::LatencyHistogram;
using sink::TimestampReader;

TEST_CASE("sink latency: timestamps to microseconds since the epoch") {
  TimestampReader r;
  CHECK(r.micros("1970-01-01T00:00:00Z") == 0);
  CHECK(r.micros("1970-01-01T00:00:01.5Z") == 1500000);
  // 2017-01-25T13:25:03Z is 1485350703 (date -u -d ... +%s).
  CHECK(r.micros("2017-01-25T13:25:03.183770Z") == 1485350703183770);
  CHECK(r.micros("2017-01-25T13:25:03.183770123Z") == 1485350703183770);  // past µs ignored
  CHECK(r.micros("2017-01-25T14:25:03.183770+01:00") == 1485350703183770);
  CHECK(r.micros("2017-01-25T12:55:03.183770-00:30") == 1485350703183770);
  CHECK(r.micros("2000-02-29T00:00:00Z") == 951782400000000);
  CHECK_FALSE(r.micros("-").has_value());
}

TEST_CASE("sink latency: the cached second is replaced when the second changes") {
  TimestampReader r;
  CHECK(r.micros("2017-01-25T13:25:03.000001Z") == 1485350703000001);
  CHECK(r.micros("2017-01-25T13:25:03.000002Z") == 1485350703000002);
  CHECK(r.micros("2017-01-25T13:25:04.000001Z") == 1485350704000001);
  CHECK(r.micros("2018-01-25T13:25:04Z") == 1516886704000000);
}

TEST_CASE("sink latency: percentiles within the histogram's precision") {
  LatencyHistogram h;
  CHECK(h.percentile(0.5) == 0);
  for (int v = 1; v <= 1000; ++v) h.add(v);
  CHECK(h.count() == 1000);
  CHECK(h.max() == 1000);
  const auto p50 = h.percentile(0.5);
  const auto p99 = h.percentile(0.99);
  CHECK(p50 >= 500);
  CHECK(p50 <= 500 * 1.016);
  CHECK(p99 >= 990);
  CHECK(p99 <= 1000);
  CHECK(h.percentile(1.0) == 1000);
}

TEST_CASE("sink latency: small values are exact, negative values count as zero, huge ones fit") {
  LatencyHistogram h;
  h.add(-5);
  h.add(3);
  h.add(63);
  CHECK(h.percentile(0.34) == 3);
  CHECK(h.percentile(0.1) == 0);
  CHECK(h.percentile(1.0) == 63);
  h.add(std::int64_t{1} << 62);
  CHECK(h.percentile(1.0) == std::int64_t{1} << 62);
  h.add_unparsed();
  const std::string json = h.to_json();
  CHECK(json.find("\"count\":4") != std::string::npos);
  CHECK(json.find("\"unparsed\":1") != std::string::npos);
  CHECK(json.find("\"p50_us\":3") != std::string::npos);
  h.clear();
  CHECK(h.count() == 0);
  CHECK(h.max() == 0);
}
