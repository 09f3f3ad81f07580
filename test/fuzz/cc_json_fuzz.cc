// libFuzzer target: any byte string as a Cloud Controller /v3/apps page (with included spaces
// and organizations), through parse_apps_page(). It must never crash, and every app it returns
// has a guid (the cache's key).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cfapi/cc_client.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  const auto page = nozzle::cfapi::parse_apps_page(json);
  if (!page) {
    if (page.error().empty()) std::abort();
    return 0;
  }
  for (const nozzle::cfapi::CcApp& app : page->apps) {
    if (app.guid.empty()) std::abort();
    // An org is only known through the app's space.
    if (app.space_guid.empty() && !app.org_guid.empty()) std::abort();
  }
  return 0;
}
