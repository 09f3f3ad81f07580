#include "naming.h"

#include <charconv>
#include <cstdio>

namespace cfsim {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void put_hex(char* out, std::uint64_t v, int digits) {
  for (int i = digits - 1; i >= 0; --i) {
    out[i] = kHex[v & 15];
    v >>= 4;
  }
}

std::optional<std::uint64_t> hex_field(std::string_view s, std::size_t pos, std::size_t len) {
  std::uint64_t v = 0;
  const char* first = s.data() + pos;
  const auto r = std::from_chars(first, first + len, v, 16);
  if (r.ec != std::errc() || r.ptr != first + len) return std::nullopt;
  for (std::size_t i = 0; i < len; ++i) {
    if (first[i] >= 'A' && first[i] <= 'F') return std::nullopt;  // lowercase only
  }
  return v;
}

}  // namespace

std::string org_guid(std::uint32_t org) {
  std::string s = "00000000-0000-4000-8000-000000000000";
  put_hex(s.data(), org, 8);
  return s;
}

std::string space_guid(std::uint32_t org, std::uint32_t space) {
  std::string s = "00000000-0000-4000-9000-000000000000";
  put_hex(s.data(), org, 8);
  put_hex(s.data() + 9, space, 4);
  return s;
}

void write_app_guid(std::uint32_t org, std::uint32_t space, std::uint64_t app, char* out) {
  static constexpr std::string_view kTemplate = "00000000-0000-4000-a000-000000000000";
  kTemplate.copy(out, kTemplate.size());
  put_hex(out, org, 8);
  put_hex(out + 9, space, 4);
  put_hex(out + 24, app, 12);
}

std::string app_guid(std::uint32_t org, std::uint32_t space, std::uint64_t app) {
  std::string s(36, '0');
  write_app_guid(org, space, app, s.data());
  return s;
}

std::string org_name(std::uint32_t org) { return "org-" + std::to_string(org); }
std::string space_name(std::uint32_t space) { return "space-" + std::to_string(space); }

std::string app_name(std::uint64_t app, std::uint32_t renames) {
  std::string s = "app-" + std::to_string(app);
  if (renames > 0) s += "-r" + std::to_string(renames);
  return s;
}

std::optional<AppRef> parse_app_guid(std::string_view g) {
  if (g.size() != 36 || g.substr(8, 1) != "-" || g.substr(13, 11) != "-4000-a000-") return std::nullopt;
  const auto org = hex_field(g, 0, 8);
  const auto space = hex_field(g, 9, 4);
  const auto app = hex_field(g, 24, 12);
  if (!org || !space || !app) return std::nullopt;
  return AppRef{static_cast<std::uint32_t>(*org), static_cast<std::uint32_t>(*space), *app};
}

std::optional<std::uint32_t> parse_org_guid(std::string_view g) {
  if (g.size() != 36 || g.substr(8) != "-0000-4000-8000-000000000000") return std::nullopt;
  const auto org = hex_field(g, 0, 8);
  if (!org) return std::nullopt;
  return static_cast<std::uint32_t>(*org);
}

std::optional<AppRef> parse_space_guid(std::string_view g) {
  if (g.size() != 36 || g.substr(8, 1) != "-" || g.substr(13) != "-4000-9000-000000000000") {
    return std::nullopt;
  }
  const auto org = hex_field(g, 0, 8);
  const auto space = hex_field(g, 9, 4);
  if (!org || !space) return std::nullopt;
  return AppRef{static_cast<std::uint32_t>(*org), static_cast<std::uint32_t>(*space), 0};
}

bool app_opted_out(std::uint64_t app, double share) {
  if (share <= 0) return false;
  return static_cast<double>(mix64(app ^ 0x5eedf25ULL) % 1000000) < share * 1000000.0;
}

}  // namespace cfsim
