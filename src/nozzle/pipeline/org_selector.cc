#include "nozzle/pipeline/org_selector.h"

namespace nozzle {

bool org_selected(std::span<const std::string> orgs, std::string_view app_id, std::string_view org_name,
                  std::string_view org_guid) {
  if (orgs.empty() || app_id.empty()) return true;
  for (const std::string& o : orgs) {
    // An empty name or guid is unknown, never a match (a list entry is never empty either).
    if ((!org_name.empty() && o == org_name) || (!org_guid.empty() && o == org_guid)) return true;
  }
  return false;
}

}  // namespace nozzle
