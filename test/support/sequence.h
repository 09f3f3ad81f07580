// What a receiver got of a numbered stream: each message carries "seq=N" (cf-sim's LogMessages
// with a sequence, numbered_message() in the drain tests), and a test asks whether each N came
// once and in order.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace nozzle::test {

struct SequenceOrder {
  std::size_t unique = 0;      // distinct N seen
  std::size_t duplicates = 0;  // messages whose N was seen before
  bool in_order = true;        // first arrivals in increasing order
};

// Messages without "seq=" are skipped.
SequenceOrder sequence_order(const std::vector<std::string>& messages);

}  // namespace nozzle::test
