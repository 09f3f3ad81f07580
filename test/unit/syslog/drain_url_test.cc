#include <doctest/doctest.h>

#include <algorithm>

#include "syslog/drain_url.h"

using namespace nozzle::syslog;

namespace {

DrainConfig ok(std::string_view url) {
  auto r = parse_drain_url(url);
  INFO("url: " << url << " first error: " << (r.errors.empty() ? "" : r.errors.front()));
  REQUIRE(r.errors.empty());
  REQUIRE(r.config.has_value());
  return *r.config;
}

// The one error the URL gets, which must mention `needle`.
void fails_with(std::string_view url, std::string_view needle) {
  auto r = parse_drain_url(url);
  INFO("url: " << url);
  CHECK_FALSE(r.config.has_value());
  REQUIRE(r.errors.size() >= 1);
  INFO("error: " << r.errors.front());
  CHECK(r.errors.front().find(needle) != std::string::npos);
  CHECK(r.errors.front().find(std::string(url)) != std::string::npos);
}

}  // namespace

TEST_CASE("drain URL schemes choose transport, default port and framing") {
  auto tls = ok("syslog-tls://logs.example.com");
  CHECK(tls.transport == Transport::Tls);
  CHECK(tls.host == "logs.example.com");
  CHECK(tls.port == 6514);
  CHECK(tls.framing == Framing::OctetCounting);
  CHECK(tls.format.style == Style::Pcf);
  CHECK(tls.format.max_message_bytes == kDefaultStreamMaxMessageBytes);
  CHECK(tls.name == "syslog-tls://logs.example.com:6514");

  auto tcp = ok("syslog://10.0.0.1:1514");
  CHECK(tcp.transport == Transport::Tcp);
  CHECK(tcp.port == 1514);
  CHECK(tcp.name == "syslog://10.0.0.1:1514");

  auto udp = ok("syslog-udp://[::1]:5514/");
  CHECK(udp.transport == Transport::Udp);
  CHECK(udp.host == "::1");
  CHECK(udp.port == 5514);
  CHECK(udp.framing == Framing::Datagram);
  CHECK(udp.format.max_message_bytes == kDefaultUdpMaxMessageBytes);
  CHECK(udp.name == "syslog-udp://[::1]:5514");
  CHECK(ok("syslog://h").port == 514);
}

TEST_CASE("drain URL options") {
  auto c = ok("syslog-tls://h:6514?ca=/etc/ca.pem&cert=/c.pem&key=/k%2Ekey&server-name=logs.internal"
              "&format=cf&max-message-bytes=16384&events=LogMessage,HttpStartStop&orgs=org-a,org-b");
  CHECK(c.ca_file == "/etc/ca.pem");
  CHECK(c.cert_file == "/c.pem");
  CHECK(c.key_file == "/k.key");
  CHECK(c.server_name == "logs.internal");
  CHECK(c.format.style == Style::Cf);
  CHECK(c.format.max_message_bytes == 16384);
  CHECK(c.events.contains(nozzle::EventType::LogMessage));
  CHECK(c.events.contains(nozzle::EventType::HttpStartStop));
  CHECK_FALSE(c.events.contains(nozzle::EventType::ValueMetric));
  CHECK(c.select.orgs == std::vector<std::string>{"org-a", "org-b"});
  CHECK_FALSE(c.skip_verify);

  CHECK(ok("syslog-tls://h?skip-verify=true").skip_verify);
  CHECK_FALSE(ok("syslog-tls://h?skip-verify=false").skip_verify);
  CHECK(ok("syslog://h?framing=lf").framing == Framing::Lf);
  CHECK(ok("syslog://h?framing=octet-counting").framing == Framing::OctetCounting);
  CHECK(ok("syslog-udp://h?max-message-bytes=65507").format.max_message_bytes == 65507);
  CHECK(ok("syslog://h?events=Event").events.contains(nozzle::EventType::Event));
}

