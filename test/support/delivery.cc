#include "support/delivery.h"

#include <stdexcept>

#include "syslog/drain_pool.h"
#include "syslog/drain_url.h"

namespace nozzle::test {

syslog::DrainConfig drain_config(std::string_view url) {
  auto result = syslog::parse_drain_url(url);
  if (!result.errors.empty() || !result.config) {
    std::string text = "parse_drain_url(" + std::string(url) + ") failed:";
    for (const auto& e : result.errors) text += "\n  " + e;
    throw std::runtime_error(text);
  }
  return *result.config;
}

DrainSnapshot snapshot(syslog::Drain& drain) {
  auto& c = drain.counters();
  return {.produced = c.produced.get(),
          .sent_frames = c.sent_frames.get(),
          .dropped = c.dropped_total(),
          .connect_failures = c.connect_failures.get(),
          .reconnects = c.reconnects.get(),
          .tls_verify_failures = c.tls_verify_failures.get(),
          .last_error = c.last_error()};
}

std::string describe(const DrainSnapshot& s) {
  return "drain: produced " + std::to_string(s.produced) + ", sent " + std::to_string(s.sent_frames) +
         ", dropped " + std::to_string(s.dropped) + ", connect failures " + std::to_string(s.connect_failures) +
         ", reconnects " + std::to_string(s.reconnects) + ", TLS verify failures " +
         std::to_string(s.tls_verify_failures) + ", last error '" + s.last_error + "'";
}

DrainSnapshot deliver(syslog::DrainConfig config, const std::vector<std::string>& messages,
                      std::chrono::milliseconds flush_timeout) {
  syslog::DrainPool pool;
  syslog::Drain& drain = pool.add(std::move(config));
  pool.start();
  for (const auto& m : messages) {
    if (!drain.push(m)) throw std::runtime_error("push refused a message; " + describe(snapshot(drain)));
  }
  pool.stop(std::chrono::steady_clock::now() + flush_timeout);
  return snapshot(drain);
}

}  // namespace nozzle::test
