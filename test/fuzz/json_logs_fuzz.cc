// libFuzzer target: any byte string as a LogMessage payload, formatted with json-logs=true
// (syslog/json_body.cc). The body must always be one valid JSON object in UTF-8 within its
// budget, with the payload either nested as "log" or kept as the string "msg".
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/envelope.h"
#include "syslog/json_body.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nozzle::Envelope env;
  env.type = nozzle::EventType::LogMessage;
  env.origin = "rep";
  env.log.app_id = "11111111-2222-4333-8444-555555555555";
  env.log.message.assign(reinterpret_cast<const char*>(data), size);
  nozzle::syslog::FormatOptions options;
  options.json_logs = true;
  // The first byte picks a budget, so that the fallback on a body too large is reached too.
  const std::size_t budget = size > 0 ? 300 + static_cast<std::size_t>(data[0]) * 64 : 4096;
  std::string out;
  const auto r = nozzle::syslog::append_json_body(env, nozzle::AppInfo{}, options, budget, out);
  if (r == nozzle::syslog::BodyResult::TooLarge) return 0;
  if (out.size() > budget || out.empty() || out.back() != '\n') std::abort();
  rapidjson::Document d;
  d.Parse<rapidjson::kParseValidateEncodingFlag>(out.data(), out.size() - 1);
  if (d.HasParseError() || !d.IsObject()) std::abort();
  if (d.HasMember("log") == d.HasMember("msg")) std::abort();
  if (d.HasMember("log") && !d["log"].IsObject()) std::abort();
  return 0;
}
