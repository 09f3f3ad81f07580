// The RFC 5424 formatter: pure code, no I/O, no clock.
//
// One envelope becomes one SYSLOG-MSG, except in the cf style where a ContainerMetric becomes
// one message per gauge (as CF's drains write it). Every message ends in LF, which counts
// towards max_message_bytes and towards the octet count of the frame (as CF's drains do).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/envelope.h"
#include "syslog/format_options.h"

namespace nozzle::syslog {

// Reused output of Formatter::format(): messages laid end to end in `bytes`.
struct FormattedMessages {
  struct Span {
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
    bool truncated = false;  // the msg value was cut to fit max_message_bytes
  };
  std::string bytes;
  std::vector<Span> spans;
  std::size_t too_large = 0;  // messages that could not fit even with msg cut away (dropped)

  void clear() {
    bytes.clear();
    spans.clear();
    too_large = 0;
  }
  [[nodiscard]] std::size_t size() const { return spans.size(); }
  [[nodiscard]] std::string_view message(std::size_t i) const {
    return std::string_view(bytes).substr(spans[i].offset, spans[i].length);
  }
};

class Formatter {
 public:
  explicit Formatter(FormatOptions options);

  // Appends env's message(s) to `out` (which the caller clears between envelopes).
  // `app` holds the enriched names; empty fields are unknown.
  void format(const Envelope& env, const AppInfo& app, FormattedMessages& out) const;

  [[nodiscard]] const FormatOptions& options() const { return options_; }

 private:
  FormatOptions options_;
};

// Pieces of the formatter, exposed for tests and for the cf-style hostname rule.

// PRIVAL for an envelope: LogMessage OUT 14, ERR 11; Error 11; everything else 13 (pcf style).
int pcf_priority(const Envelope& env);
// Appends an RFC 5424 TIMESTAMP in UTC with 6 fractional digits and "Z".
void append_timestamp_utc(std::int64_t unix_ns, std::string& out);
// Appends a CF-style timestamp: fraction with trailing zeros trimmed, offset "+00:00".
void append_timestamp_cf(std::int64_t unix_ns, std::string& out);
// Appends `value` reduced to PRINTUSASCII (other bytes dropped) and cut to `max` bytes;
// "-" when nothing is left.
void append_header_field(std::string_view value, std::size_t max, std::string& out);
// Appends an SD-PARAM value with '"', '\' and ']' escaped; invalid UTF-8 becomes U+FFFD.
void append_sd_value(std::string_view value, std::string& out);
// True when `name` is a valid SD-NAME (1..32 PRINTUSASCII, no '=', SP, ']', '"').
bool is_valid_sd_name(std::string_view name);
// CF's hostname label rule: whitespace runs become '-', other chars outside [-a-zA-Z0-9]
// dropped, trailing '-' removed, cut to 63.
std::string cf_host_label(std::string_view value);
// Go's strconv.FormatFloat(v, 'g', -1, 64).
void append_go_float(double v, std::string& out);

}  // namespace nozzle::syslog
