// Drain groups (syslog/drain_group.h): the selection logic, pure, and the group over
// hand-written fake endpoints (DrainBase with no connection: the test says when one is up and
// what it has written).
#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "syslog/drain_group.h"

using namespace nozzle::syslog;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Obs = GroupSelector::Observation;

namespace {

class FakeEndpoint final : public DrainBase {
 public:
  explicit FakeEndpoint(DrainConfig c) : DrainBase(std::move(c)) {}
  void start() override {}
  void stop(Clock::time_point, std::function<void()> done) override { done(); }
  void up() { counters_.mark_up(); }
  void down() { counters_.mark_down(); }
  // Writes everything queued, as a writer would: returns the messages (framing removed).
  std::vector<std::string> write_all() {
    std::vector<std::string> out;
    FrameBatch batch;
    while (take_next(batch) > 0) {
      std::size_t offset = 0;
      for (std::uint32_t len : batch.lengths) {
        std::string frame = batch.bytes.substr(offset, len);
        offset += len;
        const std::size_t sp = frame.find(' ');  // octet counting: "LEN SP MSG"
        out.push_back(frame.substr(sp + 1));
      }
      batch_delivered(batch);
    }
    return out;
  }

 private:
  void wake() override {}
};

DrainConfig group_config(GroupMode mode, std::size_t n, std::chrono::milliseconds failback = 1000ms) {
  DrainConfig c;
  c.name = "team-a";
  c.transport = Transport::Tcp;
  c.framing = Framing::OctetCounting;
  c.group.mode = mode;
  c.group.failback_after = failback;
  for (std::size_t i = 0; i < n; ++i) { c.group.endpoints.push_back(GroupEndpoint{"e" + std::to_string(i), 514}); }
  return c;
}

struct Group {
  std::vector<std::shared_ptr<FakeEndpoint>> ends;
  std::unique_ptr<DrainGroup> group;
  Clock::time_point now = Clock::now();

  Group(GroupMode mode, std::size_t n, std::chrono::milliseconds failback = 1000ms) {
    const DrainConfig c = group_config(mode, n, failback);
    std::vector<std::shared_ptr<DrainBase>> bases;
    for (std::size_t i = 0; i < n; ++i) {
      DrainConfig one = c;
      one.group = GroupOptions{};
      ends.push_back(std::make_shared<FakeEndpoint>(one));
      bases.push_back(ends.back());
    }
    group = std::make_unique<DrainGroup>(c, bases);
  }
  void tick(std::chrono::milliseconds step = 50ms) {
    now += step;
    group->tick(now);
  }
  // One producer batch of (key, message) pairs.
  void send(const std::vector<std::pair<std::string, std::string>>& lines) {
    FrameBatch batch;
    for (const auto& [key, msg] : lines) REQUIRE(group->stage_keyed(msg, key, batch));
    group->push_batch(batch);
  }
  void check_identity() {
    auto& c = group->counters();
    CHECK(c.produced.get() == c.sent_frames.get() + c.dropped_total() +
                                  static_cast<std::uint64_t>(c.queued_frames.get() + c.spool_frames.get()));
    for (auto& e : ends) {
      auto& k = e->counters();
      CHECK(k.produced.get() == k.sent_frames.get() + k.dropped_total() + k.handed_over.get() +
                                    static_cast<std::uint64_t>(k.queued_frames.get() + k.spool_frames.get()));
    }
  }
};

std::uint32_t bit(std::size_t i) { return 1u << i; }

}  // namespace

TEST_CASE("group selector: failover starts on the first endpoint and moves to the next when it fails") {
  GroupSelector s(GroupMode::Failover, 3, 1000ms);
  auto t = Clock::now();
  CHECK(s.members() == bit(0));  // nothing connected yet: the first keeps its place
  std::vector<Obs> seen{{true, 0, 0}, {true, 0, 0}, {true, 0, 0}};
  CHECK_FALSE(s.update(seen, t));
  CHECK(s.members() == bit(0));
  seen[0].up = false;  // the first goes down
  CHECK(s.update(seen, t += 50ms));
  CHECK(s.members() == bit(1));
  CHECK(s.failed(0));
}

TEST_CASE("group selector: failover returns to the first endpoint only after it has been up for failback-after") {
  GroupSelector s(GroupMode::Failover, 2, 1000ms);
  auto t = Clock::now();
  std::vector<Obs> seen{{true, 0, 0}, {true, 0, 0}};
  s.update(seen, t);
  seen[0].up = false;
  s.update(seen, t += 50ms);
  REQUIRE(s.members() == bit(1));
  seen[0] = {true, 0, 1};  // back (a reconnect)
  CHECK_FALSE(s.update(seen, t += 50ms));
  CHECK_FALSE(s.update(seen, t += 900ms));  // up for 900 ms: not yet
  CHECK(s.members() == bit(1));
  CHECK(s.update(seen, t += 100ms));  // up for 1 s
  CHECK(s.members() == bit(0));
}

