#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "syslog-sink/rfc5424_validator.h"

using sink::Rfc5424Validator;

namespace {

// The reason for `m`, "" when it is valid.
std::string check(std::string_view m) {
  Rfc5424Validator v;
  return std::string(v.validate(m));
}

const std::string kHead = "<14>1 2024-02-29T12:00:00Z host app 1 ID ";

std::string with_timestamp(std::string_view ts) {
  return "<14>1 " + std::string(ts) + " host app 1 ID - msg";
}
std::string with_sd(std::string_view sd) { return kHead + std::string(sd); }

}  // namespace

TEST_CASE("sink rfc5424: the CF drain examples are valid and parse into their fields") {
  Rfc5424Validator v;
  const std::string m =
      "<14>1 1970-01-01T00:00:00.012345+00:00 test-hostname test-app-id [MY-TASK/2] - "
      "[tags@47450 source_type=\"MY TASK\"] just a test\n";
  REQUIRE(v.validate(m) == "");
  const auto& p = v.message();
  CHECK(p.pri == 14);
  CHECK(p.version == 1);
  CHECK(p.timestamp == "1970-01-01T00:00:00.012345+00:00");
  CHECK(p.hostname == "test-hostname");
  CHECK(p.app_name == "test-app-id");
  CHECK(p.procid == "[MY-TASK/2]");
  CHECK(p.msgid == "-");
  REQUIRE(p.elements.size() == 1);
  CHECK(p.elements[0].id == "tags@47450");
  const auto params = p.params_of(p.elements[0]);
  REQUIRE(params.size() == 1);
  CHECK(params[0].name == "source_type");
  CHECK(params[0].value == "MY TASK");
  CHECK(p.has_msg);
  CHECK(p.msg == "just a test\n");

  CHECK(check("<11>1 1970-01-01T00:00:00.012345+00:00 some-org.some-space.some-app test-app-id "
              "[MY-TASK/2] - [tags@47450 app_name=\"some-app\" organization_name=\"some-org\" "
              "source_type=\"MY TASK\" space_name=\"some-space\"] just a test\n") == "");
  CHECK(check("<14>1 1970-01-01T00:00:00.012345+00:00 test-hostname test-app-id [1] - "
              "[gauge@47450 name=\"cpu\" value=\"0.23\" unit=\"percentage\"] \n") == "");

  REQUIRE(v.validate("<14>1 1970-01-01T00:00:00.012345+00:00 test-hostname test-app-id [1] - "
                     "[counter@47450 name=\"some-counter\" total=\"99\" delta=\"1\"]"
                     "[tags@47450 metric-tag=\"scallop\"] \n") == "");
  REQUIRE(p.elements.size() == 2);
  CHECK(p.elements[0].id == "counter@47450");
  CHECK(p.params_of(p.elements[0]).size() == 3);
  CHECK(p.params_of(p.elements[0])[2].value == "1");
  CHECK(p.elements[1].id == "tags@47450");
  CHECK(p.params_of(p.elements[1])[0].name == "metric-tag");
  CHECK(p.params_of(p.elements[1])[0].value == "scallop");
  CHECK(p.msg == "\n");
}

TEST_CASE("sink rfc5424: the pcf instance@47450 frame is valid") {
  Rfc5424Validator v;
  REQUIRE(v.validate("<14>1 2017-01-25T13:25:03.18377Z 192.0.2.10 etcd - - [instance@47450 "
                     "director=\"test-env\" deployment=\"cf\" group=\"diego_database\" "
                     "az=\"us-west1-a\" id=\"83bd66e5-3fdf-44b7-bdd6-508deae7c786\"] [INFO] the "
                     "leader is [...]") == "");
  const auto params = v.message().params_of(v.message().elements.at(0));
  REQUIRE(params.size() == 5);
  CHECK(params[0].name == "director");
  CHECK(params[4].name == "id");
  CHECK(v.message().msg == "[INFO] the leader is [...]");
}

TEST_CASE("sink rfc5424: the RFC 5424 section 6.5 examples are valid") {
  Rfc5424Validator v;
  CHECK(v.validate("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
                   "\xEF\xBB\xBF'su root' failed for lonvick on /dev/pts/8") == "");
  CHECK(v.message().procid == "-");
  CHECK(v.validate("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's "
                   "time to make the do-nuts.") == "");
  CHECK(v.message().msgid == "-");
  CHECK(v.message().elements.empty());
  CHECK(v.validate("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
                   "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] "
                   "\xEF\xBB\xBF"
                   "An application event log entry...") == "");
  CHECK(v.validate("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
                   "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]"
                   "[examplePriority@32473 class=\"high\"]") == "");
  CHECK(v.message().elements.size() == 2);
  CHECK_FALSE(v.message().has_msg);
}

