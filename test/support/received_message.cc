#include "support/received_message.h"

#include <string_view>

#include "support/temp_dir.h"

namespace nozzle::test {

std::string ReceivedMessage::param(const std::string& sd_id, const std::string& name) const {
  const auto element = sd.find(sd_id);
  if (element == sd.end()) return "<absent>";
  const auto value = element->second.find(name);
  return value == element->second.end() ? "<absent>" : value->second;
}

std::vector<ReceivedMessage> read_json_lines(
    const std::filesystem::path& path,
    const std::function<ReceivedMessage(const rapidjson::Value& object)>& convert) {
  std::vector<ReceivedMessage> messages;
  const std::string content = read_file(path);
  std::string_view rest = content;
  for (std::size_t lf = rest.find('\n'); lf != std::string_view::npos; lf = rest.find('\n')) {
    const std::string line(rest.substr(0, lf));
    rest.remove_prefix(lf + 1);
    rapidjson::Document doc;
    doc.Parse(line.c_str(), line.size());
    ReceivedMessage m;
    if (doc.HasParseError() || !doc.IsObject()) {
      m.raw = "<unparsable line: " + line + ">";  // surfaces in a failing comparison
    } else {
      m = convert(doc);
    }
    messages.push_back(std::move(m));
  }
  return messages;
}

ReceivedMessage header_fields(const rapidjson::Value& o) {
  return ReceivedMessage{.raw = json_string(o, "raw"),
                         .pri = json_string(o, "pri"),
                         .timestamp = json_string(o, "timestamp"),
                         .hostname = json_string(o, "hostname"),
                         .app_name = json_string(o, "app_name"),
                         .procid = json_string(o, "procid"),
                         .msgid = json_string(o, "msgid"),
                         .structured_data = json_string(o, "structured_data"),
                         .msg = json_string(o, "msg")};
}

void add_structured_data(const rapidjson::Value& elements, ReceivedMessage& m) {
  if (!elements.IsObject()) return;
  for (const auto& element : elements.GetObject()) {
    if (!element.value.IsObject()) continue;
    auto& params = m.sd[element.name.GetString()];
    for (const auto& param : element.value.GetObject()) {
      if (param.value.IsString()) params[param.name.GetString()] = param.value.GetString();
    }
  }
}

std::string json_string(const rapidjson::Value& object, const char* key) {
  const auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

}  // namespace nozzle::test
