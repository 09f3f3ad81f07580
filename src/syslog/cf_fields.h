// The cf style's header fields and SD elements (docs/WIRE.md, "CF app drain format"). Private to
// src/syslog/; cf_style.cc builds its messages from them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/envelope.h"
#include "syslog/appender.h"

namespace nozzle::syslog::cf {

inline constexpr std::size_t kProcIdMax = 128;
inline constexpr int kPriInfo = 8 + 6;  // user.info: OUT logs and every metric
inline constexpr int kPriErr = 8 + 3;   // user.err: ERR logs and Error events

// The tags the cf style reads, found in one pass over the envelope's tags.
struct KnownTags {
  std::optional<std::string_view> source_id, source_type, org_name, space_name, app_name;
  std::size_t value_bytes = 0;  // all tag values: bounds the hostname built from them

  explicit KnownTags(const Envelope& env) {
    for (std::size_t i = 0; i < env.tag_count; ++i) {
      const Tag& t = env.tags[i];
      value_bytes += t.value.size();
      if (is(t.key, "source_id")) source_id = t.value;
      else if (is(t.key, "source_type")) source_type = t.value;
      else if (is(t.key, "organization_name")) org_name = t.value;
      else if (is(t.key, "space_name")) space_name = t.value;
      else if (is(t.key, "app_name")) app_name = t.value;
    }
  }

 private:
  // A fixed-length compare that the compiler inlines.
  template <std::size_t N>
  static bool is(const std::string& key, const char (&name)[N]) {
    return key.size() == N - 1 && std::memcmp(key.data(), name, N - 1) == 0;
  }
};

// A tags@47450 element in the making: the envelope's tags that are valid SD-NAMEs, plus the
// ones the v1->v2 conversion would add. The list is thread-local so that it keeps its capacity.
class TagList {
 public:
  explicit TagList(const Envelope& env);
  // Adds a tag the v1->v2 conversion would add, unless the envelope carries one of that name.
  void add_derived(std::string_view key, std::string_view value) {
    if (!env_.tag(key)) add_param(key, value);
  }
  // Adds a tag known to be absent from the envelope.
  void add(std::string_view key, std::string_view value) { add_param(key, value); }
  [[nodiscard]] bool empty() const { return params_.empty(); }

  // Writes "[tags@47450 k="v" ...]" with the keys sorted, as CF writes them.
  void put(Appender& a);

 private:
  struct Param {
    std::string_view key;
    std::string_view value;
  };
  static std::vector<Param>& storage();
  void add_param(std::string_view key, std::string_view value);

  const Envelope& env_;
  std::vector<Param>& params_;
  std::size_t bound_ = 16;  // bytes put() may write
};

// Writes "<PRI>1 TIMESTAMP HOSTNAME APP-NAME " and reserves kProcIdMax + 8 bytes more, for the
// PROCID and " - " that follow.
void put_header_start(int pri, const Envelope& env, const AppInfo& app, const KnownTags& tags,
                      Appender& a);

// "[SOURCE_TYPE/instance]" or "[SOURCE_TYPE]", fitted into 128 bytes the way CF fits it.
// Needs kProcIdMax bytes.
char* put_log_procid(std::string_view source_type, std::string_view instance, char* p);

// "[instance]" for metrics. Needs kProcIdMax bytes.
char* put_metric_procid(std::string_view instance, char* p);

}  // namespace nozzle::syslog::cf
