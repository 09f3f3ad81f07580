// The simulated foundation's orgs, spaces and apps (what Cloud Controller serves).
//
// Thread-safe: Cloud Controller handlers read it from the server's threads while the control
// endpoint (or the embedding program) renames, deletes and adds apps. Orgs and spaces are fixed
// at construction; apps follow the naming rule of naming.h.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cfsim {

struct FoundationOptions {
  std::uint32_t orgs = 2;
  std::uint32_t spaces = 4;   // in total, spread over the orgs
  std::uint64_t apps = 10;    // in total, spread over the spaces
  double opted_out_share = 0; // apps annotated f2s-disable-logging: "true"
};

struct OrgRecord {
  std::uint32_t index = 0;
  std::string guid;
  std::string name;
};

struct SpaceRecord {
  std::uint32_t index = 0;
  std::uint32_t org = 0;
  std::string guid;
  std::string name;
};

struct AppRecord {
  std::uint64_t index = 0;
  std::uint32_t space = 0;
  std::uint32_t org = 0;
  std::string guid;
  std::string name;
  std::uint32_t renames = 0;
  bool deleted = false;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

class Foundation {
 public:
  explicit Foundation(const FoundationOptions& options);

  [[nodiscard]] std::uint32_t org_count() const { return static_cast<std::uint32_t>(orgs_.size()); }
  [[nodiscard]] std::uint32_t space_count() const { return static_cast<std::uint32_t>(spaces_.size()); }
  // Apps ever created (deleted ones included), i.e. the next index add_app() will use.
  [[nodiscard]] std::uint64_t app_slots() const;

  [[nodiscard]] const OrgRecord& org(std::uint32_t i) const { return orgs_.at(i); }
  [[nodiscard]] const SpaceRecord& space(std::uint32_t i) const { return spaces_.at(i); }
  [[nodiscard]] std::optional<std::uint32_t> find_org(std::string_view guid) const;
  [[nodiscard]] std::optional<std::uint32_t> find_space(std::string_view guid) const;

  // A copy of a live (not deleted) app, or nullopt.
  [[nodiscard]] std::optional<AppRecord> find_app(std::string_view guid) const;
  // Copies of every live app, in index order.
  [[nodiscard]] std::vector<AppRecord> live_apps() const;

  // Renames to app-<i>-r<n>, or to `name` when given. False when the app is unknown or deleted.
  bool rename_app(std::string_view guid, std::string_view name = {});
  bool delete_app(std::string_view guid);
  // Sets (a value) or removes (nullopt) a label of an app, a space or an org, as
  // `cf set-label` / `cf unset-label` would. False when no live resource has that guid.
  bool set_label(std::string_view guid, const std::string& key, const std::optional<std::string>& value);
  // The labels of a space or an org (their fixed ones and any set since); empty for other guids.
  [[nodiscard]] std::map<std::string, std::string> labels_of(std::string_view guid) const;
  // Adds app i = app_slots() in space i % spaces; returns it.
  AppRecord add_app();

 private:
  AppRecord make_app(std::uint64_t index) const;

  FoundationOptions options_;
  std::vector<OrgRecord> orgs_;
  std::vector<SpaceRecord> spaces_;
  mutable std::mutex mutex_;
  std::vector<AppRecord> apps_;  // guarded by mutex_; index == position
  std::map<std::string, std::map<std::string, std::string>, std::less<>> resource_labels_;  // spaces, orgs; mutex_
};

}  // namespace cfsim
