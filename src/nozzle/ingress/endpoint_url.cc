#include "nozzle/ingress/endpoint_url.h"

#include <charconv>

namespace nozzle {

Result<EndpointUrl> parse_endpoint_url(std::string_view url) {
  auto fail = [&](const std::string& why) {
    return Result<EndpointUrl>::failure("endpoint '" + std::string(url) + "': " + why);
  };
  EndpointUrl e;
  const std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) return fail("no scheme; expected wss:// or https://");
  const std::string_view scheme = url.substr(0, sep);
  if (scheme == "wss" || scheme == "https") {
    e.tls = true;
    e.port = 443;
  } else if (scheme == "ws" || scheme == "http") {
    e.tls = false;
    e.port = 80;
  } else {
    return fail("scheme '" + std::string(scheme) + "' is not one of wss, ws, https, http");
  }
  std::string_view rest = url.substr(sep + 3);
  const std::size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash);
    if (path.front() != '/') return fail("a query or fragment is not allowed");
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    e.path_prefix.assign(path);
  }
  if (authority.find('@') != std::string_view::npos) return fail("user information is not allowed");
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail("IPv6 address is missing its closing ']'");
    e.host.assign(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return fail("unexpected text after the IPv6 address");
      port_text = authority.substr(close + 2);
      has_port = true;
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    e.host.assign(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
  }
  if (e.host.empty()) return fail("no host");
  if (has_port) {
    unsigned port = 0;
    const auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      return fail("port '" + std::string(port_text) + "' is not a number from 1 to 65535");
    }
    e.port = static_cast<std::uint16_t>(port);
  }
  return e;
}

}  // namespace nozzle
