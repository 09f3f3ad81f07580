// The routing rule of a drain's selectors (selector.h), and the org rule the global --orgs
// shares with it.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "nozzle/pipeline/selector.h"

using nozzle::AppInfo;
using nozzle::DrainSelection;
using nozzle::org_selected;
using nozzle::Subject;
using nozzle::syslog::Platform;
using nozzle::syslog::Selection;

namespace {

constexpr std::string_view kApp = "0000000a-0001-4000-a000-000000000001";
constexpr std::string_view kSpace = "0000000a-0000-4000-9000-00000000000a";
constexpr std::string_view kOrg = "0000000a-0000-4000-8000-000000000000";

// app-a in space-a of org-a, all names known.
AppInfo known() { return AppInfo{kApp, "app-a", kSpace, "space-a", kOrg, "org-a"}; }
// The same app while Cloud Controller has not named it: only its guid is known.
AppInfo unnamed() { return AppInfo{kApp}; }

Subject app_log(const AppInfo& app, std::string_view source_type = "APP/PROC/WEB") {
  return Subject{app, source_type, true};
}
Subject app_metric(const AppInfo& app) { return Subject{app, {}, false}; }
Subject platform_log(std::string_view source_type = "RTR") { return Subject{AppInfo{}, source_type, true}; }
Subject platform_metric() { return Subject{AppInfo{}, {}, false}; }

bool selects(const Selection& s, const Subject& subject) { return DrainSelection(s).selects(subject); }

}  // namespace

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

TEST_CASE("selection: a drain's orgs= follows the org rule of --orgs, case by case") {
  const std::vector<std::vector<std::string>> lists{{}, {"org-a"}, {std::string(kOrg)}, {"org-b", "x"}, {"ORG-A"}};
  const std::vector<AppInfo> apps{known(), unnamed(), AppInfo{}, AppInfo{kApp, "", "", "", kOrg, ""},
                                  AppInfo{kApp, "", "", "", "", "org-a"}};
  for (const auto& list : lists) {
    Selection s;
    s.orgs = list;
    for (const AppInfo& app : apps) {
      CAPTURE(app.org_name);
      CHECK(selects(s, app_log(app)) == org_selected(list, app));
      CHECK(selects(s, app_metric(app)) == org_selected(list, app));
    }
  }
}

TEST_CASE("selection: no selector selects everything, cheaply") {
  const DrainSelection all;
  CHECK(all.selects_all());
  CHECK(DrainSelection(Selection{}).selects_all());
  CHECK(all.selects(app_log(known())));
  CHECK(all.selects(app_log(unnamed(), "")));
  CHECK(all.selects(platform_metric()));
  Selection s;
  s.platform = Platform::Exclude;
  CHECK_FALSE(DrainSelection(s).selects_all());
  s = Selection{};
  s.exclude_source_types = {"RTR"};
  CHECK_FALSE(DrainSelection(s).selects_all());
}

TEST_CASE("selection: spaces= by name, guid or ORG/SPACE, each part a name or guid") {
  for (const std::string& entry :
       std::vector<std::string>{"space-a", std::string(kSpace), "org-a/space-a", "org-a/" + std::string(kSpace),
                                std::string(kOrg) + "/space-a", std::string(kOrg) + "/" + std::string(kSpace)}) {
    CAPTURE(entry);
    Selection s;
    s.spaces = {"elsewhere", entry};
    CHECK(selects(s, app_log(known())));
    CHECK(selects(s, app_metric(known())));
    CHECK_FALSE(selects(s, app_log(AppInfo{kApp, "app-a", "s2", "space-b", kOrg, "org-a"})));
    CHECK_FALSE(selects(s, app_log(unnamed())));  // fails closed
    CHECK(selects(s, platform_log()));            // platform envelopes are no app's
  }
  Selection s;
  s.spaces = {"org-b/space-a"};  // the same space name in another org
  CHECK_FALSE(selects(s, app_log(known())));
  CHECK(selects(s, app_log(AppInfo{kApp, "app-a", "s3", "space-a", "o3", "org-b"})));
  s.spaces = {"team/a"};  // a space whose own name holds a '/'
  CHECK(selects(s, app_log(AppInfo{kApp, "app-a", "s4", "team/a", "o4", "org-c"})));
  s.spaces = {"SPACE-A"};  // exact names
  CHECK_FALSE(selects(s, app_log(known())));
}

TEST_CASE("selection: apps= by name or guid, and the guid still selects an app Cloud Controller has not named") {
  Selection s;
  s.apps = {"app-a"};
  CHECK(selects(s, app_log(known())));
  CHECK_FALSE(selects(s, app_log(AppInfo{"other-guid", "app-b", kSpace, "space-a", kOrg, "org-a"})));
  CHECK_FALSE(selects(s, app_log(unnamed())));  // name unknown: fails closed
  CHECK(selects(s, platform_metric()));
  s.apps = {std::string(kApp)};
  CHECK(selects(s, app_log(known())));
  CHECK(selects(s, app_log(unnamed())));  // the guid is always known
  CHECK(selects(s, app_metric(unnamed())));
}

TEST_CASE("selection: include lists of several levels must all match") {
  Selection s;
  s.orgs = {"org-a"};
  s.spaces = {"space-a"};
  s.apps = {"app-a", "app-b"};
  CHECK(selects(s, app_log(known())));
  CHECK_FALSE(selects(s, app_log(AppInfo{kApp, "app-a", kSpace, "space-z", kOrg, "org-a"})));
  CHECK_FALSE(selects(s, app_log(AppInfo{kApp, "app-a", kSpace, "space-a", "o", "org-z"})));
  CHECK_FALSE(selects(s, app_log(AppInfo{kApp, "app-z", kSpace, "space-a", kOrg, "org-a"})));
}