TEST_CASE("sink rfc5424: the RFC 5424 section 6.3.5 structured data examples") {
  Rfc5424Validator v;
  // A space between elements ends STRUCTURED-DATA: the second element is MSG text.
  const std::string spaced =
      with_sd("[exampleSDID@32473 iut=\"3\"] [examplePriority@32473 class=\"high\"]");
  REQUIRE(v.validate(spaced) == "");
  CHECK(v.message().elements.size() == 1);
  CHECK(v.message().msg == "[examplePriority@32473 class=\"high\"]");
  CHECK(check(with_sd("[ exampleSDID@32473 iut=\"3\"]")) == "SD-ID empty");
  CHECK(check(with_sd("[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" "
                      "eventID=\"1011\"][examplePriority@32473 class=\"high\"]")) == "");
}

TEST_CASE("sink rfc5424: PRI and VERSION") {
  CHECK(check("<0>1 - - - - - -") == "");
  CHECK(check("<191>1 - - - - - -") == "");
  CHECK(check("<192>1 - - - - - -") == "PRIVAL greater than 191");
  CHECK(check("<999>1 - - - - - -") == "PRIVAL greater than 191");
  CHECK(check("<01>1 - - - - - -") == "PRIVAL has a leading zero");
  CHECK(check("<00>1 - - - - - -") == "PRIVAL has a leading zero");
  CHECK(check("<1234>1 - - - - - -") == "PRIVAL longer than 3 digits");
  CHECK(check("<>1 - - - - - -") == "PRIVAL has no digits");
  CHECK(check("14>1 - - - - - -") == "PRI does not start with '<'");
  CHECK(check("<14 1 - - - - - -") == "PRI not closed by '>'");
  CHECK(check("<14") == "PRI not closed by '>'");
  CHECK(check("<14>2 - - - - - -") == "VERSION is not 1");
  CHECK(check("<14>10 - - - - - -") == "VERSION is not 1");
  CHECK(check("<14>0 - - - - - -") == "VERSION missing");
  CHECK(check("<14> - - - - - -") == "VERSION missing");
  CHECK(check("<14>1- - - - - -") == "SP expected after VERSION");
  CHECK(check("") == "empty message");
}

