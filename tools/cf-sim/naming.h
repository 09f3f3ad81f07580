// The deterministic naming rule of cf-sim's foundation. A receiver derives an app's org, space
// and names from its guid alone, so tests can check enrichment without asking cf-sim.
//
//   org k    guid %08x-0000-4000-8000-000000000000 (k)              name org-<k>
//   space j  guid %08x-%04x-4000-9000-000000000000 (org, j)         name space-<j>
//            space j belongs to org j % orgs
//   app i    guid %08x-%04x-4000-a000-%012x (org, space, i)         name app-<i>
//            app i belongs to space i % spaces (and so to that space's org)
//   A renamed app is app-<i>-r<n>, n = how many times it was renamed.
//
// Indices start at 0. Apps added at run time continue the numbering (i = apps so far).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cfsim {

std::string org_guid(std::uint32_t org);
std::string space_guid(std::uint32_t org, std::uint32_t space);
std::string app_guid(std::uint32_t org, std::uint32_t space, std::uint64_t app);
std::string org_name(std::uint32_t org);
std::string space_name(std::uint32_t space);
// renames == 0 gives app-<i>; otherwise app-<i>-r<renames>.
std::string app_name(std::uint64_t app, std::uint32_t renames = 0);

// Writes the 36 characters of app i's guid to out (no allocation; the hot path uses it).
void write_app_guid(std::uint32_t org, std::uint32_t space, std::uint64_t app, char* out);

struct AppRef {
  std::uint32_t org = 0;
  std::uint32_t space = 0;
  std::uint64_t app = 0;
};
// The indices encoded in an app guid, or nullopt when it does not follow the rule.
std::optional<AppRef> parse_app_guid(std::string_view guid);
std::optional<std::uint32_t> parse_org_guid(std::string_view guid);
// {org, space} of a space guid.
std::optional<AppRef> parse_space_guid(std::string_view guid);

// Which apps carry the f2s-disable-logging annotation: a fixed hash of the index, so the set is
// the same on every run. share in [0, 1].
bool app_opted_out(std::uint64_t app, double share);

// splitmix64: the workload's and the opt-out rule's hash.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace cfsim
