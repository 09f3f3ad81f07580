// The values a drain URL's options and their global flags share (--spool-max-bytes and
// spool-max-bytes=, --delivery and delivery=, ...): one parser each, used by parse_drain_url()
// and by the nozzle's configuration.
#include <charconv>
#include <cstdint>
#include <string>

#include "syslog/drain_url.h"

namespace nozzle::syslog {
namespace {

bool parse_whole(std::string_view text, double& out) {
  std::uint64_t n = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || n > 100'000'000) return false;
  out = static_cast<double>(n);
  return true;
}

}  // namespace

std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
  std::uint64_t n = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || ptr == text.data()) return std::nullopt;
  const std::string_view unit = text.substr(static_cast<std::size_t>(ptr - text.data()));
  unsigned shift = 0;
  if (unit.empty() || unit == "B") shift = 0;
  else if (unit == "K" || unit == "KB" || unit == "KiB") shift = 10;
  else if (unit == "M" || unit == "MB" || unit == "MiB") shift = 20;
  else if (unit == "G" || unit == "GB" || unit == "GiB") shift = 30;
  else if (unit == "T" || unit == "TB" || unit == "TiB") shift = 40;
  else return std::nullopt;
  if (n > (UINT64_MAX >> shift)) return std::nullopt;
  return n << shift;
}

std::optional<SpoolFsync> parse_spool_fsync(std::string_view text) {
  if (text == "never") return SpoolFsync::Never;
  if (text == "segment") return SpoolFsync::Segment;
  if (text == "always") return SpoolFsync::Always;
  return std::nullopt;
}

std::optional<Platform> parse_platform(std::string_view text) {
  if (text == "include") return Platform::Include;
  if (text == "exclude") return Platform::Exclude;
  if (text == "only") return Platform::Only;
  return std::nullopt;
}

std::optional<Delivery> parse_delivery(std::string_view text) {
  if (text == "at-most-once") return Delivery::AtMostOnce;
  if (text == "at-least-once") return Delivery::AtLeastOnce;
  return std::nullopt;
}

bool parse_rate(std::string_view text, double& per_second) {
  if (text.ends_with("/s")) text.remove_suffix(2);
  return parse_whole(text, per_second);
}

bool parse_burst(std::string_view text, double& lines) { return parse_whole(text, lines) && lines >= 1; }

std::string endpoint_label(const GroupEndpoint& e) {
  std::string s = e.host.find(':') != std::string::npos ? "[" + e.host + "]" : e.host;
  s += ":" + std::to_string(e.port);
  return s;
}

std::string_view transport_scheme(Transport t) {
  switch (t) {
    case Transport::Tls: return "syslog-tls";
    case Transport::Tcp: return "syslog";
    case Transport::Udp: return "syslog-udp";
    case Transport::Relp: return "relp";
    case Transport::RelpTls: return "relp-tls";
  }
  return "syslog";
}

}  // namespace nozzle::syslog
