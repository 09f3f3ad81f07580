#include "syslog/drain_url.h"

#include <algorithm>
#include <charconv>
#include <set>

namespace nozzle::syslog {
namespace {

constexpr std::size_t kMaxMaxMessageBytes = 1u << 20;  // 1 MiB
constexpr std::size_t kMaxUdpPayload = 65507;           // 65535 - IPv4 and UDP headers

constexpr std::string_view kOptions =
    "ca, cert, key, skip-verify, server-name, framing, format, max-message-bytes, events, orgs, spaces, apps, "
    "source-types, exclude-orgs, exclude-spaces, exclude-apps, exclude-source-types, platform, delivery, "
    "spool-dir, spool-max-bytes, spool-fsync, window, name, labels, rate-limit, rate-burst, json-logs, mode, "
    "failback-after";
// No port is assigned to RELP; rsyslog's documentation uses 2514.
constexpr std::uint16_t kDefaultRelpPort = 2514;
constexpr std::chrono::milliseconds kMaxFailbackAfter{3600000};
// A spool smaller than this could not hold one segment of useful size.
constexpr std::uint64_t kMinSpoolBytes = 64u << 10;

struct Reporter {
  std::string_view url;
  std::vector<std::string>& errors;
  void operator()(std::string_view what) const {
    std::string e = "drain URL '";
    e += url;
    e += "': ";
    e += what;
    errors.push_back(std::move(e));
  }
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes a query component ('+' stays '+': these are paths and names, not forms).
std::optional<std::string> percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    const int hi = hex_value(in[i + 1]);
    const int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

std::optional<bool> parse_bool(std::string_view v) {
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  return std::nullopt;
}

std::string quoted(std::string_view s) {
  std::string q = "'";
  q += s;
  q += "'";
  return q;
}

// The list a selector option fills, or null when `key` names none.
std::vector<std::string>* selector_list(Selection& s, std::string_view key) {
  if (key == "orgs") return &s.orgs;
  if (key == "spaces") return &s.spaces;
  if (key == "apps") return &s.apps;
  if (key == "source-types") return &s.source_types;
  if (key == "exclude-orgs") return &s.exclude_orgs;
  if (key == "exclude-spaces") return &s.exclude_spaces;
  if (key == "exclude-apps") return &s.exclude_apps;
  if (key == "exclude-source-types") return &s.exclude_source_types;
  return nullptr;
}

// Splits "host:port" / "[v6]:port" / "host". Reports problems; returns false on any.
bool parse_authority(std::string_view authority, DrainConfig& cfg, const Reporter& report) {
  if (authority.find('@') != std::string_view::npos) {
    report("user information ('...@') is not allowed in a syslog drain URL");
    return false;
  }
  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      report("IPv6 address is missing its closing ']'");
      return false;
    }
    host = authority.substr(1, close - 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        report("unexpected " + quoted(rest) + " after the IPv6 address; expected ':PORT'");
        return false;
      }
      has_port = true;
      port_text = rest.substr(1);
    }
    if (host.empty() || host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) {
      report("'" + std::string(host) + "' is not an IPv6 address");
      return false;
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      if (authority.find(':') != colon) {
        report("an IPv6 address must be written in brackets, e.g. syslog-tls://[::1]:6514");
        return false;
      }
      host = authority.substr(0, colon);
      port_text = authority.substr(colon + 1);
      has_port = true;
    } else {
      host = authority;
    }
    for (char c : host) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_';
      if (!ok) {
        report("host " + quoted(host) + " contains the character " + quoted(std::string(1, c)));
        return false;
      }
    }
  }
  if (host.empty()) {
    report("no host; expected SCHEME://HOST:PORT");
    return false;
  }
  cfg.host.assign(host);
  if (has_port) {
    unsigned port = 0;
    const auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc() || ptr != port_text.data() + port_text.size() ||
        port == 0 || port > 65535) {
      report("port " + quoted(port_text) + " is not a number from 1 to 65535");
      return false;
    }
    cfg.port = static_cast<std::uint16_t>(port);
  }
  return true;
}