TEST_CASE("sink rfc5424: TIMESTAMP") {
  // RFC 5424 6.2.3.1 examples.
  CHECK(check(with_timestamp("1985-04-12T23:20:50.52Z")) == "");
  CHECK(check(with_timestamp("1985-04-12T19:20:50.52-04:00")) == "");
  CHECK(check(with_timestamp("2003-10-11T22:14:15.003Z")) == "");
  CHECK(check(with_timestamp("2003-08-24T05:14:15.000003-07:00")) == "");
  CHECK(check(with_timestamp("2003-08-24T05:14:15.000000003-07:00")) ==
        "TIMESTAMP: more than 6 fraction digits");
  CHECK(check(with_timestamp("-")) == "");
  CHECK(check(with_timestamp("2024-01-01T00:00:00+14:00")) == "");

  CHECK(check(with_timestamp("1990-12-31T23:59:60Z")) == "TIMESTAMP: second out of range 00-59");
  CHECK(check(with_timestamp("2003-10-11t22:14:15Z")) ==
        "TIMESTAMP: uppercase 'T' expected after the date");
  CHECK(check(with_timestamp("2003-10-11T22:14:15z")) ==
        "TIMESTAMP: 'Z' or a +HH:MM/-HH:MM offset expected");
  CHECK(check(with_timestamp("2003-10-11T22:14:15")) ==
        "TIMESTAMP: 'Z' or a +HH:MM/-HH:MM offset expected");
  CHECK(check(with_timestamp("2003-10-11T22:14:15.Z")) == "TIMESTAMP: no digit after '.'");
  CHECK(check(with_timestamp("2003-10-11T22:14:15+0000")) == "TIMESTAMP: ':' expected in offset");
  CHECK(check(with_timestamp("2003-10-11T22:14:15+24:00")) ==
        "TIMESTAMP: offset hour out of range 00-23");
  CHECK(check(with_timestamp("2003-10-11T22:14:15-05:60")) ==
        "TIMESTAMP: offset minute out of range 00-59");
  CHECK(check(with_timestamp("2003-10-11T22:14:15+5:00")) ==
        "TIMESTAMP: offset hour is not 2 digits");
  CHECK(check(with_timestamp("03-10-11T22:14:15Z")) == "TIMESTAMP: year is not 4 digits");
  CHECK(check(with_timestamp("2003/10-11T22:14:15Z")) == "TIMESTAMP: '-' expected after year");
  CHECK(check(with_timestamp("2003-1-11T22:14:15Z")) == "TIMESTAMP: month is not 2 digits");
  CHECK(check(with_timestamp("2003-13-11T22:14:15Z")) == "TIMESTAMP: month out of range 01-12");
  CHECK(check(with_timestamp("2003-00-11T22:14:15Z")) == "TIMESTAMP: month out of range 01-12");
  CHECK(check(with_timestamp("2003-10-00T22:14:15Z")) ==
        "TIMESTAMP: day out of range for the month");
  CHECK(check(with_timestamp("2003-04-31T22:14:15Z")) ==
        "TIMESTAMP: day out of range for the month");
  CHECK(check(with_timestamp("2003-12-31T22:14:15Z")) == "");
  // Leap years: divisible by 4, except centuries not divisible by 400.
  CHECK(check(with_timestamp("2024-02-29T00:00:00Z")) == "");
  CHECK(check(with_timestamp("2000-02-29T00:00:00Z")) == "");
  CHECK(check(with_timestamp("2023-02-29T00:00:00Z")) ==
        "TIMESTAMP: day out of range for the month");
  CHECK(check(with_timestamp("1900-02-29T00:00:00Z")) ==
        "TIMESTAMP: day out of range for the month");
  CHECK(check(with_timestamp("2003-10-11T24:00:00Z")) == "TIMESTAMP: hour out of range 00-23");
  CHECK(check(with_timestamp("2003-10-11T23:60:00Z")) == "TIMESTAMP: minute out of range 00-59");
  CHECK(check(with_timestamp("2003-10-11T2:14:15Z")) == "TIMESTAMP: hour is not 2 digits");
  CHECK(check(with_timestamp("2003-10-11T22-14:15Z")) == "TIMESTAMP: ':' expected after hour");
  CHECK(check("<14>1 2003-10-11T22:14:15Zhost app 1 ID -") == "SP expected after TIMESTAMP");
}

TEST_CASE("sink rfc5424: header fields: length limits, PRINTUSASCII, NILVALUE") {
  const auto msg = [](std::string_view h, std::string_view a, std::string_view p,
                      std::string_view i) {
    return "<14>1 - " + std::string(h) + " " + std::string(a) + " " + std::string(p) + " " +
           std::string(i) + " -";
  };
  CHECK(check(msg(std::string(255, 'h'), "a", "p", "m")) == "");
  CHECK(check(msg(std::string(256, 'h'), "a", "p", "m")) == "HOSTNAME longer than 255");
  CHECK(check(msg("h", std::string(48, 'a'), "p", "m")) == "");
  CHECK(check(msg("h", std::string(49, 'a'), "p", "m")) == "APP-NAME longer than 48");
  CHECK(check(msg("h", "a", std::string(128, 'p'), "m")) == "");
  CHECK(check(msg("h", "a", std::string(129, 'p'), "m")) == "PROCID longer than 128");
  CHECK(check(msg("h", "a", "p", std::string(32, 'm'))) == "");
  CHECK(check(msg("h", "a", "p", std::string(33, 'm'))) == "MSGID longer than 32");
  CHECK(check(msg("h\tx", "a", "p", "m")) == "HOSTNAME contains a non-PRINTUSASCII octet");
  CHECK(check(msg("h", "\xC3\xA9", "p", "m")) == "APP-NAME contains a non-PRINTUSASCII octet");
  CHECK(check(msg("h", "a", "p\x7F", "m")) == "PROCID contains a non-PRINTUSASCII octet");
  CHECK(check(msg("h", "a", "p", "m\x01")) == "MSGID contains a non-PRINTUSASCII octet");
  CHECK(check(msg("", "a", "p", "m")) == "HOSTNAME empty");
  CHECK(check(msg("h", "", "p", "m")) == "APP-NAME empty");
  CHECK(check("<14>1 - h a p") == "message ends after PROCID");
  CHECK(check("<14>1 - h a p m") == "message ends after MSGID");
  CHECK(check("<14>1 - h a p m ") == "STRUCTURED-DATA missing");
  // A field that only starts with '-' is a value, not NILVALUE.
  CHECK(check(msg("-h", "-", "-", "-")) == "");

  Rfc5424Validator v;
  const std::string too_long = msg(std::string(256, 'h'), "a", "p", "m");
  CHECK(v.validate(too_long) == "HOSTNAME longer than 255");
  CHECK(v.error_offset() == 8);  // where HOSTNAME starts
}

