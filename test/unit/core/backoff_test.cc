#include <doctest/doctest.h>

#include "core/backoff.h"

using namespace std::chrono_literals;
using nozzle::Backoff;

TEST_CASE("backoff doubles up to the cap, jittered within [base/2, base]") {
  double r = 0.999999;
  Backoff b(500ms, 4000ms, [&] { return r; });
  CHECK(b.next().count() == 499);   // base 500
  CHECK(b.next().count() == 999);   // base 1000
  CHECK(b.next().count() == 1999);  // base 2000
  CHECK(b.next().count() == 3999);  // base 4000 (cap)
  CHECK(b.next().count() == 3999);  // stays at the cap
  r = 0.0;
  CHECK(b.next().count() == 2000);  // lower edge: base/2
  b.reset();
  CHECK(b.next().count() == 250);
}
