// The key the pipeline gives each message for a drain group in mode=balance (syslog/drain.h,
// stage_keyed()): the app guid of an app's envelope, the VM's address for an envelope of no app.
#include <doctest/doctest.h>

#include "nozzle/pipeline/connection_pipeline.h"
#include "unit/syslog/envelopes.h"

using namespace nozzle;
using nozzle::syslog::testing::app_log;
using nozzle::syslog::testing::pcf_options;
using nozzle::syslog::testing::platform_envelope;

namespace {

// Records the key of each message it is given.
class KeyRecordingDrain final : public syslog::Drain {
 public:
  bool push(std::string_view) override { return true; }
  bool stage(std::string_view, syslog::FrameBatch&) override {
    keys.emplace_back("(no key)");
    return true;
  }
  bool stage_keyed(std::string_view message, std::string_view key, syslog::FrameBatch& batch) override {
    batch.bytes.append(message);
    batch.lengths.push_back(static_cast<std::uint32_t>(message.size()));
    keys.emplace_back(key);
    return true;
  }
  void push_batch(syslog::FrameBatch& batch) override { batch.clear(); }
  const syslog::DrainConfig& config() const override { return config_; }
  syslog::DrainCounters& counters() override { return counters_; }

  std::vector<std::string> keys;

 private:
  syslog::DrainConfig config_;
  syslog::DrainCounters counters_;
};

class GuidOnlyEnricher final : public Enricher {
 public:
  void process(Envelope& env, const Emit& emit) override { emit(env, AppInfo{env.app_id()}); }
  void tick(std::chrono::steady_clock::time_point, const Emit&) override {}
  void flush(const Emit&) override {}
};

}  // namespace

TEST_CASE("pipeline: a drain is given each message's key, the app guid, or the VM for an envelope of no app") {
  KeyRecordingDrain drain;
  const std::vector<syslog::Formatter> formatters{syslog::Formatter(pcf_options())};
  const std::vector<Route> routes{Route{&drain, EventSet::all(), {}, 0}};
  PipelineCounters counters;
  ConnectionPipeline p(std::make_unique<GuidOnlyEnricher>(), formatters, routes, counters, nullptr);

  Envelope a = app_log("one");
  a.log.app_id = "0000000a-0001-4000-a000-000000000001";
  Envelope b = app_log("two");
  b.log.app_id = "0000000b-0002-4000-a000-000000000002";
  Envelope platform = platform_envelope(EventType::ValueMetric);
  platform.ip = "10.0.16.7";
  p.on_envelope(a);
  p.on_envelope(platform);
  p.on_envelope(b);
  p.on_batch_end();
  CHECK(drain.keys == std::vector<std::string>{"0000000a-0001-4000-a000-000000000001", "10.0.16.7",
                                               "0000000b-0002-4000-a000-000000000002"});
}