// What a Cloud Foundry label value may hold (and no more than that), so a label can name it.
bool valid_drain_name(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  for (char c : name) {
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// "30s", "500ms", "2m", "0s": a whole number and a unit.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::uint64_t n = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || ptr == text.data() || n > 1'000'000'000) return std::nullopt;
  const std::string_view unit = text.substr(static_cast<std::size_t>(ptr - text.data()));
  if (unit == "ms") return std::chrono::milliseconds(n);
  if (unit == "s") return std::chrono::milliseconds(n * 1000);
  if (unit == "m") return std::chrono::milliseconds(n * 60000);
  return std::nullopt;
}

void parse_query(std::string_view query, DrainConfig& cfg, std::vector<std::string>& given, const Reporter& report) {
  std::set<std::string, std::less<>> seen;
  std::optional<std::size_t> max_bytes;
  for (std::string_view pair : split(query, '&')) {
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    const std::string_view raw_key = pair.substr(0, eq);
    const std::string_view raw_value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    const auto key_opt = percent_decode(raw_key);
    const auto value_opt = percent_decode(raw_value);
    if (!key_opt || !value_opt) {
      report("option " + quoted(pair) + " has a malformed percent escape");
      continue;
    }
    const std::string& key = *key_opt;
    const std::string& value = *value_opt;
    if (!seen.insert(key).second) {
      report("option '" + key + "' is given twice");
      continue;
    }
    if (eq == std::string_view::npos || value.empty()) {
      report("option '" + key + "' has no value; write " + key + "=VALUE");
      continue;
    }
    const bool tls = uses_tls(cfg.transport);
    if (key == "ca" || key == "cert" || key == "key" || key == "skip-verify" || key == "server-name") {
      if (!tls) {
        report("option '" + key + "' applies only to syslog-tls:// and relp-tls:// drains");
        continue;
      }
    }
    if (key == "ca") {
      cfg.ca_file = value;
    } else if (key == "cert") {
      cfg.cert_file = value;
    } else if (key == "key") {
      cfg.key_file = value;
    } else if (key == "skip-verify") {
      const auto b = parse_bool(value);
      if (!b) report("skip-verify='" + value + "' is not true or false");
      else cfg.skip_verify = *b;
    } else if (key == "server-name") {
      cfg.server_name = value;
    } else if (key == "name") {
      if (!valid_drain_name(value)) {
        report("name='" + value + "' is not a drain name: 1 to 63 letters, digits, '-', '_' or '.', beginning with a letter or digit (a Cloud Foundry label value can name it)");
      } else {
        cfg.name = value;
        cfg.named = true;
      }
    } else if (key == "labels") {
      if (value != "route" && value != "only" && value != "ignore") {
        report("labels='" + value + "' is not one of route, only, ignore");
      }
      cfg.label_routed = value == "route" || value == "only";
      cfg.label_only = value == "only";
    } else if (key == "rate-limit") {
      if (!parse_rate(value, cfg.rate_limit)) report("rate-limit='" + value + "' is not a rate such as 1000/s");
    } else if (key == "rate-burst") {
      if (!parse_burst(value, cfg.rate_burst)) report("rate-burst='" + value + "' is not a whole number of lines (1 or more)");
    } else if (key == "mode") {
      if (value == "failover") cfg.group.mode = GroupMode::Failover;
      else if (value == "balance") cfg.group.mode = GroupMode::Balance;
      else report("mode='" + value + "' is not one of failover, balance");
    } else if (key == "failback-after") {
      const auto d = parse_duration(value);
      if (!d || *d > kMaxFailbackAfter) report("failback-after='" + value + "' is not a duration from 0s to 60m (e.g. 30s, 500ms, 2m)");
      else cfg.group.failback_after = *d;
    } else if (key == "window") {
      std::size_t n = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (!is_relp(cfg.transport)) report("option 'window' applies only to relp:// and relp-tls:// drains");
      else if (ec != std::errc() || ptr != value.data() + value.size() || n < 1 || n > 65536) {
        report("window='" + value + "' is not a whole number from 1 to 65536");
      } else {
        cfg.relp_window = n;
      }
    } else if (key == "framing") {
      if (cfg.transport == Transport::Udp) {
        report("option 'framing' does not apply to syslog-udp:// (one message per datagram)");
      } else if (is_relp(cfg.transport)) {
        report("option 'framing' does not apply to relp:// (RELP frames each message itself)");
      } else if (value == "octet-counting" || value == "octet") {
        cfg.framing = Framing::OctetCounting;
      } else if (value == "lf") {
        cfg.framing = Framing::Lf;
      } else {
        report("framing='" + value + "' is not one of octet-counting, lf");
      }
    } else if (key == "json-logs") {
      const auto b = parse_bool(value);
      if (!b) report("json-logs='" + value + "' is not true or false");
      else cfg.format.json_logs = *b;
    } else if (key == "format") {
      if (value == "pcf") cfg.format.style = Style::Pcf;
      else if (value == "cf") cfg.format.style = Style::Cf;
      else report("format='" + value + "' is not one of pcf, cf");
    } else if (key == "max-message-bytes") {
      std::size_t n = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || ptr != value.data() + value.size()) {
        report("max-message-bytes='" + value + "' is not a whole number");
      } else {
        max_bytes = n;
      }
    } else if (key == "events") {
      cfg.events = EventSet::none();
      for (std::string_view name : split(value, ',')) {
        if (auto t = parse_event_type(name)) {
          cfg.events.add(*t);
        } else {
          report("events: " + quoted(name) +
                 " is not an event type; use LogMessage, ValueMetric, CounterEvent, "
                 "ContainerMetric, HttpStartStop, Error, Event");
        }
      }
    } else if (key == "delivery") {
      if (cfg.transport == Transport::Udp) report("option 'delivery' does not apply to syslog-udp:// (no connection to resend on)");
      if (auto d = parse_delivery(value)) cfg.delivery = *d;
      else report("delivery='" + value + "' is not one of at-most-once, at-least-once");
    } else if (key == "spool-dir") {
      if (cfg.transport == Transport::Udp) report("option 'spool-dir' does not apply to syslog-udp:// (a datagram is never refused)");
      if (value.empty() || value.front() != '/') report("spool-dir='" + value + "' is not an absolute path");
      cfg.spool.dir = value;
    } else if (key == "spool-max-bytes") {
      auto n = parse_byte_size(value);
      if (!n || *n < kMinSpoolBytes) report("spool-max-bytes='" + value + "' is not a size of at least 64KiB (e.g. 512MiB, 1GiB)");
      else cfg.spool.max_bytes = *n;
    } else if (key == "spool-fsync") {
      if (auto f = parse_spool_fsync(value)) cfg.spool.fsync = *f;
      else report("spool-fsync='" + value + "' is not one of never, segment, always");
    } else if (std::vector<std::string>* list = selector_list(cfg.select, key)) {
      for (std::string_view entry : split(value, ',')) {
        if (entry.empty()) report(key + ": empty entry in '" + value + "'");
        else list->emplace_back(entry);
      }
    } else if (key == "platform") {
      if (auto p = parse_platform(value)) cfg.select.platform = *p;
      else report("platform='" + value + "' is not one of include, exclude, only");
    } else {
      report("unknown option '" + key + "'; valid options: " + std::string(kOptions));
      continue;
    }
    given.push_back(key);
  }

  const std::size_t upper = cfg.transport == Transport::Udp ? kMaxUdpPayload : kMaxMaxMessageBytes;
  if (max_bytes) {
    if (*max_bytes < kMinMaxMessageBytes || *max_bytes > upper) {
      report("max-message-bytes=" + std::to_string(*max_bytes) + " is outside " +
             std::to_string(kMinMaxMessageBytes) + ".." + std::to_string(upper));
    } else {
      cfg.format.max_message_bytes = *max_bytes;
    }
  }
  if (cfg.cert_file.empty() != cfg.key_file.empty()) {
    report(cfg.cert_file.empty() ? "option 'key' needs 'cert' (mutual TLS takes both)"
                                 : "option 'cert' needs 'key' (mutual TLS takes both)");
  }
  if (cfg.skip_verify && !cfg.ca_file.empty()) {
    report("options 'skip-verify=true' and 'ca' contradict each other");
  }
}

}  // namespace

