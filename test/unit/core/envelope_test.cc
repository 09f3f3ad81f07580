#include <doctest/doctest.h>

#include "core/envelope.h"

using nozzle::Envelope;
using nozzle::EventType;

TEST_CASE("event type names round-trip with firehose-to-syslog's spelling") {
  for (EventType t : nozzle::kAllEventTypes) {
    auto parsed = nozzle::parse_event_type(nozzle::event_type_name(t));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == t);
  }
  CHECK_FALSE(nozzle::parse_event_type("logmessage").has_value());
  CHECK_FALSE(nozzle::parse_event_type("").has_value());
}

TEST_CASE("Envelope::clear keeps tag capacity and forgets tags") {
  Envelope e;
  e.add_tag("app_id", "a");
  e.add_tag("source_id", "b");
  CHECK(e.tag("source_id") == std::optional<std::string_view>("b"));
  e.clear();
  CHECK(e.tag_count == 0);
  CHECK(e.tags.size() == 2);
  CHECK_FALSE(e.tag("app_id").has_value());
  e.add_tag("x", "y");
  CHECK(e.tags.size() == 2);
  CHECK(e.tag("x") == std::optional<std::string_view>("y"));
}

TEST_CASE("Envelope::app_id comes from the event, then from the app_id tag") {
  Envelope e;
  e.type = EventType::LogMessage;
  e.log.app_id = "guid-1";
  CHECK(e.app_id() == "guid-1");
  e.type = EventType::ValueMetric;
  CHECK(e.app_id().empty());
  e.add_tag("app_id", "guid-2");
  CHECK(e.app_id() == "guid-2");
}

TEST_CASE("http method names follow dropsonde's numbers") {
  CHECK(nozzle::http_method_name(1) == "GET");
  CHECK(nozzle::http_method_name(26) == "PATCH");
  CHECK(nozzle::http_method_name(44) == "VERSION_CONTROL");
  CHECK(nozzle::http_method_name(45).empty());
  CHECK(nozzle::http_method_name(-1).empty());
}
