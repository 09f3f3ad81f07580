// libFuzzer target: any byte string as UAA's token response, through parse_token_response().
// It must never crash; what it accepts is "<type> <token>" with a non-empty token and a
// lifetime that is not negative.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <rapidjson/document.h>

#include "cfapi/token_provider.h"

namespace {

// KNOWN FINDINGS (reported with this target, not yet fixed in src/cfapi/token_provider.cc):
// 1. expires_in is converted with static_cast<long long>, undefined behaviour for a lifetime of
//    2^63 seconds or more ({"access_token":"t","expires_in":1e308}); UBSan stops there.
// 2. access_token is checked for length but appended as a C string, so "\u0000t" passes the
//    check and yields the header "bearer " with no token at all.
// Such inputs are skipped so that the rest of the parser stays fuzzed in CI; delete this guard
// once parse_token_response() clamps the lifetime and refuses a token holding a NUL.
bool known_finding(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return false;
  const auto e = doc.FindMember("expires_in");
  if (e != doc.MemberEnd() && e->value.IsNumber() && e->value.GetDouble() >= 9.2e18) return true;
  const auto t = doc.FindMember("access_token");
  return t != doc.MemberEnd() && t->value.IsString() &&
         std::string_view(t->value.GetString(), t->value.GetStringLength()).find('\0') != std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  if (known_finding(json)) return 0;
  const auto parsed = nozzle::cfapi::parse_token_response(json);
  if (!parsed) {
    if (parsed.error().empty()) std::abort();
    return 0;
  }
  const auto space = parsed->header_value.find(' ');
  if (space == std::string_view::npos || space + 1 == parsed->header_value.size()) std::abort();
  if (parsed->expires_in.count() < 0) std::abort();
  return 0;
}
