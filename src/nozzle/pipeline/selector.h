// The one routing rule: which envelopes a drain forwards, by the selectors of its URL (orgs=,
// spaces=, apps=, source-types=, their exclude- forms and platform=) or the global defaults
// (--orgs, --spaces, ...). The global --orgs filter of the enricher follows the same org rule
// (org_selected()).
//
//   - platform=: an envelope of no app (metrics, router and component logs without an app
//     guid) passes with include (the default), never with exclude; with only, nothing else
//     passes. The org, space and app selectors apply to app envelopes only.
//   - An include list (orgs=, spaces=, apps=) passes an app envelope when its org, space or
//     app is listed, by name or guid. A space may also be written ORG/SPACE (each part a name
//     or guid). Names are compared exactly (Cloud Controller's names are case-sensitive).
//   - An app whose names are unknown (Cloud Controller does not know it, did not answer in
//     time, or is down) passes no include list of that level, unless listed by a guid the
//     envelope carries (its app guid always): the filter fails closed. It is never excluded
//     by a name it does not have.
//   - An exclude list drops what it names, whatever the include lists say.
//   - source-types= applies to LogMessages only (other events have no source type): a type
//     matches itself and the types below it (APP matches APP/PROC/WEB), ignoring ASCII case.
//     A LogMessage without a source type passes no include list.
//
// Cost per (envelope, drain): nothing allocates; a drain with no selector is one branch, each
// list is a binary search over sorted strings (the source types a short scan).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/envelope.h"
#include "syslog/drain_config.h"

namespace nozzle {

// What the rule looks at, taken once per envelope.
struct Subject {
  AppInfo app;                   // app_id empty: an envelope of no app
  std::string_view source_type;  // a LogMessage's source type
  bool is_log = false;           // a LogMessage (the only event with a source type)

  static Subject of(const Envelope& env, const AppInfo& app) {
    const bool log = env.type == EventType::LogMessage;
    return Subject{app, log ? std::string_view(env.log.source_type) : std::string_view{}, log};
  }
};

// A set of names and guids, matched by a known name or a known guid (an empty one never matches).
class NameSet {
 public:
  NameSet() = default;
  explicit NameSet(std::span<const std::string> entries);
  [[nodiscard]] bool empty() const { return entries_.empty(); }
  [[nodiscard]] bool contains(std::string_view s) const;
  [[nodiscard]] bool matches(std::string_view name, std::string_view guid) const {
    return contains(name) || contains(guid);
  }

 private:
  std::vector<std::string> entries_;  // sorted, unique, none empty
};

// A space list: plain space names or guids, and ORG/SPACE pairs.
class SpaceSet {
 public:
  SpaceSet() = default;
  explicit SpaceSet(std::span<const std::string> entries);
  [[nodiscard]] bool empty() const { return plain_.empty() && qualified_.empty(); }
  [[nodiscard]] bool matches(const AppInfo& app) const;

 private:
  NameSet plain_;  // an ORG/SPACE entry is here too: a space name may itself hold a '/'
  std::vector<std::pair<std::string, std::string>> qualified_;  // sorted (org, space)
};

// source_type prefixes: APP matches APP and APP/PROC/WEB/0, not APPLE.
class SourceTypeSet {
 public:
  SourceTypeSet() = default;
  explicit SourceTypeSet(std::span<const std::string> entries);
  [[nodiscard]] bool empty() const { return prefixes_.empty(); }
  [[nodiscard]] bool matches(std::string_view source_type) const;

 private:
  std::vector<std::string> prefixes_;
};

// One drain's selectors, compiled. Default: selects everything.
class DrainSelection {
 public:
  DrainSelection() = default;
  explicit DrainSelection(const syslog::Selection& s);

  [[nodiscard]] bool selects(const Subject& s) const { return all_ || select(s); }
  [[nodiscard]] bool selects_all() const { return all_; }

 private:
  [[nodiscard]] bool select(const Subject& s) const;

  bool all_ = true;
  syslog::Platform platform_ = syslog::Platform::Include;
  NameSet orgs_, exclude_orgs_;
  SpaceSet spaces_, exclude_spaces_;
  NameSet apps_, exclude_apps_;
  SourceTypeSet source_types_, exclude_source_types_;
};

// The org rule alone, for the global --orgs in the enricher: an empty list selects everything,
// an envelope of no app passes, an app passes when its org's name or guid is listed, an app of
// unknown org does not.
bool org_selected(std::span<const std::string> orgs, std::string_view app_id, std::string_view org_name,
                  std::string_view org_guid);

inline bool org_selected(std::span<const std::string> orgs, const AppInfo& app) {
  return org_selected(orgs, app.app_id, app.org_name, app.org_id);
}

}  // namespace nozzle