TEST_CASE("group selector: a flap between two looks (a reconnect) counts as a failure and restarts the hold time") {
  GroupSelector s(GroupMode::Failover, 2, 1000ms);
  auto t = Clock::now();
  std::vector<Obs> seen{{true, 0, 0}, {true, 0, 0}};
  s.update(seen, t);
  seen[0].reconnects = 1;  // went down and came back within one look
  CHECK(s.update(seen, t += 50ms));
  CHECK(s.members() == bit(1));
  s.update(seen, t += 999ms);
  CHECK(s.members() == bit(1));
  s.update(seen, t += 1ms);
  CHECK(s.members() == bit(0));
}

TEST_CASE("group selector: a failed first connection attempt fails over at start") {
  GroupSelector s(GroupMode::Failover, 2, 1000ms);
  auto t = Clock::now();
  std::vector<Obs> seen{{false, 1, 0}, {true, 0, 0}};
  CHECK(s.update(seen, t));
  CHECK(s.members() == bit(1));
}

TEST_CASE("group selector: with every endpoint down, failover stays where it was, then takes the first one up") {
  GroupSelector s(GroupMode::Failover, 3, 1000ms);
  auto t = Clock::now();
  std::vector<Obs> seen{{true, 0, 0}, {true, 0, 0}, {true, 0, 0}};
  s.update(seen, t);
  seen[0].up = false;
  s.update(seen, t += 50ms);
  REQUIRE(s.members() == bit(1));
  seen[1].up = false;
  seen[2].up = false;
  s.update(seen, t += 50ms);
  CHECK(s.members() == bit(1));  // none healthy, none up: stays
  seen[2] = {true, 0, 1};        // the third returns (not yet held)
  CHECK(s.update(seen, t += 50ms));
  CHECK(s.members() == bit(2));
}

TEST_CASE("group selector: balance drops a failed endpoint from the ring and takes it back after failback-after") {
  GroupSelector s(GroupMode::Balance, 3, 500ms);
  auto t = Clock::now();
  CHECK(s.members() == (bit(0) | bit(1) | bit(2)));
  std::vector<Obs> seen{{true, 0, 0}, {true, 0, 0}, {true, 0, 0}};
  s.update(seen, t);
  seen[1].up = false;
  CHECK(s.update(seen, t += 50ms));
  CHECK(s.members() == (bit(0) | bit(2)));
  seen[1] = {true, 0, 1};
  s.update(seen, t += 50ms);
  CHECK(s.members() == (bit(0) | bit(2)));
  CHECK(s.update(seen, t += 500ms));
  CHECK(s.members() == (bit(0) | bit(1) | bit(2)));
}

TEST_CASE("group selector: balance with every endpoint down keeps each key on its own endpoint") {
  GroupSelector s(GroupMode::Balance, 3, 500ms);
  auto t = Clock::now();
  std::vector<Obs> seen{{false, 1, 0}, {false, 1, 0}, {false, 1, 0}};
  s.update(seen, t);
  CHECK(s.members() == (bit(0) | bit(1) | bit(2)));
}

TEST_CASE("balance_pick: stable, spread, and only a removed endpoint's keys move") {
  std::map<std::size_t, int> per_endpoint;
  int moved = 0, moved_wrongly = 0;
  for (int k = 0; k < 3000; ++k) {
    const std::uint64_t h = group_key_hash("app-" + std::to_string(k));
    const std::size_t all = balance_pick(h, 0b111);
    CHECK(all == balance_pick(h, 0b111));
    ++per_endpoint[all];
    const std::size_t without1 = balance_pick(h, 0b101);
    CHECK(without1 != 1);
    if (all != without1) {
      ++moved;
      if (all != 1) ++moved_wrongly;
    }
  }
  CHECK(moved_wrongly == 0);
  CHECK(moved == per_endpoint[1]);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(per_endpoint[i] > 800);  // about 1,000 each
    CHECK(per_endpoint[i] < 1200);
  }
}