TEST_CASE("sink rfc5424: SD-ID rules") {
  CHECK(check(with_sd("-")) == "");
  CHECK(check(with_sd("x")) == "STRUCTURED-DATA is neither '-' nor '['");
  CHECK(check(with_sd("[]")) == "SD-ID empty");
  CHECK(check(with_sd("[a=b@1]")) == "SD-ID contains '='");
  CHECK(check(with_sd("[a\"b@1]")) == "SD-ID contains '\"'");
  CHECK(check(with_sd("[a\x7F@1]")) == "SD-ID contains a non-PRINTUSASCII octet");
  CHECK(check(with_sd("[" + std::string(26, 'n') + "@32473]")) == "");  // 32 octets
  CHECK(check(with_sd("[" + std::string(27, 'n') + "@32473]")) == "SD-ID longer than 32");
  CHECK(check(with_sd("[timeQuality tzKnown=\"1\" isSynced=\"1\"][origin ip=\"192.0.2.1\"][meta "
                      "sequenceId=\"1\"]")) == "");
  CHECK(check(with_sd("[mine k=\"v\"]")) == "SD-ID has no '@' and is not an IANA-registered name");
  CHECK(check(with_sd("[@32473]")) == "SD-ID has an empty name before '@'");
  CHECK(check(with_sd("[a@]")) == "SD-ID has no enterprise number (digits, dots) after '@'");
  CHECK(check(with_sd("[a@x1]")) == "SD-ID has no enterprise number (digits, dots) after '@'");
  CHECK(check(with_sd("[a@1.]")) == "SD-ID has no enterprise number (digits, dots) after '@'");
  CHECK(check(with_sd("[a@1@2]")) == "SD-ID has no enterprise number (digits, dots) after '@'");
  CHECK(check(with_sd("[a@1.3.6]")) == "");
  CHECK(check(with_sd("[a@1][b@1][a@1]")) == "duplicate SD-ID");
  CHECK(check(with_sd("[a@1 k=\"v\"][a@2 k=\"v\"]")) == "");  // same name, other enterprise
  CHECK(check(with_sd("[a@1")) == "SD-ELEMENT not closed by ']'");
}

TEST_CASE("sink rfc5424: SD-PARAM rules") {
  CHECK(check(with_sd("[a@1 k]")) == "PARAM-NAME not followed by '='");
  CHECK(check(with_sd("[a@1 k \"v\"]")) == "PARAM-NAME not followed by '='");
  CHECK(check(with_sd("[a@1 =\"v\"]")) == "PARAM-NAME empty");
  CHECK(check(with_sd("[a@1  k=\"v\"]")) == "PARAM-NAME not followed by '='");  // two SPs
  CHECK(check(with_sd("[a@1 k\"=\"v\"]")) == "PARAM-NAME contains '\"'");
  CHECK(check(with_sd("[a@1 k\x80=\"v\"]")) == "PARAM-NAME contains a non-PRINTUSASCII octet");
  CHECK(check(with_sd("[a@1 " + std::string(32, 'k') + "=\"v\"]")) == "");
  CHECK(check(with_sd("[a@1 " + std::string(33, 'k') + "=\"v\"]")) == "PARAM-NAME longer than 32");
  CHECK(check(with_sd("[a@1 k=v]")) == "'\"' expected to open PARAM-VALUE");
  CHECK(check(with_sd("[a@1 k=\"v]\"]")) == "PARAM-VALUE contains an unescaped ']'");
  CHECK(check(with_sd("[a@1 k=\"v")) == "PARAM-VALUE not closed by '\"'");
  CHECK(check(with_sd("[a@1 k=\"v\\\"")) == "PARAM-VALUE not closed by '\"'");  // \" escaped
  CHECK(check(with_sd("[a@1 k=\"v\\\"]")) == "PARAM-VALUE contains an unescaped ']'");
  CHECK(check(with_sd("[a@1 k=\"v\"x]")) == "SP or ']' expected after SD-PARAM");
  CHECK(check(with_sd("[a@1 k=\"v\"")) == "SD-ELEMENT not closed by ']'");
  CHECK(check(with_sd("[a@1 k=\"v\" ]")) == "PARAM-NAME not followed by '='");
  CHECK(check(with_sd("[a@1 k=\"\"]")) == "");  // an empty value is allowed
  CHECK(check(with_sd("[a@1 k=\"v\"]x")) == "SP or end of message expected after STRUCTURED-DATA");
  CHECK(check(with_sd("- x")) == "");
  CHECK(check(with_sd("-x")) == "SP or end of message expected after STRUCTURED-DATA");
}

