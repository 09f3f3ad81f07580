// The JSON body of a pcf-style message: firehose-to-syslog's keys for every event type.
//
// Pure code. Invalid UTF-8 anywhere is replaced by U+FFFD, so the body is always valid JSON.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/envelope.h"
#include "syslog/format_options.h"

namespace nozzle::syslog {

enum class BodyResult {
  Ok,
  Truncated,  // the msg value was cut and "truncated":true added
  TooLarge,   // even with msg empty the body exceeds the budget; `out` is unchanged
};

// Appends the JSON object and a trailing LF to `out`, using at most `budget` bytes.
BodyResult append_json_body(const Envelope& env, const AppInfo& app, const FormatOptions& options,
                            std::size_t budget, std::string& out);

class Appender;
// The same, continuing the formatter's Appender (syslog/appender.h) without committing it.
BodyResult append_json_body(const Envelope& env, const AppInfo& app, const FormatOptions& options,
                            std::size_t budget, Appender& out);

// Appends `in` with every invalid UTF-8 sequence replaced by U+FFFD (EF BF BD).
void append_valid_utf8(std::string_view in, std::string& out);

}  // namespace nozzle::syslog
