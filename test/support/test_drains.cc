#include "support/test_drains.h"

#include <doctest/doctest.h>

#include "syslog/drain_url.h"

namespace nozzle::test {

using namespace std::chrono_literals;

syslog::DrainConfig fast_drain(const std::string& url) {
  auto r = syslog::parse_drain_url(url);
  INFO(url << ": " << (r.errors.empty() ? "" : r.errors.front()));
  REQUIRE(r.config.has_value());
  syslog::DrainConfig c = *r.config;
  c.backoff_initial = 100ms;
  c.backoff_max = 400ms;
  c.connect_timeout = 3000ms;
  return c;
}

std::string numbered_message(int seq, std::size_t padding) {
  return "<13>1 2026-11-20T10:00:00.000000Z 10.0.0.5 vcap.rep 42 LogMessage "
         "[instance@47450 director=\"\" deployment=\"cf\" group=\"diego-cell\" az=\"z1\" id=\"0\"] "
         "{\"seq\":" + std::to_string(seq) + ",\"msg\":\"" + std::string(padding, 'x') + "\"}\n";
}

}  // namespace nozzle::test
