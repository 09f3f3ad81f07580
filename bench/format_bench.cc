// Formatting + framing throughput on one core: an enriched app log (200-byte payload, the tags
// modern CF stamps, names from the cache) and a platform metric, in the pcf and cf styles,
// octet-counted as for a TCP/TLS drain.
//
// Usage: bench_format [seconds-per-round] [rounds] [case-prefix]   (defaults: 1.5 s, 5 rounds, all)
// Prints a Markdown table: median ns per frame over the rounds, and frames per second. Time is
// the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so a busy machine skews it less.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "core/envelope.h"
#include "syslog/format_options.h"
#include "syslog/framing.h"
#include "syslog/rfc5424.h"

namespace {

using nozzle::AppInfo;
using nozzle::Envelope;
using nozzle::EventType;
using Clock = std::chrono::steady_clock;

// The thread's CPU time: on a shared machine, time spent descheduled does not count.
double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}
namespace sl = nozzle::syslog;

constexpr const char* kAppGuid = "6f8a2e1c-3b4d-4e5f-8a9b-0c1d2e3f4a5b";

Envelope app_log() {
  Envelope e;
  e.type = EventType::LogMessage;
  e.origin = "rep";
  e.timestamp_ns = 1700000000123456789;
  e.deployment = "cf-4a7e0d2b9c1f";
  e.job = "diego-cell";
  e.index = "1f7c9e3a-5b2d-4c8e-9a6f-3d1b7e5c2a90";
  e.ip = "10.0.16.22";
  e.add_tag("source_id", kAppGuid);
  e.add_tag("app_id", kAppGuid);
  e.add_tag("app_name", "billing-api");
  e.add_tag("space_id", "9c2b7d4e-1a3f-4b5c-8d6e-7f0a1b2c3d4e");
  e.add_tag("space_name", "production");
  e.add_tag("organization_id", "2e4f6a8c-0b1d-4e3f-9a5b-7c9d1e3f5a7b");
  e.add_tag("organization_name", "acme-payments");
  e.add_tag("instance_id", "0");
  e.add_tag("process_id", kAppGuid);
  e.add_tag("process_type", "web");
  e.add_tag("process_instance_id", "4c1e2f3a-5b6c-4d7e-8f9a-0b1c2d3e");
  // 200 bytes, a typical JSON-ish application line.
  e.log.message =
      "2023-11-14 22:13:20.123 INFO 1 --- [nio-8080-exec-7] c.a.billing.InvoiceController : "
      "GET /api/v1/invoices/INV-20231114-0042 completed status=200 duration_ms=37 user=4821 "
      "trace=9f2c41d7e3b8a6";
  e.log.message.resize(200, '.');
  e.log.message_type = nozzle::LogMessage::Type::Out;
  e.log.timestamp_ns = 1700000000123400000;
  e.log.app_id = kAppGuid;
  e.log.source_type = "APP/PROC/WEB";
  e.log.source_instance = "0";
  return e;
}

Envelope platform_metric() {
  Envelope e;
  e.type = EventType::ValueMetric;
  e.origin = "gorouter";
  e.timestamp_ns = 1700000000123456789;
  e.deployment = "cf-4a7e0d2b9c1f";
  e.job = "router";
  e.index = "7a3c5e1f-9b2d-4f6a-8c0e-2d4f6a8c0e1b";
  e.ip = "10.0.16.5";
  e.add_tag("az", "z1");
  e.value_metric.name = "latency.uaa";
  e.value_metric.value = 12.625;
  e.value_metric.unit = "ms";
  return e;
}

AppInfo billing_names() {
  AppInfo a;
  a.app_id = kAppGuid;
  a.app_name = "billing-api";
  a.space_id = "9c2b7d4e-1a3f-4b5c-8d6e-7f0a1b2c3d4e";
  a.space_name = "production";
  a.org_id = "2e4f6a8c-0b1d-4e3f-9a5b-7c9d1e3f5a7b";
  a.org_name = "acme-payments";
  return a;
}

// Formats and frames `env` repeatedly, the way a firehose connection thread does: reused
// FormattedMessages, reused frame buffer, a new timestamp per envelope.
const char* g_filter = nullptr;

void run(const char* name, sl::Style style, Envelope env, const AppInfo& app, double seconds,
         int rounds) {
  if (g_filter != nullptr && std::strncmp(name, g_filter, std::strlen(g_filter)) != 0) return;
  sl::FormatOptions options;
  options.style = style;
  options.director = "bosh-prod";
  options.procid = 4242;
  const sl::Formatter formatter(options);
  sl::FormattedMessages out;
  std::string frames;
  std::size_t sink = 0;
  std::size_t frame_bytes = 0;

  auto batch = [&](int n) {
    std::size_t count = 0;
    for (int i = 0; i < n; ++i) {
      env.timestamp_ns += 1000;
      out.clear();
      frames.clear();
      formatter.format(env, app, out);
      for (std::size_t m = 0; m < out.size(); ++m) {
        sl::append_frame(sl::Framing::OctetCounting, out.message(m), frames);
      }
      count += out.size();
      sink += frames.size();
    }
    frame_bytes = frames.size() / std::max<std::size_t>(out.size(), 1);
    return count;
  };

  // Warm-up: grows the buffers and the thread-local scratch, settles the clock.
  const auto warm_end = Clock::now() + std::chrono::milliseconds(300);
  while (Clock::now() < warm_end) batch(1000);

  std::vector<double> ns_per_frame;
  for (int r = 0; r < rounds; ++r) {
    std::size_t count = 0;
    const double start = thread_cpu_ns();
    const double deadline = start + seconds * 1e9;
    double now = start;
    do {
      count += batch(4096);
      now = thread_cpu_ns();
    } while (now < deadline);
    ns_per_frame.push_back((now - start) / static_cast<double>(count));
  }
  std::sort(ns_per_frame.begin(), ns_per_frame.end());
  const double median = ns_per_frame[ns_per_frame.size() / 2];
  std::printf("| %-44s | %6zu | %8.1f | %10.2f | %8.1f–%.1f |\n", name, frame_bytes, median,
              1e3 / median, ns_per_frame.front(), ns_per_frame.back());
  std::fflush(stdout);
  if (sink == 0) std::puts("(nothing written)");
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.5;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  if (argc > 3) g_filter = argv[3];
  if (seconds <= 0 || rounds <= 0) {
    std::fprintf(stderr, "usage: %s [seconds-per-round > 0] [rounds > 0]\n", argv[0]);
    return 2;
  }
  std::printf("%d rounds of %.1f s of thread CPU time each, after a 0.3 s warm-up; one thread\n\n",
              rounds, seconds);
  std::printf("| case | bytes/frame | median ns/frame | M frames/s | range ns/frame |\n");
  std::printf("|---|---:|---:|---:|---:|\n");
  const AppInfo names = billing_names();
  run("pcf LogMessage, 200 B payload, enriched", sl::Style::Pcf, app_log(), names, seconds, rounds);
  run("cf LogMessage, 200 B payload, 11 tags", sl::Style::Cf, app_log(), names, seconds, rounds);
  run("pcf ValueMetric (platform)", sl::Style::Pcf, platform_metric(), {}, seconds, rounds);
  run("cf ValueMetric (platform)", sl::Style::Cf, platform_metric(), {}, seconds, rounds);
  return 0;
}
