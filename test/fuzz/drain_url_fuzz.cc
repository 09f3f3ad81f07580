// libFuzzer target: any byte string as a drain URL (--drain, DRAINS), through parse_drain_url()
// and the option parsers it uses. It must never crash; a URL is either a DrainConfig or a list
// of errors, never both or neither, and a config it accepts names a host and a port.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "syslog/drain_url.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const nozzle::syslog::DrainUrlResult r = nozzle::syslog::parse_drain_url(text);
  if (r.config.has_value() == !r.errors.empty()) std::abort();
  for (const auto& e : r.errors) {
    if (e.empty()) std::abort();
  }
  if (r.config) {
    if (r.config->host.empty() || r.config->port == 0 || r.config->name.empty()) std::abort();
    if (r.config->transport == nozzle::syslog::Transport::Udp && !r.config->spool.dir.empty()) std::abort();
  }
  (void)nozzle::syslog::parse_byte_size(text);
  (void)nozzle::syslog::parse_spool_fsync(text);
  (void)nozzle::syslog::parse_delivery(text);
  return 0;
}
