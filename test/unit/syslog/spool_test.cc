#include "syslog/spool.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace nozzle::syslog;
namespace fs = std::filesystem;

namespace {

struct SpoolDir {
  SpoolDir() {
    char tmpl[] = "/tmp/nozzle-spool-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~SpoolDir() { fs::remove_all(path); }
  std::string path;
};

FrameBatch frames(int first, int count, std::size_t pad = 0) {
  FrameBatch b;
  for (int i = first; i < first + count; ++i) {
    const std::string f = "frame-" + std::to_string(i) + std::string(pad, 'x') + "\n";
    b.bytes += f;
    b.lengths.push_back(static_cast<std::uint32_t>(f.size()));
  }
  return b;
}

// Every frame left, read and committed batch by batch, as the numbers in their text.
std::vector<int> drain_all(Spool& spool, SpoolLoss& loss, std::size_t batch_bytes = 64) {
  std::vector<int> out;
  FrameBatch b;
  while (spool.read(b, batch_bytes, loss) > 0) {
    std::size_t at = 0;
    for (std::uint32_t len : b.lengths) {
      out.push_back(std::atoi(b.bytes.c_str() + at + 6));
      at += len;
    }
    b.clear();
    spool.commit();
  }
  return out;
}

std::vector<int> range(int first, int count) {
  std::vector<int> v;
  for (int i = first; i < first + count; ++i) v.push_back(i);
  return v;
}

std::vector<fs::path> segment_files(const std::string& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".seg") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

SpoolOptions small(const std::string& dir) {
  SpoolOptions o;
  o.dir = dir;
  o.segment_bytes = 200;
  o.max_bytes = 1 << 20;
  return o;
}

}  // namespace

TEST_CASE("spool: frames come back in order across segments, and read segments are deleted") {
  SpoolDir dir;
  Spool spool(small(dir.path + "/a"));
  SpoolLoss loss;
  REQUIRE(spool.open(loss) == "");
  REQUIRE(spool.append(frames(0, 30), loss) == "");
  REQUIRE(spool.append(frames(30, 20), loss) == "");
  CHECK(spool.frames() == 50);
  CHECK(spool.segments() > 3);
  CHECK(drain_all(spool, loss) == range(0, 50));
  CHECK(spool.empty());
  CHECK(spool.segments() == 0);
  CHECK(segment_files(dir.path + "/a").empty());
  CHECK(loss.corrupt_frames == 0);
  CHECK(loss.full_frames == 0);
  // It keeps working after it was emptied.
  REQUIRE(spool.append(frames(50, 3), loss) == "");
  CHECK(drain_all(spool, loss) == range(50, 3));
}

TEST_CASE("spool: a restart replays what was not committed, and nothing that was") {
  SpoolDir dir;
  {
    Spool spool(small(dir.path));
    SpoolLoss loss;
    REQUIRE(spool.open(loss) == "");
    REQUIRE(spool.append(frames(0, 40), loss) == "");
    FrameBatch b;
    CHECK(spool.read(b, 30, loss) > 0);  // read and committed: delivered
    const std::size_t first = b.frames();
    spool.commit();
    b.clear();
    CHECK(spool.read(b, 30, loss) > 0);  // read, never committed: in flight at the crash
    CHECK(spool.frames() == 40 - first - b.frames());
    // No clean close: the next Spool opens the files as they are.
    Spool again(small(dir.path));
    SpoolLoss loss2;
    REQUIRE(again.open(loss2) == "");
    CHECK(again.frames() == 40 - first);
    CHECK(drain_all(again, loss2) == range(static_cast<int>(first), static_cast<int>(40 - first)));
    CHECK(loss2.corrupt_frames == 0);
  }
}

TEST_CASE("spool: rewind hands out again what was read since the last commit") {
  SpoolDir dir;
  Spool spool(small(dir.path));
  SpoolLoss loss;
  REQUIRE(spool.open(loss) == "");
  REQUIRE(spool.append(frames(0, 20), loss) == "");
  FrameBatch b;
  spool.read(b, 40, loss);
  spool.commit();
  const int committed = static_cast<int>(b.frames());
  b.clear();
  spool.read(b, 500, loss);
  b.clear();
  spool.read(b, 500, loss);
  spool.rewind();
  CHECK(spool.frames() == static_cast<std::uint64_t>(20 - committed));
  CHECK(drain_all(spool, loss) == range(committed, 20 - committed));
}

TEST_CASE("spool: a torn tail is cut off and counted once, every intact record before it is kept") {
  SpoolDir dir;
  {
    Spool spool(small(dir.path));
    SpoolLoss loss;
    REQUIRE(spool.open(loss) == "");
    REQUIRE(spool.append(frames(0, 12), loss) == "");
  }
  auto segs = segment_files(dir.path);
  REQUIRE(!segs.empty());
  {
    // Half a record at the end of the last segment, as a crash in the middle of a write leaves.
    std::ofstream f(segs.back(), std::ios::app | std::ios::binary);
    f.write("\x20\x00\x00\x00\x01\x02\x03\x04half", 12);
  }
  Spool spool(small(dir.path));
  SpoolLoss loss;
  REQUIRE(spool.open(loss) == "");
  CHECK(loss.corrupt_frames == 1);
  CHECK(spool.frames() == 12);
  CHECK(drain_all(spool, loss) == range(0, 12));
}

TEST_CASE("spool: a damaged record skips the rest of its segment, counted, and the next segments are read") {
  SpoolDir dir;
  SpoolOptions o = small(dir.path);
  Spool spool(o);
  SpoolLoss loss;
  REQUIRE(spool.open(loss) == "");
  REQUIRE(spool.append(frames(0, 30), loss) == "");
  auto segs = segment_files(dir.path);
  REQUIRE(segs.size() >= 3);
  // Flip one byte of the first record's payload in the second segment.
  std::uint64_t in_first = 0;
  {
    std::ifstream f(segs[0], std::ios::binary);
    std::string s((std::istreambuf_iterator<char>(f)), {});
    std::size_t at = Spool::kMagic.size();
    while (at < s.size()) {
      at += Spool::kRecordHeader + static_cast<unsigned char>(s[at]);
      ++in_first;
    }
  }
  {
    std::fstream f(segs[1], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(Spool::kMagic.size() + Spool::kRecordHeader + 2));
    f.put('#');
  }
  std::vector<int> got = drain_all(spool, loss);
  REQUIRE(got.size() > in_first);
  CHECK(std::vector<int>(got.begin(), got.begin() + static_cast<long>(in_first)) == range(0, static_cast<int>(in_first)));
  CHECK(got.size() + loss.corrupt_frames == 30);
  CHECK(loss.corrupt_frames > 0);
  CHECK(got.back() == 29);
}

TEST_CASE("spool: over its byte bound the oldest segment goes, its frames counted exactly") {
  SpoolDir dir;
  SpoolOptions o = small(dir.path);
  o.max_bytes = 1000;
  Spool spool(o);
  SpoolLoss loss;
  REQUIRE(spool.open(loss) == "");
  for (int i = 0; i < 100; i += 10) REQUIRE(spool.append(frames(i, 10), loss) == "");
  CHECK(spool.bytes() <= o.max_bytes);
  CHECK(loss.full_frames > 0);
  CHECK(spool.frames() + loss.full_frames == 100);
  const std::vector<int> got = drain_all(spool, loss);
  // What is left is the newest frames, in order, with nothing missing in between.
  CHECK(got == range(static_cast<int>(loss.full_frames), static_cast<int>(100 - loss.full_frames)));
}

TEST_CASE("spool: a folder that cannot be created is an error, not a crash") {
  SpoolDir dir;
  const std::string file = dir.path + "/not-a-folder";
  std::ofstream(file) << "x";
  Spool spool(small(file + "/spool"));
  SpoolLoss loss;
  const std::string error = spool.open(loss);
  CHECK(error.find("cannot create spool folder") != std::string::npos);
}

TEST_CASE("spool: a write that fails counts the frames it could not keep") {
  if (::access("/dev/full", W_OK) != 0) return;
  SpoolDir dir;
  SpoolOptions o = small(dir.path);
  o.segment_bytes = 50;  // the three frames below fill the first segment
  Spool spool(o);
  SpoolLoss loss;
  REQUIRE(spool.open(loss) == "");
  REQUIRE(spool.append(frames(0, 3), loss) == "");
  // Make the next segment /dev/full: every write to it fails with ENOSPC.
  auto segs = segment_files(dir.path);
  REQUIRE(segs.size() == 1);
  const std::string seq = segs[0].stem().string();
  const fs::path next = fs::path(dir.path) / (std::string(19, '0') + "2.seg");
  REQUIRE(seq == std::string(19, '0') + "1");
  fs::create_symlink("/dev/full", next);
  const std::string error = spool.append(frames(13, 5), loss);
  CHECK(error.find("No space left on device") != std::string::npos);
  CHECK(loss.io_frames == 5);
  fs::remove(next);
  CHECK(drain_all(spool, loss) == range(0, 3));
}

TEST_CASE("spool: commit_first consumes what was delivered of a read, and the rest is read again, across a restart") {
  SpoolDir dir;
  {
    Spool spool(small(dir.path));
    SpoolLoss loss;
    REQUIRE(spool.open(loss) == "");
    REQUIRE(spool.append(frames(0, 30), loss) == "");
    FrameBatch b;
    while (b.frames() < 20 && spool.read(b, 1000, loss) > 0) {
    }
    REQUIRE(b.frames() >= 20);
    spool.commit_first(7);  // frames 0..6 acknowledged, the rest of the batch not
    CHECK(spool.frames() == 23);
  }
  Spool again(small(dir.path));
  SpoolLoss loss;
  REQUIRE(again.open(loss) == "");
  CHECK(drain_all(again, loss) == range(7, 23));
}

TEST_CASE("spool: the bound removing a segment that a read batch came from detaches those records, and rewind cannot bring them back") {
  SpoolDir dir;
  SpoolOptions o = small(dir.path);
  o.max_bytes = 1000;
  Spool spool(o);
  SpoolLoss loss;
  REQUIRE(spool.open(loss) == "");
  REQUIRE(spool.append(frames(0, 10), loss) == "");
  FrameBatch b;
  const std::size_t read = spool.read(b, 50, loss);  // in flight, from the oldest segment
  REQUIRE(read > 0);
  CHECK(spool.detached() == 0);
  for (int i = 10; i < 100; i += 10) REQUIRE(spool.append(frames(i, 10), loss) == "");
  CHECK(spool.detached() == read);  // its segment went to keep the bound
  const std::uint64_t unread = spool.frames();
  spool.rewind();
  CHECK(spool.detached() == 0);
  CHECK(spool.frames() == unread);  // nothing of the detached batch came back
  CHECK(read + loss.full_frames + spool.frames() == 100);
}
