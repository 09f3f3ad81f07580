// The nozzle's own log: one JSON object per line on stderr, with level, message and fields.
//
// Thread-safe. Repeated messages are rate-limited by key: at most one line per key per
// interval, with the number of suppressed repeats reported on the next line that gets out.
// Never pass a secret as a field.
#pragma once

#include <chrono>
#include <initializer_list>
#include <string_view>
#include <utility>

namespace nozzle::log {

enum class Level { Debug, Info, Warn, Error };

using Field = std::pair<std::string_view, std::string_view>;

void set_min_level(Level level);
void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

// Like write(), but at most one line per `key` every `interval`.
void write_limited(std::string_view key, std::chrono::milliseconds interval, Level level,
                   std::string_view message, std::initializer_list<Field> fields = {});

inline void info(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::Info, m, f); }
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::Warn, m, f); }
inline void error(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::Error, m, f); }

}  // namespace nozzle::log
