// A drain's counters. Written by the producer threads and the drains' io thread, read by the
// stats server. The accounting invariant, at any moment:
//
//   produced == sent_frames + dropped_total() + queued_frames + spool_frames (+ handed_over)
//
// produced also counts the frames an earlier run left in the spool (recovered_frames), found
// at start; queued_frames counts the frames in memory and in flight, spool_frames those on disk
// not yet read. handed_over is nonzero only for an endpoint of a drain group: frames its group
// moved to another endpoint while it was down (they count as produced there).
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "core/counter.h"

namespace nozzle::syslog {

enum class DropReason { QueueFull, TooLarge, WriteFailed, Shutdown, SpoolFull, SpoolIo, SpoolCorrupt };

struct DrainCounters {
  Counter produced;  // every message offered to push()
  Counter sent_frames;
  Counter sent_bytes;  // framing included
  Counter dropped_queue_full;
  Counter dropped_too_large;
  Counter dropped_write_failed;  // frames of a write that failed (connection lost mid-write)
  Counter dropped_shutdown;      // frames still queued when the shutdown deadline passed
  Counter dropped_spool_full;     // the oldest spool segment removed to stay under spool-max-bytes
  Counter dropped_spool_io;       // frames that could not be written to the spool (disk full, I/O error)
  Counter dropped_spool_corrupt;  // damaged spool records (a torn tail counts as one)
  Counter spooled;           // frames moved from memory to the spool
  Counter replayed;          // frames read back from the spool and delivered
  Counter resent;            // frames written again on a new connection after a break
  Counter recovered_frames;  // frames found in the spool at start (part of produced)
  Counter rate_limited;      // app log lines over this drain's rate-limit=, never offered (not in produced)
  Counter handed_over;       // drain group endpoint: queued frames moved to another endpoint
  Gauge spool_frames;        // frames on disk not yet read
  Gauge spool_bytes;         // bytes of the spool's segments
  Gauge spool_segments;
  Gauge spool_failed;        // 1 while the spool is off after an I/O error (memory only)
  Gauge relp_in_flight;      // RELP frames sent and not yet acknowledged
  Counter reconnects;            // connections established after the first
  Counter connect_failures;      // failed connects, TLS handshakes included
  Counter tls_verify_failures;   // handshakes refused because the peer did not verify
  Gauge queued_frames;           // waiting or in flight
  Gauge queued_bytes;
  Gauge connected;  // 1 while a connection is up
  // steady_clock milliseconds since the drain was last seen down (0 while connected), so that
  // /health can tell how long a drain has been down.
  Gauge down_since_ms;

  void mark_up() {
    connected.set(1);
    down_since_ms.set(0);
  }
  void mark_down() {
    connected.set(0);
    if (down_since_ms.get() == 0) {
      down_since_ms.set(std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count());
    }
  }

  [[nodiscard]] std::uint64_t dropped_total() const {
    return dropped_queue_full.get() + dropped_too_large.get() + dropped_write_failed.get() +
           dropped_shutdown.get() + dropped_spool_full.get() + dropped_spool_io.get() +
           dropped_spool_corrupt.get();
  }
  Counter& dropped(DropReason r) {
    switch (r) {
      case DropReason::QueueFull: return dropped_queue_full;
      case DropReason::TooLarge: return dropped_too_large;
      case DropReason::WriteFailed: return dropped_write_failed;
      case DropReason::SpoolFull: return dropped_spool_full;
      case DropReason::SpoolIo: return dropped_spool_io;
      case DropReason::SpoolCorrupt: return dropped_spool_corrupt;
      case DropReason::Shutdown: break;
    }
    return dropped_shutdown;
  }

  // The most recent connection error, kept after a reconnect (connected says whether the drain
  // is up now); "" when there never was one.
  void set_last_error(std::string e) {
    std::lock_guard lock(mutex_);
    last_error_ = std::move(e);
  }
  [[nodiscard]] std::string last_error() const {
    std::lock_guard lock(mutex_);
    return last_error_;
  }

 private:
  mutable std::mutex mutex_;
  std::string last_error_;
};

}  // namespace nozzle::syslog
