#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "nozzle/ingress/endpoint_url.h"
#include "nozzle/ingress/firehose_source.h"
#include "nozzle/ingress/sse_parser.h"

using namespace nozzle;

namespace {
using Events = std::vector<std::pair<std::string, std::string>>;

Events feed_all(SseParser& p, const std::vector<std::string>& chunks) {
  Events out;
  for (const auto& c : chunks) {
    p.feed(c, [&](std::string_view name, std::string_view data) { out.emplace_back(name, data); });
  }
  return out;
}
}  // namespace

TEST_CASE("SSE: data events, heartbeats and closing as the RLP gateway frames them") {
  SseParser p;
  auto events = feed_all(p, {"data: {\"batch\":[]}\n\n",
                             "event: heartbeat\ndata: 1532030745\n\n",
                             "event: closing\ndata: closing due to stream timeout\n\n"});
  REQUIRE(events.size() == 3);
  CHECK(events[0] == std::pair<std::string, std::string>{"message", "{\"batch\":[]}"});
  CHECK(events[1] == std::pair<std::string, std::string>{"heartbeat", "1532030745"});
  CHECK(events[2].first == "closing");
}

TEST_CASE("SSE: any chunking, CRLF and CR line ends, multi-line data, comments") {
  const std::string stream =
      ": comment\r\ndata:a\r\ndata: b\r\n\r\nheartbeat: 12\n\nevent: x\rdata: y\r\r";
  const Events expected{{"message", "a\nb"}, {"x", "y"}};
  for (std::size_t size = 1; size <= stream.size(); ++size) {
    SseParser p;
    std::vector<std::string> chunks;
    for (std::size_t i = 0; i < stream.size(); i += size) chunks.push_back(stream.substr(i, size));
    INFO("chunk size " << size);
    CHECK(feed_all(p, chunks) == expected);
  }
}

TEST_CASE("SSE: an event larger than the limit is dropped and counted, the next one kept") {
  SseParser p(16);
  auto events = feed_all(p, {"data: " + std::string(40, 'x') + "\n\n", "data: ok\n\n"});
  REQUIRE(events.size() == 1);
  CHECK(events[0].second == "ok");
  CHECK(p.oversized() == 1);
}

TEST_CASE("endpoint URLs") {
  auto v1 = parse_endpoint_url("wss://doppler.sys.example.com:443");
  REQUIRE(v1);
  CHECK(v1->tls);
  CHECK(v1->host == "doppler.sys.example.com");
  CHECK(v1->port == 443);
  CHECK(v1->path_prefix.empty());

  auto v2 = parse_endpoint_url("https://log-stream.sys/");
  REQUIRE(v2);
  CHECK(v2->port == 443);
  CHECK(v2->path_prefix.empty());

  auto plain = parse_endpoint_url("ws://127.0.0.1:8081/prefix/");
  REQUIRE(plain);
  CHECK_FALSE(plain->tls);
  CHECK(plain->port == 8081);
  CHECK(plain->path_prefix == "/prefix");

  auto v6 = parse_endpoint_url("https://[::1]:9443");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 9443);
  CHECK(parse_endpoint_url("http://h").value().port == 80);

  CHECK(parse_endpoint_url("doppler:443").error().find("no scheme") != std::string::npos);
  CHECK(parse_endpoint_url("ftp://h").error().find("'ftp'") != std::string::npos);
  CHECK(parse_endpoint_url("wss://h:0").error().find("port '0'") != std::string::npos);
  CHECK(parse_endpoint_url("wss://h:").error().find("port ''") != std::string::npos);
  CHECK(parse_endpoint_url("wss://:443").error().find("no host") != std::string::npos);
  CHECK(parse_endpoint_url("wss://u:p@h").error().find("user information") != std::string::npos);
  CHECK(parse_endpoint_url("wss://h?x=1").error().find("query") != std::string::npos);
}

TEST_CASE("v1 filter-type and v2 selectors follow the selected events") {
  EventSet logs;
  logs.add(EventType::LogMessage);
  CHECK(v1_filter_type(logs) == "logs");
  CHECK(v2_read_query(logs, "nozzle") == "shard_id=nozzle&log");

  EventSet metrics;
  metrics.add(EventType::ValueMetric);
  metrics.add(EventType::HttpStartStop);
  CHECK(v1_filter_type(metrics) == "metrics");
  CHECK(v2_read_query(metrics, "a b") == "shard_id=a%20b&gauge&timer");

  CHECK(v1_filter_type(EventSet::all()).empty());
  CHECK(v2_read_query(EventSet::all(), "s") == "shard_id=s&log&counter&gauge&timer&event");

  EventSet errors;
  errors.add(EventType::Error);
  errors.add(EventType::ContainerMetric);
  CHECK(v2_read_query(errors, "s") == "shard_id=s&log&gauge");
  CHECK(v1_filter_type(errors) == "metrics");
}
