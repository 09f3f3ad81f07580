// cfapi::TokenProvider against cf-sim's UAA: its own thread fetches and renews, callers never
// wait for UAA unless they ask to, and stop() does not wait out a UAA that hangs.
#include <doctest/doctest.h>

#include <future>

#include "cfapi/token_provider.h"
#include "simulator.h"
#include "support/wait.h"

using namespace nozzle;
using namespace std::chrono_literals;
using nozzle::test::wait_until;

namespace {
cfapi::UaaConfig uaa(const cfsim::Simulator& sim) {
  return {.uaa_url = sim.base_url(), .client_id = "nozzle", .client_secret = "nozzle-secret"};
}
}  // namespace

TEST_CASE("token provider: the refresher renews ahead of expiry, current() never waits") {
  cfsim::SimulatorOptions o;
  o.uaa.expires_in_seconds = 1;  // renewed at half its life
  cfsim::Simulator sim(o);
  sim.start();
  cfapi::TokenProvider tokens(uaa(sim), {.ca_file = sim.ca_file()});
  const auto first = tokens.token();
  REQUIRE(first);
  CHECK(first->rfind("bearer ", 0) == 0);
  CHECK(wait_until([&] { return tokens.tokens_fetched() >= 3; }, 5s));  // without being asked
  CHECK(tokens.current().has_value());
  CHECK(tokens.fetch_failures() == 0);
  sim.stop();
}

TEST_CASE("token provider: a hanging UAA blocks no caller of current(), and stop() lets token() go at once") {
  cfsim::Simulator sim(cfsim::SimulatorOptions{});
  sim.start();
  cfsim::FaultSettings f;
  f.uaa_latency = 60s;
  sim.set_faults(f);
  cfapi::TokenProvider tokens(uaa(sim), {.ca_file = sim.ca_file()});
  tokens.start();
  REQUIRE(wait_until([&] { return sim.counters().tokens_issued >= 1; }, 5s));  // the request hangs
  const auto asked = std::chrono::steady_clock::now();
  CHECK_FALSE(tokens.current().has_value());
  CHECK(std::chrono::steady_clock::now() - asked < 100ms);

  auto waiting = std::async(std::launch::async, [&] { return tokens.token(); });
  CHECK(waiting.wait_for(300ms) == std::future_status::timeout);  // token() does wait
  const auto stopping = std::chrono::steady_clock::now();
  tokens.stop();
  CHECK(std::chrono::steady_clock::now() - stopping < 2s);  // not the 10 s request timeout
  REQUIRE(waiting.wait_for(1s) == std::future_status::ready);
  CHECK_FALSE(waiting.get());
  CHECK(tokens.fetch_failures() == 0);  // abandoned, not failed
  sim.stop();
}
