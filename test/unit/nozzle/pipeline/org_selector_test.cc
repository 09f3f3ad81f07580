// The org rule shared by --orgs and a drain's orgs= (org_selector.h).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "nozzle/pipeline/org_selector.h"

using nozzle::AppInfo;
using nozzle::org_selected;

TEST_CASE("org rule: a name or a guid selects, platform envelopes pass, an unknown org fails closed") {
  const std::vector<std::string> orgs{"org-a", "0000000b-0000-4000-8000-000000000000"};
  const std::string_view app = "0000000a-0001-4000-a000-000000000001";
  CHECK(org_selected(orgs, app, "org-a", "0000000a-0000-4000-8000-000000000000"));
  CHECK(org_selected(orgs, app, "org-b", "0000000b-0000-4000-8000-000000000000"));
  CHECK(org_selected(orgs, app, "", "0000000b-0000-4000-8000-000000000000"));  // the guid alone
  CHECK_FALSE(org_selected(orgs, app, "org-c", "0000000c-0000-4000-8000-000000000000"));
  CHECK_FALSE(org_selected(orgs, app, "ORG-A", ""));  // names are compared exactly
  CHECK_FALSE(org_selected(orgs, app, "", ""));       // unknown org
  CHECK(org_selected(orgs, AppInfo{}));               // a platform envelope
  CHECK(org_selected({}, app, "", ""));               // no filter
  CHECK(org_selected(orgs, AppInfo{app, "app", "", "", "0000000b-0000-4000-8000-000000000000", "org-b"}));
}
