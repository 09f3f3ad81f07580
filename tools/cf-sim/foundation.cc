#include "foundation.h"

#include <stdexcept>

#include "naming.h"

namespace cfsim {

Foundation::Foundation(const FoundationOptions& options) : options_(options) {
  if (options.orgs == 0 || options.spaces == 0) throw std::invalid_argument("orgs and spaces must be > 0");
  if (options.spaces > 0xffff) throw std::invalid_argument("at most 65535 spaces");
  for (std::uint32_t k = 0; k < options.orgs; ++k) orgs_.push_back({k, org_guid(k), org_name(k)});
  for (std::uint32_t j = 0; j < options.spaces; ++j) {
    const std::uint32_t org = j % options.orgs;
    spaces_.push_back({j, org, space_guid(org, j), space_name(j)});
  }
  for (const auto& o : orgs_) resource_labels_[o.guid]["tier"] = o.index % 2 == 0 ? "gold" : "silver";
  for (const auto& s : spaces_) resource_labels_[s.guid]["stage"] = s.index % 2 == 0 ? "prod" : "dev";
  apps_.reserve(options.apps);
  for (std::uint64_t i = 0; i < options.apps; ++i) apps_.push_back(make_app(i));
}

AppRecord Foundation::make_app(std::uint64_t i) const {
  AppRecord a;
  a.index = i;
  a.space = static_cast<std::uint32_t>(i % spaces_.size());
  a.org = spaces_[a.space].org;
  a.guid = app_guid(a.org, a.space, i);
  a.name = app_name(i);
  a.labels["team"] = "team-" + std::to_string(i % 4);
  a.labels["env"] = (i % 3 == 0) ? "production" : "staging";
  a.annotations["owner"] = "owner-" + std::to_string(i % 7) + "@example.com";
  if (app_opted_out(i, options_.opted_out_share)) a.annotations["f2s-disable-logging"] = "true";
  return a;
}

std::uint64_t Foundation::app_slots() const {
  std::lock_guard lock(mutex_);
  return apps_.size();
}

std::optional<std::uint32_t> Foundation::find_org(std::string_view guid) const {
  const auto k = parse_org_guid(guid);
  if (!k || *k >= orgs_.size()) return std::nullopt;
  return *k;
}

std::optional<std::uint32_t> Foundation::find_space(std::string_view guid) const {
  const auto ref = parse_space_guid(guid);
  if (!ref || ref->space >= spaces_.size() || spaces_[ref->space].org != ref->org) return std::nullopt;
  return ref->space;
}

std::optional<AppRecord> Foundation::find_app(std::string_view guid) const {
  const auto ref = parse_app_guid(guid);
  if (!ref) return std::nullopt;
  std::lock_guard lock(mutex_);
  if (ref->app >= apps_.size()) return std::nullopt;
  const AppRecord& a = apps_[ref->app];
  if (a.deleted || a.guid != guid) return std::nullopt;
  return a;
}

std::vector<AppRecord> Foundation::live_apps() const {
  std::lock_guard lock(mutex_);
  std::vector<AppRecord> out;
  out.reserve(apps_.size());
  for (const auto& a : apps_) {
    if (!a.deleted) out.push_back(a);
  }
  return out;
}

bool Foundation::set_label(std::string_view guid, const std::string& key, const std::optional<std::string>& value) {
  std::lock_guard lock(mutex_);
  std::map<std::string, std::string>* labels = nullptr;
  if (const auto ref = parse_app_guid(guid);
      ref && ref->app < apps_.size() && !apps_[ref->app].deleted && apps_[ref->app].guid == guid) {
    labels = &apps_[ref->app].labels;
  } else if (const auto it = resource_labels_.find(guid); it != resource_labels_.end()) {
    labels = &it->second;
  }
  if (labels == nullptr) return false;
  if (value) (*labels)[key] = *value;
  else labels->erase(key);
  return true;
}

std::map<std::string, std::string> Foundation::labels_of(std::string_view guid) const {
  std::lock_guard lock(mutex_);
  const auto it = resource_labels_.find(guid);
  return it == resource_labels_.end() ? std::map<std::string, std::string>{} : it->second;
}

bool Foundation::rename_app(std::string_view guid, std::string_view name) {
  const auto ref = parse_app_guid(guid);
  if (!ref) return false;
  std::lock_guard lock(mutex_);
  if (ref->app >= apps_.size() || apps_[ref->app].deleted || apps_[ref->app].guid != guid) return false;
  AppRecord& a = apps_[ref->app];
  ++a.renames;
  a.name = name.empty() ? app_name(a.index, a.renames) : std::string(name);
  return true;
}

bool Foundation::delete_app(std::string_view guid) {
  const auto ref = parse_app_guid(guid);
  if (!ref) return false;
  std::lock_guard lock(mutex_);
  if (ref->app >= apps_.size() || apps_[ref->app].deleted || apps_[ref->app].guid != guid) return false;
  apps_[ref->app].deleted = true;
  return true;
}

AppRecord Foundation::add_app() {
  std::lock_guard lock(mutex_);
  apps_.push_back(make_app(apps_.size()));
  return apps_.back();
}

}  // namespace cfsim
