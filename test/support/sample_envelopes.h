// Envelopes of every type, as a diego cell and a router would send them, for tests that push
// formatted frames to real receivers. The fields carry what receivers must keep intact:
// characters that need SD escaping ('"', '\', ']') and a multi-byte UTF-8 payload.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/envelope.h"
#include "syslog/format_options.h"
#include "syslog/rfc5424.h"

namespace nozzle::test {

inline constexpr std::int64_t kSampleTimeNs = 1714566896123456789;  // 2024-05-01T12:34:56.123456789Z
// The log line of the first sample: 2-, 3- and 4-byte UTF-8 sequences, a quote and a backslash.
inline constexpr std::string_view kUtf8Line = "h\xC3\xA9llo w\xC3\xB6rld \xE2\x9C\x93 \xE6\x97\xA5\xE6\x9C\xAC "
                                              "\xF0\x9F\x9A\x80 \"quoted\" back\\slash";
inline constexpr std::string_view kAppId = "5d2e6f34-7c3b-4c1e-9a55-0d5f3b0e8a11";
inline constexpr std::string_view kDirector = "bosh \"lab\" [2]\\";

// One envelope of each of the seven types; the first two are an app's OUT and ERR log lines.
std::vector<Envelope> sample_envelopes();

// The app the log samples belong to (names as its tags carry them).
AppInfo sample_app();

inline constexpr int kSampleProcid = 4242;
// A drain's format options with what the nozzle's config adds: the director above, PROCID 4242.
syslog::FormatOptions with_sample_identity(syslog::FormatOptions options);

// Formats each envelope and returns the SYSLOG-MSGs in order (a cf-style ContainerMetric gives
// several).
std::vector<std::string> format_all(const syslog::Formatter& formatter, const std::vector<Envelope>& envelopes);

// What the pcf header of `env` holds (docs/ARCHITECTURE.md, "The frame").
struct PcfExpectation {
  std::string pri;
  std::string hostname;
  std::string app_name;
  std::string msgid;
  std::string deployment;
  std::string group;
  std::string az;
  std::string id;
};
PcfExpectation pcf_expectation(const Envelope& env);

}  // namespace nozzle::test