TEST_CASE("selection: exclude lists drop what they name, override includes, and never drop by an unknown name") {
  Selection s;
  s.exclude_orgs = {"org-a"};
  CHECK_FALSE(selects(s, app_log(known())));
  CHECK(selects(s, app_log(AppInfo{kApp, "app-a", kSpace, "space-a", "o2", "org-b"})));
  CHECK(selects(s, app_log(unnamed())));  // not known to be in org-a
  CHECK(selects(s, platform_log()));

  s = Selection{};
  s.exclude_spaces = {"org-a/space-a"};
  CHECK_FALSE(selects(s, app_log(known())));
  CHECK(selects(s, app_log(AppInfo{kApp, "app-a", kSpace, "space-a", "o2", "org-b"})));

  s = Selection{};
  s.exclude_apps = {std::string(kApp)};
  CHECK_FALSE(selects(s, app_log(known())));
  CHECK_FALSE(selects(s, app_log(unnamed())));  // by guid
  CHECK(selects(s, platform_metric()));

  s = Selection{};
  s.orgs = {"org-a"};
  s.exclude_apps = {"app-a"};  // everything of org-a but app-a
  CHECK_FALSE(selects(s, app_log(known())));
  CHECK(selects(s, app_log(AppInfo{"g2", "app-b", kSpace, "space-a", kOrg, "org-a"})));
}

TEST_CASE("selection: source-types= matches a type and the types below it, LogMessages only") {
  Selection s;
  s.source_types = {"APP", "rtr"};
  CHECK(selects(s, app_log(known(), "APP/PROC/WEB")));
  CHECK(selects(s, app_log(known(), "APP")));
  CHECK(selects(s, app_log(known(), "app/task/migrate")));  // ASCII case is ignored
  CHECK(selects(s, app_log(known(), "RTR")));
  CHECK(selects(s, platform_log("RTR")));
  CHECK_FALSE(selects(s, app_log(known(), "APPLE")));  // a prefix only up to a '/'
  CHECK_FALSE(selects(s, app_log(known(), "STG")));
  CHECK_FALSE(selects(s, app_log(known(), "AP")));
  CHECK_FALSE(selects(s, app_log(known(), "")));  // no source type: fails closed
  CHECK(selects(s, app_metric(known())));         // not a LogMessage: no source type to select by
  CHECK(selects(s, platform_metric()));

  s.source_types = {"APP/PROC/WEB"};
  CHECK(selects(s, app_log(known(), "APP/PROC/WEB")));
  CHECK(selects(s, app_log(known(), "APP/PROC/WEB/0")));
  CHECK_FALSE(selects(s, app_log(known(), "APP/PROC/WORKER")));
  CHECK_FALSE(selects(s, app_log(known(), "APP")));

  s = Selection{};
  s.exclude_source_types = {"RTR", "STG/"};
  CHECK_FALSE(selects(s, app_log(known(), "RTR")));
  CHECK_FALSE(selects(s, app_log(known(), "STG")));
  CHECK(selects(s, app_log(known(), "APP/PROC/WEB")));
  CHECK(selects(s, app_log(known(), "")));
  CHECK(selects(s, app_metric(known())));
}

TEST_CASE("selection: platform= include, exclude or only decides the envelopes of no app") {
  Selection s;
  s.platform = Platform::Include;
  CHECK(selects(s, platform_metric()));
  CHECK(selects(s, app_log(known())));
  s.platform = Platform::Exclude;
  CHECK_FALSE(selects(s, platform_metric()));
  CHECK_FALSE(selects(s, platform_log()));
  CHECK(selects(s, app_log(known())));
  CHECK(selects(s, app_log(unnamed())));  // an app's, though unnamed
  s.platform = Platform::Only;
  CHECK(selects(s, platform_metric()));
  CHECK(selects(s, platform_log()));
  CHECK_FALSE(selects(s, app_log(known())));
  CHECK_FALSE(selects(s, app_metric(unnamed())));
  s.source_types = {"RTR"};  // still applies to platform logs
  CHECK(selects(s, platform_log("RTR")));
  CHECK_FALSE(selects(s, platform_log("CELL")));
  s.platform = Platform::Exclude;
  s.source_types.clear();
  s.orgs = {"org-a"};  // excluding the platform and choosing orgs: only org-a's apps
  CHECK(selects(s, app_log(known())));
  CHECK_FALSE(selects(s, platform_metric()));
}

TEST_CASE("selection: the subject of an envelope takes its source type only from a LogMessage") {
  nozzle::Envelope env;
  env.type = nozzle::EventType::LogMessage;
  env.log.source_type = "APP/PROC/WEB";
  Subject s = Subject::of(env, known());
  CHECK(s.is_log);
  CHECK(s.source_type == "APP/PROC/WEB");
  CHECK(s.app.app_name == "app-a");
  env.type = nozzle::EventType::ValueMetric;
  s = Subject::of(env, AppInfo{});
  CHECK_FALSE(s.is_log);
  CHECK(s.source_type.empty());
}

TEST_CASE("selection: lists ignore duplicates and empty entries") {
  Selection s;
  s.apps = {"app-a", "app-a", ""};
  s.spaces = {"/", "org-a/", "/space-a"};  // no pair; the texts stay plain names
  const DrainSelection d(s);
  CHECK_FALSE(d.selects(app_log(known())));
  s.spaces.clear();
  CHECK(DrainSelection(s).selects(app_log(known())));
}
