// What syslog-sink counts, and the files it writes: the summary JSON, atomic file
// replacement, and the raw-out log of received messages.
//
// Everything here runs on the sink's single io_context thread, so counters are plain integers.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "latency.h"

namespace sink {

enum class Transport { Tcp = 0, Tls = 1, Udp = 2 };
std::string_view transport_name(Transport t);

struct SinkStats {
  static constexpr std::size_t kMaxErrors = 10;

  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;  // message octets, framing excluded (what raw-out carries after LEN SP)
  std::uint64_t valid = 0;
  std::uint64_t invalid = 0;
  std::uint64_t framing_errors = 0;
  std::uint64_t connections = 0;  // TCP and TLS connections accepted
  std::uint64_t tls_handshake_failures = 0;
  std::array<std::uint64_t, 3> by_transport{};  // frames, indexed by Transport
  std::vector<std::string> first_errors;       // at most kMaxErrors
  bool latency_on = false;                     // --latency: `latency` is measured and reported
  LatencyHistogram latency;

  // Keeps `reason` if fewer than kMaxErrors are kept; cheap once full.
  void note_error(std::string reason);
  // "invalid (tcp 127.0.0.1:5000): HOSTNAME longer than 255 at offset 8: <14>1 - hhh..."
  void note_invalid(Transport t, std::string_view peer, std::string_view reason,
                    std::size_t offset, std::string_view message);

  // {"frames":N,...,"first_errors":[...]} on one line, no trailing newline; with --latency,
  // also "latency":{...} (LatencyHistogram::to_json).
  [[nodiscard]] std::string to_json() const;
};

// JSON string body for arbitrary bytes: control characters and bytes >= 0x80 as \u00XX, so the
// result is valid JSON even for binary garbage (bytes >= 0x80 read as Latin-1).
std::string json_escape(std::string_view bytes);

// Writes `content` to `path` through `path.tmp` and rename(2), so a reader never sees a partial
// file. Returns an empty string, or the reason it failed.
[[nodiscard]] std::string write_file_atomically(const std::string& path, std::string_view content);

// Every received message as `LEN SP MSG`, whatever framing it arrived in. Buffered in memory,
// written out when the buffer passes 1 MiB and on flush().
class RawOut {
 public:
  RawOut() = default;
  RawOut(const RawOut&) = delete;
  RawOut& operator=(const RawOut&) = delete;
  ~RawOut();

  // Returns an empty string, or the reason the file could not be created.
  [[nodiscard]] std::string open(const std::string& path);
  [[nodiscard]] bool is_open() const { return file_ != nullptr; }
  void write(std::string_view message);
  void flush();

 private:
  static constexpr std::size_t kFlushAt = 1 << 20;
  std::FILE* file_ = nullptr;
  std::string buffer_;
  bool write_failed_ = false;
};

}  // namespace sink
