// Owns the drains and the one io_context thread that runs all their connections.
//
// Usage: add() every drain, start(), push() from any thread, then stop(deadline): pushes stop
// being accepted, queued frames are flushed until the deadline, TLS ends with close_notify,
// and whatever could not be sent is counted as dropped_shutdown.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "syslog/drain.h"

namespace boost::asio {
class io_context;
}

namespace nozzle::syslog {

class DrainPool {
 public:
  DrainPool();
  ~DrainPool();
  DrainPool(const DrainPool&) = delete;
  DrainPool& operator=(const DrainPool&) = delete;

  // Creates a drain; the reference stays valid for the pool's lifetime. Call before start().
  Drain& add(DrainConfig config);
  void start();
  // Blocks until every drain is flushed and closed, or the deadline passes. Idempotent.
  // After hand_over_thread(), it runs the io_context on the calling thread meanwhile (the
  // thread that ran it must have stopped running it before).
  void stop(std::chrono::steady_clock::time_point deadline);

  // --drain-thread shared: ends the pool's own thread and returns its io_context, for one
  // other thread to run from now on (the firehose connection's, so that its hand-over to the
  // drains needs no wake-up of another thread). A drain's wake() then writes at once when it
  // is called on that thread. Call after start(), once, before that thread runs it.
  boost::asio::io_context& hand_over_thread();

  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] Drain& at(std::size_t i);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nozzle::syslog
