// libFuzzer target: any byte string as an app cache snapshot file (--cache-file) left by an
// earlier run, a truncated one or a foreign file, through parse_snapshot(). It must never
// crash; what it accepts is written back by format_snapshot() and read again to the same apps.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cfapi/app_snapshot.h"

namespace {

bool same(const nozzle::cfapi::CcApp& a, const nozzle::cfapi::CcApp& b) {
  return a.guid == b.guid && a.name == b.name && a.space_guid == b.space_guid && a.space_name == b.space_name &&
         a.org_guid == b.org_guid && a.org_name == b.org_name && a.app_opted_out == b.app_opted_out &&
         a.space_opted_out == b.space_opted_out && a.org_opted_out == b.org_opted_out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto apps = nozzle::cfapi::parse_snapshot(text);
  if (!apps) {
    if (apps.error().empty()) std::abort();
    return 0;
  }
  for (const auto& app : *apps) {
    if (app.guid.empty()) std::abort();
  }
  const std::string written = nozzle::cfapi::format_snapshot(*apps);
  const auto again = nozzle::cfapi::parse_snapshot(written);
  if (!again || again->size() != apps->size()) std::abort();
  for (std::size_t i = 0; i < apps->size(); ++i) {
    if (!same((*apps)[i], (*again)[i])) std::abort();
  }
  return 0;
}