TEST_CASE("drain URL selectors: include and exclude lists, ORG/SPACE, platform=, and which were given") {
  auto r = parse_drain_url(
      "syslog://h?spaces=space-a,org-b/space-b&apps=app-a,0000000a-0001-4000-a000-000000000001"
      "&source-types=APP,RTR&exclude-orgs=system&exclude-spaces=org-a%2Fstaging&exclude-apps=noisy"
      "&exclude-source-types=APP/PROC/WEB&platform=exclude");
  INFO((r.errors.empty() ? "" : r.errors.front()));
  REQUIRE(r.config.has_value());
  const Selection& s = r.config->select;
  CHECK(s.orgs.empty());
  CHECK(s.spaces == std::vector<std::string>{"space-a", "org-b/space-b"});
  CHECK(s.apps == std::vector<std::string>{"app-a", "0000000a-0001-4000-a000-000000000001"});
  CHECK(s.source_types == std::vector<std::string>{"APP", "RTR"});
  CHECK(s.exclude_orgs == std::vector<std::string>{"system"});
  CHECK(s.exclude_spaces == std::vector<std::string>{"org-a/staging"});  // percent-decoded
  CHECK(s.exclude_apps == std::vector<std::string>{"noisy"});
  CHECK(s.exclude_source_types == std::vector<std::string>{"APP/PROC/WEB"});
  CHECK(s.platform == Platform::Exclude);
  for (const char* key : {"spaces", "apps", "source-types", "exclude-orgs", "exclude-spaces", "exclude-apps",
                          "exclude-source-types", "platform"}) {
    CAPTURE(key);
    CHECK(std::find(r.given.begin(), r.given.end(), key) != r.given.end());
  }
  CHECK(std::find(r.given.begin(), r.given.end(), "orgs") == r.given.end());

  CHECK(ok("syslog://h").select == Selection{});
  CHECK(ok("syslog://h").select.platform == Platform::Include);
  CHECK(ok("syslog-udp://h?platform=only").select.platform == Platform::Only);
  CHECK(ok("relp://h?platform=include&apps=x").select.apps == std::vector<std::string>{"x"});
  CHECK(parse_platform("ONLY") == std::nullopt);
}

TEST_CASE("drain URL selectors: empty entries, bad platform= and repeats are errors") {
  fails_with("syslog://h?spaces=a,", "spaces: empty entry in 'a,'");
  fails_with("syslog://h?apps=,a", "apps: empty entry");
  fails_with("syslog://h?exclude-source-types=APP,,RTR", "exclude-source-types: empty entry");
  fails_with("syslog://h?exclude-orgs=", "has no value");
  fails_with("syslog://h?platform=none", "platform='none' is not one of include, exclude, only");
  fails_with("syslog://h?apps=a&apps=b", "given twice");
  fails_with("syslog://h?exclude-platform=yes", "unknown option 'exclude-platform'");
}

TEST_CASE("malformed drain URLs get a precise error") {
  fails_with("", "empty");
  fails_with("logs.example.com:514", "no scheme");
  fails_with("https://h:443", "'https' is not one of syslog-tls, syslog, syslog-udp");
  fails_with("syslog://", "no host");
  fails_with("syslog://:514", "no host");
  fails_with("syslog://h:0", "port '0' is not a number from 1 to 65535");
  fails_with("syslog://h:65536", "port '65536'");
  fails_with("syslog://h:51x", "port '51x'");
  fails_with("syslog://h:", "port ''");
  fails_with("syslog://user:pw@h:514", "user information");
  fails_with("syslog://[::1:514", "closing ']'");
  fails_with("syslog://::1:514", "brackets");
  fails_with("syslog://[::1]x", "after the IPv6 address");
  fails_with("syslog://h o:514", "contains the character ' '");
  fails_with("syslog://h:514/path", "a path ('/path') is not allowed");
  fails_with("syslog://h:514#frag", "fragment");
  fails_with("syslog://h?ca=/x", "'ca' applies only to syslog-tls://");
  fails_with("syslog-udp://h?skip-verify=true", "'skip-verify' applies only to syslog-tls://");
  fails_with("syslog-udp://h?framing=lf", "'framing' does not apply to syslog-udp://");
  fails_with("syslog://h?framing=nul", "framing='nul' is not one of octet-counting, lf");
  fails_with("syslog://h?format=json", "format='json' is not one of pcf, cf");
  fails_with("syslog://h?max-message-bytes=12k", "not a whole number");
  fails_with("syslog://h?max-message-bytes=100", "outside 480..1048576");
  fails_with("syslog-udp://h?max-message-bytes=70000", "outside 480..65507");
  fails_with("syslog://h?events=LogMessage,Logs", "'Logs' is not an event type");
  fails_with("syslog://h?orgs=a,,b", "orgs: empty entry");
  fails_with("syslog://h?colour=blue", "unknown option 'colour'");
  fails_with("syslog://h?format=cf&format=pcf", "given twice");
  fails_with("syslog://h?format=", "has no value");
  fails_with("syslog://h?format", "has no value");
  fails_with("syslog-tls://h?ca=%zz", "malformed percent escape");
  fails_with("syslog-tls://h?ca=%4", "malformed percent escape");
  fails_with("syslog-tls://h?cert=/c.pem", "'cert' needs 'key'");
  fails_with("syslog-tls://h?key=/k.pem", "'key' needs 'cert'");
  fails_with("syslog-tls://h?skip-verify=yes", "skip-verify='yes' is not true or false");
  fails_with("syslog-tls://h?skip-verify=true&ca=/ca.pem", "contradict");
}

