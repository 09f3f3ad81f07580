// The one org rule, used by the global --orgs (CachingEnricher) and by a drain's orgs=
// (ConnectionPipeline), so that both filters mean the same thing:
//
//   - an empty list selects everything;
//   - an envelope of no app (a platform envelope: metrics, router and component logs) belongs to
//     no org and passes every org filter;
//   - an app's envelope passes when its org's name or its org's guid is listed;
//   - an app's envelope whose org is unknown (Cloud Controller does not know the app, did not
//     answer in time, or is down) does not pass: the filter fails closed.
//
// Pure code; names are compared exactly (Cloud Controller's org names are case-sensitive).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/envelope.h"

namespace nozzle {

bool org_selected(std::span<const std::string> orgs, std::string_view app_id, std::string_view org_name,
                  std::string_view org_guid);

inline bool org_selected(std::span<const std::string> orgs, const AppInfo& app) {
  return org_selected(orgs, app.app_id, app.org_name, app.org_id);
}

}  // namespace nozzle