TEST_CASE("drain group failover: frames go to the active endpoint, and a failed endpoint's queue moves to the next") {
  Group g(GroupMode::Failover, 2);
  for (auto& e : g.ends) e->up();
  g.tick();
  g.send({{"a", "m1"}, {"b", "m2"}});
  CHECK(g.ends[0]->counters().queued_frames.get() == 2);
  CHECK(g.ends[1]->counters().queued_frames.get() == 0);
  CHECK(g.group->endpoint_active(0));
  CHECK_FALSE(g.group->endpoint_active(1));

  g.ends[0]->down();  // down with two frames queued; one more arrives before the group looks
  g.send({{"a", "m3"}});
  g.tick();
  CHECK(g.group->endpoint_active(1));
  CHECK(g.ends[0]->counters().handed_over.get() == 3);
  g.send({{"a", "m4"}});
  CHECK(g.ends[1]->write_all() == std::vector<std::string>{"m1", "m2", "m3", "m4"});
  CHECK(g.ends[0]->write_all().empty());
  CHECK(g.group->switches() == 1);
  g.check_identity();
  CHECK(g.group->counters().produced.get() == 4);
  CHECK(g.group->counters().sent_frames.get() == 4);
}

TEST_CASE("drain group failover: back to the first endpoint after failback-after, older frames first") {
  Group g(GroupMode::Failover, 2, 1000ms);
  for (auto& e : g.ends) e->up();
  g.tick();
  g.ends[0]->down();
  g.tick();
  g.send({{"", "during"}});
  g.ends[0]->counters().reconnects.add();
  g.ends[0]->up();
  g.tick(500ms);  // seen up again: the hold time starts
  g.send({{"", "still-second"}});
  g.tick(900ms);
  CHECK(g.group->endpoint_active(1));
  g.tick(100ms);
  CHECK(g.group->endpoint_active(0));
  g.send({{"", "back"}});
  CHECK(g.ends[1]->write_all() == std::vector<std::string>{"during", "still-second"});
  CHECK(g.ends[0]->write_all() == std::vector<std::string>{"back"});
  g.check_identity();
}

TEST_CASE("drain group balance: one key stays on one endpoint in order, and a dead endpoint's keys move") {
  Group g(GroupMode::Balance, 3);
  for (auto& e : g.ends) e->up();
  g.tick();
  std::vector<std::pair<std::string, std::string>> lines;
  for (int n = 0; n < 20; ++n) {
    for (int k = 0; k < 30; ++k)
      lines.push_back({"app-" + std::to_string(k), std::to_string(k) + ":" + std::to_string(n)});
  }
  g.send(lines);
  std::map<std::string, std::set<std::size_t>> where;  // app -> endpoints
  std::map<std::string, int> next;                     // app -> next line expected
  for (std::size_t i = 0; i < 3; ++i) {
    for (const std::string& m : g.ends[i]->write_all()) {
      const std::string app = m.substr(0, m.find(':'));
      where[app].insert(i);
      CHECK(std::stoi(m.substr(m.find(':') + 1)) == next[app]++);
    }
  }
  CHECK(where.size() == 30);
  for (auto& [app, ends] : where) CHECK(ends.size() == 1);

  // Endpoint 1 dies holding a batch; its keys go to the others, the others' keys stay.
  g.send(lines);
  g.ends[1]->down();
  g.tick();
  CHECK_FALSE(g.group->endpoint_active(1));
  g.send(lines);
  std::map<std::string, std::vector<int>> seen_at[3];
  for (std::size_t i = 0; i < 3; ++i) {
    for (const std::string& m : g.ends[i]->write_all()) {
      seen_at[i][m.substr(0, m.find(':'))].push_back(std::stoi(m.substr(m.find(':') + 1)));
    }
  }
  CHECK(seen_at[1].empty());
  std::size_t total = 0;
  for (std::size_t i : {0u, 2u}) {
    for (auto& [app, ns] : seen_at[i]) {
      total += ns.size();
      // Per app at each endpoint: in order (0..19 of the second batch, then 0..19 of the third).
      for (std::size_t j = 1; j < ns.size(); ++j) CHECK((ns[j] == ns[j - 1] + 1 || (ns[j] == 0 && ns[j - 1] == 19)));
      if (*where[app].begin() != 1) CHECK(where[app].count(i) == 1);  // a live endpoint's app did not move
    }
  }
  CHECK(total == 2 * lines.size());
  g.check_identity();
}