TEST_CASE("every problem of a URL is reported, not just the first") {
  auto r = parse_drain_url("syslog://h:514?format=x&framing=y&bogus=1");
  CHECK_FALSE(r.config.has_value());
  CHECK(r.errors.size() == 3);
}

TEST_CASE("drain URL name= names the drain, and only a label value's characters may be used") {
  const DrainConfig unnamed = ok("syslog://logs.example.com:514");
  CHECK(unnamed.name == "syslog://logs.example.com:514");
  CHECK_FALSE(unnamed.named);
  const DrainConfig named = ok("syslog-tls://logs.example.com?name=team-a.prod_1");
  CHECK(named.name == "team-a.prod_1");
  CHECK(named.named);
  fails_with("syslog://h?name=-team", "name='-team' is not a drain name");
  fails_with("syslog://h?name=team%20a", "is not a drain name");
  fails_with("syslog://h?name=" + std::string(64, 'a'), "is not a drain name");
}

TEST_CASE("drain URL labels= routes a named drain by label, only, or not at all") {
  CHECK(ok("syslog://h?name=a").label_routed);
  CHECK_FALSE(ok("syslog://h").label_routed);
  CHECK_FALSE(ok("syslog://h?name=a&labels=ignore").label_routed);
  const DrainConfig only = ok("syslog://h?name=a&labels=only");
  CHECK(only.label_routed);
  CHECK(only.label_only);
  fails_with("syslog://h?labels=route", "labels=route needs name=");
  fails_with("syslog://h?labels=only", "labels=only needs name=");
  fails_with("syslog://h?name=a&labels=sometimes", "labels='sometimes' is not one of route, only, ignore");
}

TEST_CASE("drain URL json-logs= nests JSON app logs, pcf style only") {
  CHECK(ok("syslog://h?json-logs=true").format.json_logs);
  CHECK_FALSE(ok("syslog://h").format.json_logs);
  fails_with("syslog://h?json-logs=maybe", "json-logs='maybe' is not true or false");
  fails_with("syslog://h?json-logs=true&format=cf", "json-logs=true applies to format=pcf only");
}

TEST_CASE("drain URL groups: several HOST:PORT with mode= make a drain group sharing the options") {
  auto g = ok("syslog-tls://a.example.com:6514,b.example.com,[::1]:7000?name=team-a&mode=failover&failback-after=2s&ca=/ca.pem");
  CHECK(g.group.mode == GroupMode::Failover);
  REQUIRE(g.group.endpoints.size() == 3);
  CHECK(g.group.endpoints[0] == GroupEndpoint{"a.example.com", 6514});
  CHECK(g.group.endpoints[1] == GroupEndpoint{"b.example.com", 6514});  // the scheme's default port
  CHECK(g.group.endpoints[2] == GroupEndpoint{"::1", 7000});
  CHECK(g.group.failback_after == std::chrono::seconds(2));
  CHECK(g.host == "a.example.com");
  CHECK(g.ca_file == "/ca.pem");
  CHECK(g.name == "team-a");

  auto b = ok("relp://r1:2514,r2:2514?mode=balance");
  CHECK(b.group.mode == GroupMode::Balance);
  CHECK(b.group.failback_after == std::chrono::seconds(30));
  CHECK(b.name == "relp://r1:2514,r2:2514");
  CHECK(ok("syslog://x,y?mode=failover&failback-after=1500ms").group.failback_after == std::chrono::milliseconds(1500));
  CHECK(ok("syslog://x,y?mode=balance&failback-after=2m").group.failback_after == std::chrono::minutes(2));
  CHECK_FALSE(ok("syslog://x:514").group.enabled());
}

TEST_CASE("drain URL groups: bad groups get a precise error") {
  fails_with("syslog://a:514,b:514", "need mode=failover or mode=balance");
  fails_with("syslog://a:514?mode=failover", "mode= needs several endpoints");
  fails_with("syslog://a:514,b:514?mode=spread", "mode='spread' is not one of failover, balance");
  fails_with("syslog://a:514,b:514?mode=failover&failback-after=soon", "failback-after='soon' is not a duration");
  fails_with("syslog://a:514,b:514?mode=failover&failback-after=2h", "failback-after='2h' is not a duration");
  fails_with("syslog://a:514?failback-after=5s", "'failback-after' applies only to a drain group");
  fails_with("syslog://a:514,,b:514?mode=failover", "empty endpoint");
  fails_with("syslog://a:514,a:514?mode=failover", "endpoint 'a:514' is listed twice");
  fails_with("syslog://a:514,b:0?mode=failover", "port '0' is not a number");
  fails_with("syslog-udp://a:514,b:514?mode=balance", "do not apply to syslog-udp://");
  fails_with("syslog://a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q?mode=balance", "at most 16 endpoints, not 17");
}
