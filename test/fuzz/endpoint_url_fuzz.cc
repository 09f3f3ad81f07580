// libFuzzer target: any byte string as a firehose endpoint URL, through parse_endpoint_url().
// It must never crash; what it accepts has a host, a port from 1 to 65535 and a path prefix
// that is empty or starts with '/' and does not end with one, and the URL written back from
// those parts parses to the same parts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "nozzle/ingress/endpoint_url.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = nozzle::parse_endpoint_url(text);
  if (!r) {
    if (r.error().empty()) std::abort();
    return 0;
  }
  const nozzle::EndpointUrl& e = *r;
  if (e.host.empty() || e.port == 0) std::abort();
  if (!e.path_prefix.empty() && (e.path_prefix.front() != '/' || e.path_prefix.back() == '/')) std::abort();

  // The host comes back unbracketed (the port, always written, is after the last ':'), except
  // one that starts with '[': only brackets could have given it, and it holds no ']'.
  std::string again = e.tls ? "https://" : "http://";
  again += e.host.front() == '[' ? "[" + e.host + "]" : e.host;
  again += ":" + std::to_string(e.port) + e.path_prefix;
  const auto r2 = nozzle::parse_endpoint_url(again);
  if (!r2 || r2->tls != e.tls || r2->host != e.host || r2->port != e.port || r2->path_prefix != e.path_prefix) {
    std::abort();
  }
  return 0;
}