TEST_CASE("drain group balance: with every endpoint down, each keeps its own keys (queued for its spool)") {
  Group g(GroupMode::Balance, 3);
  for (auto& e : g.ends) e->up();
  g.tick();
  for (auto& e : g.ends) e->down();
  g.tick();
  std::vector<std::pair<std::string, std::string>> lines;
  for (int k = 0; k < 30; ++k) lines.push_back({"app-" + std::to_string(k), "x"});
  g.send(lines);
  std::int64_t queued = 0;
  for (auto& e : g.ends) {
    CHECK(e->counters().queued_frames.get() > 0);
    queued += e->counters().queued_frames.get();
  }
  CHECK(queued == 30);
  g.check_identity();
}

TEST_CASE("drain group: a message over max-message-bytes is counted once, by the group") {
  Group g(GroupMode::Failover, 2);
  FrameBatch batch;
  const std::string big(g.group->config().format.max_message_bytes + 1, 'x');
  CHECK_FALSE(g.group->stage_keyed(big, "a", batch));
  CHECK(batch.empty());
  auto& c = g.group->counters();
  CHECK(c.produced.get() == 1);
  CHECK(c.dropped_too_large.get() == 1);
  g.check_identity();
}

TEST_CASE(
    "drain group counters: up while any endpoint is, down since the last one went, spool bound of all endpoints") {
  Group g(GroupMode::Failover, 2);
  auto& c = g.group->counters();
  CHECK(c.connected.get() == 0);
  g.ends[1]->up();
  CHECK(g.group->counters().connected.get() == 1);
  CHECK(g.group->counters().down_since_ms.get() == 0);
  g.ends[1]->down();
  const std::int64_t since = g.ends[1]->counters().down_since_ms.get();
  CHECK(g.group->counters().connected.get() == 0);
  CHECK(g.group->counters().down_since_ms.get() == since);
  CHECK(g.group->config().spool.max_bytes == 2 * DrainConfig{}.spool.max_bytes);
}

TEST_CASE(
    "drain group balance under concurrent producers while endpoints fail and return: each line once, per key in order "
    "at each endpoint, accounting exact") {
  Group g(GroupMode::Balance, 3, 200ms);
  for (auto& e : g.ends) e->up();
  g.tick();
  constexpr int kProducers = 3;
  constexpr int kKeys = 20;      // per producer
  constexpr int kBatches = 400;  // per producer
  std::atomic<int> running{kProducers};
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&g, &running, p] {
      FrameBatch batch;
      for (int b = 0; b < kBatches; ++b) {
        for (int k = 0; k < kKeys; ++k) {
          const std::string key = "p" + std::to_string(p) + "k" + std::to_string(k);
          (void)g.group->stage_keyed(key + ":" + std::to_string(b), key, batch);
        }
        g.group->push_batch(batch);
        if (b % 10 == 0) std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
      --running;
    });
  }
  // The pool's thread: endpoints go down and come back while the producers push; what is up
  // is written, in order.
  std::vector<std::string> written[3];
  const auto write_up = [&] {
    for (std::size_t i = 0; i < 3; ++i) {
      if (g.ends[i]->counters().connected.get() == 1) {
        for (auto& m : g.ends[i]->write_all()) written[i].push_back(std::move(m));
      }
    }
  };
  int round = 0;
  while (running > 0) {
    const std::size_t victim = static_cast<std::size_t>(round++ % 3);
    g.ends[victim]->down();
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // producers push to it before the group looks
    g.tick();
    write_up();
    g.ends[victim]->counters().reconnects.add();
    g.ends[victim]->up();
    g.tick(250ms);  // past failback-after: it takes its keys back
    write_up();
    g.tick(250ms);
    write_up();
  }
  for (auto& t : producers) t.join();
  for (int n = 0; n < 3; ++n) {
    g.tick(250ms);
    write_up();
  }
  CHECK(round > 0);
  CHECK(g.group->switches() > 0);
  MESSAGE("outages " << round << ", switches " << g.group->switches() << ", handed over "
                     << g.group->counters().handed_over.get());
  std::map<std::string, int> count;
  for (std::size_t i = 0; i < 3; ++i) {
    std::map<std::string, int> last;
    for (const std::string& m : written[i]) {
      const std::string key = m.substr(0, m.find(':'));
      const int b = std::stoi(m.substr(m.find(':') + 1));
      if (last.count(key))
        CHECK_MESSAGE(b > last[key], "endpoint " << i << " key " << key << " " << b << " after " << last[key]);
      last[key] = b;
      ++count[m];
    }
  }
  CHECK(count.size() == static_cast<std::size_t>(kProducers * kKeys * kBatches));
  for (auto& [m, n] : count) CHECK_MESSAGE(n == 1, m);
  g.check_identity();
  CHECK(g.group->counters().sent_frames.get() == static_cast<std::uint64_t>(kProducers * kKeys * kBatches));
}
