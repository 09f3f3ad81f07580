// Deferred freeing: a retired object lives until every participant has passed a quiescent point
// after it was retired, and not longer than that plus one reclaim().
#include <doctest/doctest.h>

#include "cfapi/quiescent_reclaimer.h"

using nozzle::cfapi::QuiescentReclaimer;

namespace {

struct Tracked {
  explicit Tracked(int& alive) : alive_(alive) { ++alive_; }
  ~Tracked() { --alive_; }
  int& alive_;
};

}  // namespace

TEST_CASE("quiescent reclaimer: with no participant, a retired object is freed by the second reclaim") {
  int alive = 0;
  QuiescentReclaimer r;
  r.retire(std::make_unique<Tracked>(alive));
  CHECK(r.pending() == 1);
  CHECK(r.reclaim() == 0);  // opens the next epoch
  CHECK(r.reclaim() == 1);
  CHECK(alive == 0);
  CHECK(r.pending() == 0);
}

TEST_CASE("quiescent reclaimer: a participant that has not passed a quiescent point holds retired objects") {
  int alive = 0;
  QuiescentReclaimer r;
  QuiescentReclaimer::Participant a(r);
  QuiescentReclaimer::Participant b(r);
  r.retire(std::make_unique<Tracked>(alive));
  for (int i = 0; i < 5; ++i) r.reclaim();
  CHECK(alive == 1);  // neither has seen the new epoch
  CHECK(a.quiescent());
  CHECK_FALSE(a.quiescent());  // nothing new since
  r.reclaim();
  CHECK(alive == 1);  // b still may hold it
  CHECK(b.quiescent());
  CHECK(r.reclaim() == 1);
  CHECK(alive == 0);
}

TEST_CASE("quiescent reclaimer: a participant that leaves holds nothing back, one that joins late sees no old object") {
  int alive = 0;
  QuiescentReclaimer r;
  auto a = std::make_unique<QuiescentReclaimer::Participant>(r);
  r.retire(std::make_unique<Tracked>(alive));
  r.reclaim();
  QuiescentReclaimer::Participant late(r);  // joins in the new epoch
  CHECK_FALSE(late.quiescent());
  CHECK(alive == 1);
  a.reset();
  CHECK(r.reclaim() == 1);
  CHECK(alive == 0);
}

TEST_CASE("quiescent reclaimer: the epoch moves only when something was retired, and frees the rest at destruction") {
  int alive = 0;
  {
    QuiescentReclaimer r;
    const auto e = r.epoch();
    r.reclaim();
    r.reclaim();
    CHECK(r.epoch() == e);
    r.retire(std::make_unique<Tracked>(alive));
    r.retire(std::make_unique<Tracked>(alive));
    r.reclaim();
    CHECK(r.epoch() == e + 1);
    CHECK(alive == 2);
  }
  CHECK(alive == 0);
}
