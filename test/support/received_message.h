// One message as a real receiver stored it, read back from the JSON-lines file the receiver
// writes. Both rsyslog and syslog-ng helpers produce these, so tests compare them alike.
#pragma once

#include <rapidjson/document.h>

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace nozzle::test {

struct ReceivedMessage {
  // The SYSLOG-MSG as the receiver kept it, framing removed (rsyslog %rawmsg%, syslog-ng ${RAWMSG}).
  std::string raw;
  // The receiver's own parse of the RFC 5424 header; "" where it has no value.
  std::string pri;
  std::string version;  // rsyslog only (syslog-ng has no macro for it)
  std::string timestamp;
  std::string hostname;
  std::string app_name;
  std::string procid;
  std::string msgid;
  std::string structured_data;  // as received, escapes kept
  std::string msg;
  // SD-ID -> PARAM-NAME -> value, unescaped by the receiver's SD parser.
  std::map<std::string, std::map<std::string, std::string>> sd;

  // A parameter's value, or "<absent>" (so a CHECK shows which one was missing).
  [[nodiscard]] std::string param(const std::string& sd_id, const std::string& name) const;
};

// Reads a JSON-lines file, one object per message. A last line without its LF is still being
// written and is left for the next read.
std::vector<ReceivedMessage> read_json_lines(
    const std::filesystem::path& path,
    const std::function<ReceivedMessage(const rapidjson::Value& object)>& convert);

// The raw message and header fields that both receivers' JSON templates write under the same
// keys (raw, pri, timestamp, hostname, app_name, procid, msgid, structured_data, msg).
ReceivedMessage header_fields(const rapidjson::Value& object);

// Adds the receiver's parse of the structured data, an object of SD-ID -> {PARAM-NAME: value},
// to m.sd; anything else in it is ignored.
void add_structured_data(const rapidjson::Value& elements, ReceivedMessage& m);

// The string member `key` of `object`, or "".
std::string json_string(const rapidjson::Value& object, const char* key);

}  // namespace nozzle::test
