#include "nozzle/pipeline/selector.h"

#include <algorithm>

namespace nozzle {
namespace {

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (upper(a[i]) != upper(b[i])) return false;
  }
  return true;
}

void sort_unique(auto& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

NameSet::NameSet(std::span<const std::string> entries) {
  for (const std::string& e : entries) {
    if (!e.empty()) entries_.push_back(e);
  }
  sort_unique(entries_);
}

bool NameSet::contains(std::string_view s) const {
  return !s.empty() && std::binary_search(entries_.begin(), entries_.end(), s, std::less<>{});
}

SpaceSet::SpaceSet(std::span<const std::string> entries) : plain_(entries) {
  for (const std::string& e : entries) {
    const std::size_t slash = e.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == e.size()) continue;
    qualified_.emplace_back(e.substr(0, slash), e.substr(slash + 1));
  }
  sort_unique(qualified_);
}

bool SpaceSet::matches(const AppInfo& app) const {
  if (plain_.matches(app.space_name, app.space_id)) return true;
  if (qualified_.empty()) return false;
  using Pair = std::pair<std::string_view, std::string_view>;
  const auto has = [this](std::string_view org, std::string_view space) {
    if (org.empty() || space.empty()) return false;
    const Pair key{org, space};
    const auto it = std::lower_bound(qualified_.begin(), qualified_.end(), key, [](const auto& a, const Pair& b) {
      return Pair{a.first, a.second} < b;
    });
    return it != qualified_.end() && it->first == org && it->second == space;
  };
  return has(app.org_name, app.space_name) || has(app.org_name, app.space_id) || has(app.org_id, app.space_name) ||
         has(app.org_id, app.space_id);
}

SourceTypeSet::SourceTypeSet(std::span<const std::string> entries) {
  for (const std::string& e : entries) {
    std::string p = e;
    while (!p.empty() && p.back() == '/') p.pop_back();  // "APP/" is "APP"
    if (p.empty()) continue;
    std::transform(p.begin(), p.end(), p.begin(), upper);
    prefixes_.push_back(std::move(p));
  }
  sort_unique(prefixes_);
}

bool SourceTypeSet::matches(std::string_view source_type) const {
  for (const std::string& p : prefixes_) {
    if (source_type.size() < p.size()) continue;
    if (source_type.size() > p.size() && source_type[p.size()] != '/') continue;
    if (iequal(source_type.substr(0, p.size()), p)) return true;
  }
  return false;
}

DrainSelection::DrainSelection(const syslog::Selection& s)
    : platform_(s.platform),
      orgs_(s.orgs),
      exclude_orgs_(s.exclude_orgs),
      spaces_(s.spaces),
      exclude_spaces_(s.exclude_spaces),
      apps_(s.apps),
      exclude_apps_(s.exclude_apps),
      source_types_(s.source_types),
      exclude_source_types_(s.exclude_source_types) {
  all_ = platform_ == syslog::Platform::Include && orgs_.empty() && exclude_orgs_.empty() && spaces_.empty() &&
         exclude_spaces_.empty() && apps_.empty() && exclude_apps_.empty() && source_types_.empty() &&
         exclude_source_types_.empty();
}

bool DrainSelection::select(const Subject& s) const {
  const AppInfo& a = s.app;
  if (a.app_id.empty()) {
    if (platform_ == syslog::Platform::Exclude) return false;
  } else {
    if (platform_ == syslog::Platform::Only) return false;
    if (!orgs_.empty() && !orgs_.matches(a.org_name, a.org_id)) return false;
    if (!spaces_.empty() && !spaces_.matches(a)) return false;
    if (!apps_.empty() && !apps_.matches(a.app_name, a.app_id)) return false;
    if (!exclude_orgs_.empty() && exclude_orgs_.matches(a.org_name, a.org_id)) return false;
    if (!exclude_spaces_.empty() && exclude_spaces_.matches(a)) return false;
    if (!exclude_apps_.empty() && exclude_apps_.matches(a.app_name, a.app_id)) return false;
  }
  if (s.is_log) {
    if (!source_types_.empty() && !source_types_.matches(s.source_type)) return false;
    if (!exclude_source_types_.empty() && exclude_source_types_.matches(s.source_type)) return false;
  }
  return true;
}

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
