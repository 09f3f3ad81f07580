// Waiting for a condition with a deadline: how integration tests synchronise with receivers and
// child processes. A test never sleeps for a fixed time and hopes; it polls a predicate that
// says what it is waiting for.
#pragma once

#include <chrono>
#include <cstdint>
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

// Waits until `count()` reaches `target` for as long as it keeps rising: false once it has not
// risen for `stall`, or after `cap` in all. For a backlog that drains at whatever speed the
// machine has: a slow or busy machine gets the time it needs, a stuck delivery fails after
// `stall` without waiting out the cap. `on_poll(value)` sees each reading (for a progress log).
template <typename Count, typename OnPoll>
bool wait_for_count(Count&& count, std::uint64_t target, std::chrono::milliseconds stall, std::chrono::milliseconds cap,
                    OnPoll&& on_poll, std::chrono::milliseconds poll = std::chrono::milliseconds(1000)) {
  const auto start = std::chrono::steady_clock::now();
  auto last_rise = start;
  std::uint64_t last = 0;
  for (;;) {
    const auto value = static_cast<std::uint64_t>(count());
    on_poll(value);
    if (value >= target) return true;
    const auto now = std::chrono::steady_clock::now();
    if (value > last) {
      last = value;
      last_rise = now;
    }
    if (now - last_rise >= stall || now - start >= cap) return false;
    std::this_thread::sleep_for(poll);
  }
}

}  // namespace nozzle::test
