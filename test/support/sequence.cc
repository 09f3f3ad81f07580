#include "support/sequence.h"

#include <cstdlib>
#include <set>

namespace nozzle::test {

SequenceOrder sequence_order(const std::vector<std::string>& messages) {
  SequenceOrder r;
  std::set<long> seen;
  long last = -1;
  for (const std::string& m : messages) {
    const std::size_t at = m.find("seq=");
    if (at == std::string::npos) continue;
    const long s = std::atol(m.c_str() + at + 4);
    if (!seen.insert(s).second) {
      ++r.duplicates;
      continue;
    }
    r.in_order = r.in_order && s > last;
    last = s;
  }
  r.unique = seen.size();
  return r;
}

}  // namespace nozzle::test