TEST_CASE("sink rfc5424: PARAM-VALUE escapes are unescaped, other backslashes kept") {
  Rfc5424Validator v;
  // CF's escaping example: log-tag="\"\]\\".
  const std::string m = with_sd("[tags@47450 log-tag=\"\\\"\\]\\\\\" plain=\"p\" "
                                "path=\"C:\\dir\\n\" end=\"x\\\\\"] m");
  REQUIRE(v.validate(m) == "");
  const auto& p = v.message();
  const auto params = p.params_of(p.elements.at(0));
  REQUIRE(params.size() == 4);
  CHECK(params[0].value == "\"]\\");
  CHECK(params[1].value == "p");
  CHECK(params[2].value == "C:\\dir\\n");  // RFC 5424 6.3.3: an invalid escape stays as is
  CHECK(params[3].value == "x\\");
  CHECK(p.msg == "m");
}

TEST_CASE("sink rfc5424: PARAM-VALUE must be valid UTF-8") {
  CHECK(check(with_sd("[a@1 k=\"caf\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x82\xAC\"]")) == "");
  const std::string bad = "PARAM-VALUE is not valid UTF-8";
  CHECK(check(with_sd("[a@1 k=\"\xC3\x28\"]")) == bad);          // bad continuation
  CHECK(check(with_sd("[a@1 k=\"\xC0\xAF\"]")) == bad);          // overlong '/'
  CHECK(check(with_sd("[a@1 k=\"\xE0\x80\xAF\"]")) == bad);      // overlong, 3 bytes
  CHECK(check(with_sd("[a@1 k=\"\xED\xA0\x80\"]")) == bad);      // surrogate
  CHECK(check(with_sd("[a@1 k=\"\xF4\x90\x80\x80\"]")) == bad);  // above U+10FFFF
  CHECK(check(with_sd("[a@1 k=\"\xF5\x80\x80\x80\"]")) == bad);
  CHECK(check(with_sd("[a@1 k=\"\xE2\x82\"]")) == bad);          // truncated
  CHECK(check(with_sd("[a@1 k=\"\xFF\"]")) == bad);
  CHECK(sink::is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  CHECK_FALSE(sink::is_valid_utf8("\xE2\x82"));
}

TEST_CASE("sink rfc5424: MSG: any octets without a BOM, UTF-8 after a BOM") {
  Rfc5424Validator v;
  const std::string raw = kHead + "- \xFF\xFE raw";
  CHECK(v.validate(raw) == "");
  CHECK(v.message().msg == "\xFF\xFE raw");
  CHECK(v.validate(kHead + "- \xEF\xBB\xBF\xFF") == "MSG starts with a BOM but is not valid UTF-8");
  CHECK(v.validate(kHead + "- \xEF\xBB\xBF" "caf\xC3\xA9") == "");
  const std::string empty_msg = kHead + "- ";
  CHECK(v.validate(empty_msg) == "");
  CHECK(v.message().has_msg);
  CHECK(v.message().msg.empty());
  CHECK(v.validate(kHead + "-") == "");
  CHECK_FALSE(v.message().has_msg);
}

TEST_CASE("sink rfc5424: a reused validator forgets the previous message") {
  Rfc5424Validator v;
  const std::string first = with_sd("[a@1 k=\"\\]\"][b@1 x=\"y\"] m");
  REQUIRE(v.validate(first) == "");
  CHECK(v.message().elements.size() == 2);
  CHECK(v.message().params.size() == 2);
  // The same SD-IDs in the next message are not duplicates.
  const std::string second = with_sd("[a@1 j=\"\\\"\"]");
  REQUIRE(v.validate(second) == "");
  REQUIRE(v.message().elements.size() == 1);
  CHECK(v.message().params.size() == 1);
  CHECK(v.message().params[0].value == "\"");
  CHECK_FALSE(v.message().has_msg);
  CHECK(v.validate("<14>1 - - - - - -") == "");
  CHECK(v.message().elements.empty());
  CHECK(v.message().params.empty());
}
