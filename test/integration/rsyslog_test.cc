// Frames written by the nozzle's drains, received and parsed by a real rsyslogd.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/certs.h"
#include "support/raw_client.h"
#include "support/rsyslog.h"

namespace {

using nozzle::test::ReceivedMessage;
using nozzle::test::Rsyslog;
using nozzle::test::RsyslogOptions;

std::vector<std::string> raws(const std::vector<ReceivedMessage>& messages) {
  std::vector<std::string> r;
  for (const auto& m : messages) r.push_back(m.raw);
  return r;
}

}  // namespace

TEST_CASE("rsyslog harness: hand-built frames over TLS, TCP and UDP are kept as sent") {
  namespace t = nozzle::test;
  Rsyslog rs({.tls = true, .tcp = true, .udp = true});
  const std::string tls_msg =
      "<14>1 2024-05-01T12:34:56.123456Z 10.0.0.5 vcap.rep 42 LogMessage "
      "[instance@47450 director=\"d\\\"\\]\\\\\" deployment=\"cf\" group=\"diego-cell\" az=\"z1\" id=\"0\"] "
      "{\"msg\":\"h\xC3\xA9llo \xE2\x9C\x93\"}\n";
  const std::string tcp_msg = "<13>1 2024-05-01T12:34:56.5Z h app - ValueMetric - tcp\ttab\n";
  const std::string udp_msg = "<11>1 - h app - Error - udp";
  REQUIRE(t::send_tls(rs.tls_port(), t::octet_frame(tls_msg), {.ca = t::test_certs().ca}) == "");
  REQUIRE(rs.wait_messages(1));
  REQUIRE(t::send_tcp(rs.tcp_port(), t::octet_frame(tcp_msg)) == "");
  REQUIRE(rs.wait_messages(2));
  REQUIRE(t::send_udp(rs.udp_port(), udp_msg) == "");
  REQUIRE_MESSAGE(rs.wait_messages(3), rs.describe());

  const auto got = rs.messages();
  INFO(rs.describe());
  REQUIRE(got.size() == 3);
  // rsyslog drops the trailing LF and stores a control character as #ooo.
  CHECK(got[0].raw == tls_msg.substr(0, tls_msg.size() - 1));
  CHECK(got[1].raw == "<13>1 2024-05-01T12:34:56.5Z h app - ValueMetric - tcp#011tab");
  CHECK(got[2].raw == udp_msg);
  CHECK(got[0].pri == "14");
  CHECK(got[0].version == "1");
  CHECK(got[0].timestamp == "2024-05-01T12:34:56.123456Z");
  CHECK(got[0].hostname == "10.0.0.5");
  CHECK(got[0].app_name == "vcap.rep");
  CHECK(got[0].procid == "42");
  CHECK(got[0].msgid == "LogMessage");
  CHECK(got[0].param("instance@47450", "director") == "d\"]\\");
  CHECK(got[0].param("instance@47450", "group") == "diego-cell");
  CHECK(got[0].msg == "{\"msg\":\"h\xC3\xA9llo \xE2\x9C\x93\"}");
  CHECK(got[2].pri == "11");
  CHECK(got[2].msgid == "Error");
  CHECK(raws(got).size() == 3);
}
