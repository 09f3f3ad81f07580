#include "core/log.h"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>
#include <unordered_map>

namespace nozzle::log {
namespace {

std::atomic<Level> g_min_level{Level::Info};
std::mutex g_mutex;

struct LimitState {
  std::chrono::steady_clock::time_point last{};
  std::uint64_t suppressed = 0;
};
std::unordered_map<std::string, LimitState> g_limits;  // guarded by g_mutex

std::string_view level_name(Level l) {
  switch (l) {
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Warn: return "warn";
    case Level::Error: return "error";
  }
  return "info";
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

void emit_locked(Level level, std::string_view message, std::initializer_list<Field> fields,
                 std::uint64_t suppressed) {
  std::string line;
  line.reserve(128);
  char ts[40];
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  const std::size_t n = std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(ts + n, sizeof ts - n, ".%06lldZ", static_cast<long long>(micros));
  line += "{\"time\":\"";
  line += ts;
  line += "\",\"level\":\"";
  line += level_name(level);
  line += "\",\"msg\":";
  append_json_string(line, message);
  for (const auto& [k, v] : fields) {
    line.push_back(',');
    append_json_string(line, k);
    line.push_back(':');
    append_json_string(line, v);
  }
  if (suppressed > 0) {
    line += ",\"suppressed\":";
    line += std::to_string(suppressed);
  }
  line += "}\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace

void set_min_level(Level level) { g_min_level.store(level); }

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (level < g_min_level.load(std::memory_order_relaxed)) return;
  std::lock_guard lock(g_mutex);
  emit_locked(level, message, fields, 0);
}

void write_limited(std::string_view key, std::chrono::milliseconds interval, Level level,
                   std::string_view message, std::initializer_list<Field> fields) {
  if (level < g_min_level.load(std::memory_order_relaxed)) return;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(g_mutex);
  LimitState& st = g_limits[std::string(key)];
  if (st.last != std::chrono::steady_clock::time_point{} && now - st.last < interval) {
    ++st.suppressed;
    return;
  }
  st.last = now;
  emit_locked(level, message, fields, st.suppressed);
  st.suppressed = 0;
}

}  // namespace nozzle::log
