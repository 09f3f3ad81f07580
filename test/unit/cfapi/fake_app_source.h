// A hand-written AppSource for the app cache's unit tests: a map of apps, a record of every
// call, and scripted failures returned before the real answers. Used on the cache's thread only.
#pragma once

#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "cfapi/cc_client.h"

namespace nozzle::test {

// guid of app i, like cf-sim's: org i%2, space i%4.
inline std::string app_guid(std::uint64_t i) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4000-a000-%012llx", static_cast<unsigned>(i % 2),
                static_cast<unsigned>(i % 4), static_cast<unsigned long long>(i));
  return buf;
}

inline cfapi::CcApp make_app(std::uint64_t i) {
  cfapi::CcApp a;
  a.guid = app_guid(i);
  a.name = "app-" + std::to_string(i);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4000-9000-000000000000", static_cast<unsigned>(i % 2),
                static_cast<unsigned>(i % 4));
  a.space_guid = buf;
  a.space_name = "space-" + std::to_string(i % 4);
  std::snprintf(buf, sizeof buf, "%08x-0000-4000-8000-000000000000", static_cast<unsigned>(i % 2));
  a.org_guid = buf;
  a.org_name = "org-" + std::to_string(i % 2);
  return a;
}

class FakeAppSource final : public cfapi::AppSource {
 public:
  std::map<std::string, cfapi::CcApp> apps;
  std::deque<cfapi::FetchResult> failures;  // returned, in order, before real answers
  std::vector<std::vector<std::string>> by_guid_calls;
  std::vector<std::string> list_calls;
  std::size_t per_page = 5000;

  void add(std::uint64_t from, std::uint64_t to) {
    for (auto i = from; i < to; ++i) {
      auto a = make_app(i);
      apps[a.guid] = a;
    }
  }
  std::size_t calls() const { return by_guid_calls.size() + list_calls.size(); }

  static cfapi::FetchResult failure(cfapi::FetchStatus status, int retry_after_s = -1) {
    cfapi::FetchResult r;
    r.status = status;
    r.error = "scripted";
    if (retry_after_s >= 0) r.retry_after = std::chrono::seconds(retry_after_s);
    return r;
  }

  cfapi::FetchResult list_apps(const std::string& page_url) override {
    list_calls.push_back(page_url);
    if (auto f = next_failure()) return *f;
    const std::size_t page = page_url.empty() ? 0 : std::stoul(page_url);
    cfapi::FetchResult r;
    r.status = cfapi::FetchStatus::Ok;
    std::size_t i = 0;
    for (const auto& [guid, app] : apps) {
      if (i >= page * per_page && i < (page + 1) * per_page) r.page.apps.push_back(app);
      ++i;
    }
    if ((page + 1) * per_page < apps.size()) r.page.next_url = std::to_string(page + 1);
    return r;
  }

  cfapi::FetchResult apps_by_guid(std::span<const std::string> guids) override {
    by_guid_calls.emplace_back(guids.begin(), guids.end());
    if (auto f = next_failure()) return *f;
    cfapi::FetchResult r;
    r.status = cfapi::FetchStatus::Ok;
    for (const auto& g : guids) {
      if (auto it = apps.find(g); it != apps.end()) r.page.apps.push_back(it->second);
    }
    return r;
  }

 private:
  std::optional<cfapi::FetchResult> next_failure() {
    if (failures.empty()) return std::nullopt;
    auto f = failures.front();
    failures.pop_front();
    return f;
  }
};

// A clock tests move by hand.
struct ManualClock {
  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  void advance(std::chrono::steady_clock::duration d) { now += d; }
  auto fn() {
    return [this] { return now; };
  }
};

}  // namespace nozzle::test
