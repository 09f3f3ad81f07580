#include "syslog/cf_fields.h"

#include "syslog/rfc5424.h"
#include "syslog/text.h"

namespace nozzle::syslog::cf {
namespace {

constexpr std::size_t kHostnameMax = 255;
constexpr std::size_t kAppNameMax = 48;
// CF cuts a long source instance to this before it cuts the source type.
constexpr std::size_t kSourceInstanceCut = 36;

// Byte order, as Go's sort.Strings. Keys are short SD-NAMEs: an inline loop beats a memcmp
// call (which measured at a tenth of the cf style's time).
bool key_less(std::string_view a, std::string_view b) {
  const std::size_t n = a.size() < b.size() ? a.size() : b.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
  }
  return a.size() < b.size();
}

// Same as the pcf style: logs stamped only on the log itself keep their time.
std::int64_t header_time(const Envelope& env) {
  if (env.timestamp_ns == 0 && env.type == EventType::LogMessage) return env.log.timestamp_ns;
  return env.timestamp_ns;
}

// org.space.app from the enrichment cache, else from the name tags modern CF stamps, else the
// origin VM's ip.
char* put_hostname(const Envelope& env, const AppInfo& app, const KnownTags& tags, char* p) {
  const bool named = !app.org_name.empty() || !app.space_name.empty() || !app.app_name.empty() ||
                     tags.org_name || tags.space_name || tags.app_name;
  if (!named) return text::put_header_field(env.ip, kHostnameMax, p);
  auto pick = [](std::string_view known, std::optional<std::string_view> tag) {
    return known.empty() && tag ? *tag : known;
  };
  // Three labels of at most 63 bytes from [-a-zA-Z0-9] and two dots: always within 255.
  p = text::put_cf_host_label(pick(app.org_name, tags.org_name), p);
  *p++ = '.';
  p = text::put_cf_host_label(pick(app.space_name, tags.space_name), p);
  *p++ = '.';
  return text::put_cf_host_label(pick(app.app_name, tags.app_name), p);
}

// APP-NAME: the v2 source_id, which is the app guid for app envelopes.
std::string_view app_name(const Envelope& env, const KnownTags& tags) {
  std::string_view name = tags.source_id.value_or(std::string_view{});
  if (name.empty()) name = env.app_id();
  if (name.empty()) name = env.origin;
  return name;
}

// A PROCID part: whitespace becomes '-', bytes outside PRINTUSASCII are dropped; at most
// `max` bytes are kept.
std::size_t procid_part(std::string_view in, bool upper, char* dst, std::size_t max) {
  std::size_t n = 0;
  for (const char ch : in) {
    if (n == max) break;
    auto c = static_cast<unsigned char>(ch);
    if (c == ' ' || (c >= '\t' && c <= '\r')) c = '-';
    if (c < 33 || c > 126) continue;
    if (upper && c >= 'a' && c <= 'z') c = static_cast<unsigned char>(c - 'a' + 'A');
    dst[n++] = static_cast<char>(c);
  }
  return n;
}

}  // namespace

// "[SOURCE_TYPE/instance]" or "[SOURCE_TYPE]", fitted into 128 bytes the way CF fits it.
// Needs kProcIdMax bytes.
char* put_log_procid(std::string_view source_type, std::string_view instance, char* p) {
  // Parts are kept to 126 bytes: enough to decide each "too long" test exactly as on the
  // whole value.
  constexpr std::size_t kInner = kProcIdMax - 2;
  char type[kInner];
  char inst[kInner];
  std::size_t type_n = procid_part(source_type, true, type, kInner);
  std::size_t inst_n = procid_part(instance, false, inst, kInner);
  *p++ = '[';
  if (inst_n == 0) {
    p = syslog::put(p, std::string_view(type, type_n));
  } else {
    constexpr std::size_t kRoom = kInner - 1;  // the '/'
    if (type_n + inst_n > kRoom && inst_n > kSourceInstanceCut) inst_n = kSourceInstanceCut;
    if (type_n + inst_n > kRoom) type_n = kRoom - inst_n;
    p = syslog::put(p, std::string_view(type, type_n));
    *p++ = '/';
    p = syslog::put(p, std::string_view(inst, inst_n));
  }
  *p++ = ']';
  return p;
}

// "[instance]" for metrics. Needs kProcIdMax bytes.
char* put_metric_procid(std::string_view instance, char* p) {
  *p++ = '[';
  p = text::put_printusascii(instance, kProcIdMax - 2, p);
  *p++ = ']';
  return p;
}

// Writes "<PRI>1 TIMESTAMP HOSTNAME APP-NAME " and reserves room for the PROCID that follows.
void put_header_start(int pri, const Envelope& env, const AppInfo& app, const KnownTags& tags,
                      Appender& a) {
  const std::string_view name = app_name(env, tags);
  // The hostname is either the ip or three labels no longer than their sources (+ 2 dots).
  a.reserve(40 + text::kMaxTimestamp + env.ip.size() + app.org_name.size() +
            app.space_name.size() + app.app_name.size() + tags.value_bytes + name.size() +
            kProcIdMax);
  char* p = a.cursor();
  *p++ = '<';
  p = text::put_int(pri, p);
  p = syslog::put(p, ">1 ");
  p = text::put_timestamp_cf(header_time(env), p);
  *p++ = ' ';
  p = put_hostname(env, app, tags, p);
  *p++ = ' ';
  p = text::put_header_field(name, kAppNameMax, p);
  *p++ = ' ';
  a.set_cursor(p);
}

// Ends a message: commits it and records its span, or drops it when it is over the limit.

TagList::TagList(const Envelope& env) : env_(env), params_(storage()) {
  params_.clear();
  for (std::size_t i = 0; i < env.tag_count; ++i) add_param(env.tags[i].key, env.tags[i].value);
}

std::vector<TagList::Param>& TagList::storage() {
  thread_local std::vector<Param> params;
  return params;
}

// Tag keys that are not valid SD-NAMEs are skipped. CF's marshaller allows names longer than
// 32 characters (allowLongSdNames); we keep RFC 5424's limit so that strict receivers accept
// every frame.
void TagList::add_param(std::string_view key, std::string_view value) {
  if (!is_valid_sd_name(key)) return;
  params_.push_back(Param{key, value});
  bound_ += key.size() + 4 + text::sd_value_bound(value);
}

void TagList::put(Appender& a) {
  // Insertion sort: a handful of tags, stable, and no allocation (std::stable_sort may allocate).
  for (std::size_t i = 1; i < params_.size(); ++i) {
    const Param p = params_[i];
    std::size_t j = i;
    for (; j > 0 && key_less(p.key, params_[j - 1].key); --j) params_[j] = params_[j - 1];
    params_[j] = p;
  }
  a.reserve(bound_);
  char* p = syslog::put(a.cursor(), "[tags@47450");
  for (const Param& param : params_) {
    *p++ = ' ';
    p = syslog::put(p, param.key);
    p = syslog::put(p, "=\"");
    p = text::put_sd_value(param.value, p);
    *p++ = '"';
  }
  *p++ = ']';
  a.set_cursor(p);
}

}  // namespace nozzle::syslog::cf