DrainUrlResult parse_drain_url(std::string_view url) {
  DrainUrlResult result;
  const Reporter report{url, result.errors};
  DrainConfig cfg;

  if (url.empty()) {
    report("is empty");
    return result;
  }
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    report("no scheme; expected syslog-tls://, syslog://, syslog-udp://, relp:// or relp-tls://");
    return result;
  }
  const std::string_view scheme = url.substr(0, scheme_end);
  if (scheme == "syslog-tls") {
    cfg.transport = Transport::Tls;
    cfg.port = 6514;
  } else if (scheme == "syslog") {
    cfg.transport = Transport::Tcp;
    cfg.port = 514;
  } else if (scheme == "syslog-udp") {
    cfg.transport = Transport::Udp;
    cfg.port = 514;
    cfg.framing = Framing::Datagram;
    cfg.format.max_message_bytes = kDefaultUdpMaxMessageBytes;
  } else if (scheme == "relp" || scheme == "relp-tls") {
    cfg.transport = scheme == "relp" ? Transport::Relp : Transport::RelpTls;
    cfg.port = kDefaultRelpPort;
    cfg.framing = Framing::Datagram;  // queued as bare messages; the RELP session frames them
  } else {
    report("scheme " + quoted(scheme) + " is not one of syslog-tls, syslog, syslog-udp, relp, relp-tls");
    return result;
  }

  std::string_view rest = url.substr(scheme_end + 3);
  if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos) {
    report("a fragment ('#...') is not allowed");
    rest = rest.substr(0, hash);
  }
  std::string_view query;
  if (const std::size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view authority = rest;
  if (const std::size_t slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    const std::string_view path = rest.substr(slash);
    if (path != "/") report("a path (" + quoted(path) + ") is not allowed; options go after '?'");
  }
  // HOST:PORT,HOST:PORT,...: a drain group (README "Drain groups").
  bool authority_ok = true;
  const std::vector<std::string_view> hosts = split(authority, ',');
  if (hosts.size() == 1) {
    authority_ok = parse_authority(authority, cfg, report);
  } else {
    const std::uint16_t default_port = cfg.port;
    for (std::string_view one : hosts) {
      if (one.empty()) {
        report("empty endpoint in " + quoted(authority) + "; list endpoints as HOST:PORT,HOST:PORT");
        authority_ok = false;
        continue;
      }
      DrainConfig endpoint;
      endpoint.port = default_port;
      if (!parse_authority(one, endpoint, report)) {
        authority_ok = false;
        continue;
      }
      const GroupEndpoint e{endpoint.host, endpoint.port};
      if (std::find(cfg.group.endpoints.begin(), cfg.group.endpoints.end(), e) != cfg.group.endpoints.end()) {
        report("endpoint " + quoted(one) + " is listed twice");
        authority_ok = false;
        continue;
      }
      cfg.group.endpoints.push_back(e);
    }
    if (!cfg.group.endpoints.empty()) {
      cfg.host = cfg.group.endpoints.front().host;
      cfg.port = cfg.group.endpoints.front().port;
    }
  }
  parse_query(query, cfg, result.given, report);
  const auto named_option = [&](std::string_view key) {
    return std::find(result.given.begin(), result.given.end(), key) != result.given.end();
  };
  if (hosts.size() > 1) {
    if (cfg.transport == Transport::Udp) {
      report("several endpoints (a drain group) do not apply to syslog-udp:// (a datagram drain cannot tell that a receiver is gone)");
    } else if (hosts.size() > kMaxGroupEndpoints) {
      report("a drain group has at most " + std::to_string(kMaxGroupEndpoints) + " endpoints, not " + std::to_string(hosts.size()));
    } else if (!cfg.group.enabled() && !named_option("mode")) {
      report("several endpoints (" + quoted(authority) + ") need mode=failover or mode=balance");
    }
  } else {
    if (cfg.group.enabled()) {
      report("mode= needs several endpoints: write SCHEME://HOST:PORT,HOST:PORT?mode=...");
      cfg.group.mode = GroupMode::Single;
    }
    if (named_option("failback-after")) report("option 'failback-after' applies only to a drain group (several endpoints and mode=)");
  }

  if (cfg.format.json_logs && cfg.format.style != Style::Pcf) {
    report("json-logs=true applies to format=pcf only (format=cf sends the line as it is)");
  }
  if (std::find(result.given.begin(), result.given.end(), "labels") == result.given.end()) {
    cfg.label_routed = cfg.named;
  } else if (cfg.label_routed && !cfg.named) {
    report(std::string(cfg.label_only ? "labels=only" : "labels=route") +
           " needs name=: a label routes to a drain by its name");
  }
  if (!result.errors.empty() || !authority_ok) return result;
  if (!cfg.named) {
    cfg.name = std::string(scheme) + "://";
    if (cfg.group.enabled()) {
      for (std::size_t i = 0; i < cfg.group.endpoints.size(); ++i) {
        if (i > 0) cfg.name += ",";
        cfg.name += endpoint_label(cfg.group.endpoints[i]);
      }
    } else {
      cfg.name += endpoint_label(GroupEndpoint{cfg.host, cfg.port});
    }
  }
  result.config = std::move(cfg);
  return result;
}

}  // namespace nozzle::syslog
