// Waiting for a condition with a deadline: how integration tests synchronise with receivers and
// child processes. A test never sleeps for a fixed time and hopes; it polls a predicate that
// says what it is waiting for.
#pragma once

#include <chrono>
#include <thread>

namespace nozzle::test {

// Calls `predicate` every `poll` until it returns true or `timeout` has passed; returns its last
// result, so a condition that becomes true right at the deadline still counts.
template <typename Predicate>
bool wait_until(Predicate&& predicate, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll = std::chrono::milliseconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(poll);
  }
  return predicate();
}

}  // namespace nozzle::test
