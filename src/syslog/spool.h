// A drain's disk spool: the overflow of its memory queue, in append-only segment files in a
// folder of the drain's own (docs/ARCHITECTURE.md, "Delivery").
//
// A segment is a file `NNNNNNNNNNNNNNNNNNNN.seg` (its sequence number, zero-padded, so that
// names sort in order) that starts with the 8-byte magic "NZSPOOL1" and holds records:
//
//   u32 length (little-endian) | u32 CRC-32 of the frame (zlib's) | frame bytes (as framed for the wire)
//
// Records are only appended; a segment is closed once it reaches `segment_bytes`, and deleted
// once every record in it has been sent, or when the spool is over `max_bytes` (the oldest
// segment goes first; its frames are reported as dropped for spool_full). The read position in
// the oldest segment is kept in the file `cursor` (segment number and offset), written after
// each committed read, so a restart does not send again what was already sent.
//
// Reading is two-phase: read() hands out the next records without consuming them; commit()
// consumes them once they are delivered; rewind() hands them out again (after a failed write).
//
// Thread contract: one thread (the drain's io thread) calls everything. No locks; the gauges
// in SpoolStats are read by other threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "syslog/drain_config.h"
#include "syslog/frame_queue.h"

namespace nozzle::syslog {

// What a damaged segment or a failed disk operation cost. Filled by open(), append(), read().
struct SpoolLoss {
  std::uint64_t full_frames = 0;     // oldest segments removed to stay under max_bytes
  std::uint64_t corrupt_frames = 0;  // damaged records found (a torn tail counts as one)
  std::uint64_t io_frames = 0;       // frames that could not be written
};

class Spool {
 public:
  explicit Spool(SpoolOptions options);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Errors are returned as text, "" when there was none.

  // Creates the folder if needed and scans what an earlier run left: every intact record is
  // kept, a damaged tail is cut off and counted in `loss`. An error only when the folder cannot
  // be created, read or written.
  [[nodiscard]] std::string open(SpoolLoss& loss);

  // Appends every frame of `batch` (framed, with its lengths). On an I/O error (disk full, a
  // folder gone) the frames not written are counted in `loss.io_frames` and the error returned;
  // what was written before stays readable.
  [[nodiscard]] std::string append(const FrameBatch& batch, SpoolLoss& loss);

  // Copies the next unread records into `batch` (which must be empty), up to about
  // `max_bytes` (at least one record), and returns how many; 0 when nothing is left unread. They
  // stay on disk until commit(), so a restart before it sends them again (at least once). A
  // damaged record ends its segment: the rest of that segment is skipped and counted in
  // `loss.corrupt_frames`.
  std::size_t read(FrameBatch& batch, std::size_t max_bytes, SpoolLoss& loss);
  // Everything read so far was delivered: segments read to the end are deleted and the read
  // position is saved for the next start.
  void commit();
  // Everything read since the last commit will be read again (at shutdown, when a batch read
  // from the spool could not be delivered: it stays on disk for the next start).
  void rewind();
  // Of what was read since the last commit, the first `frames` were delivered: they are
  // consumed, and the rest will be read again (RELP: a batch acknowledged in part).
  void commit_first(std::size_t frames);
  // Records read since the last commit whose segments the byte bound removed since (the
  // oldest go first, so they are the first of what was read): rewind() cannot bring them back.
  [[nodiscard]] std::uint64_t detached() const { return detached_; }

  // Flushes the segment being written to the disk (fdatasync).
  void sync();

  [[nodiscard]] std::uint64_t frames() const { return unread_frames_; }  // not yet read
  [[nodiscard]] std::uint64_t bytes() const { return bytes_; }  // on disk, headers included
  [[nodiscard]] std::size_t segments() const { return segments_.size(); }
  [[nodiscard]] bool empty() const { return unread_frames_ == 0; }
  [[nodiscard]] const SpoolOptions& options() const { return options_; }

  static constexpr std::string_view kMagic = "NZSPOOL1";
  static constexpr std::size_t kRecordHeader = 8;
  // The write buffer's capacity kept between appends; a larger one is freed.
  static constexpr std::size_t kKeptScratchBytes = 1u << 20;

 private:
  struct Segment {
    std::uint64_t seq = 0;
    std::uint64_t size = 0;     // bytes in the file, magic included
    std::uint64_t records = 0;  // intact records in it
    std::uint64_t read = 0;     // of those, read (handed out)
    std::uint64_t read_offset = kMagic.size();  // where the next unread record starts
  };

  [[nodiscard]] std::string path_of(std::uint64_t seq) const;
  [[nodiscard]] std::string start_segment();
  void close_writer();
  void enforce_limit(SpoolLoss& loss);
  void remove_front();
  void save_cursor(std::uint64_t seq, std::uint64_t offset);
  // Reads the intact records of a segment file from `offset`: their count and where they end.
  struct ScanResult {
    std::uint64_t records = 0;
    std::uint64_t end = 0;  // offset after the last intact record
    bool damaged = false;   // something after `end` is not an intact record
  };
  ScanResult scan(int fd, std::uint64_t offset, std::uint64_t size);

  SpoolOptions options_;
  std::deque<Segment> segments_;  // oldest first; the last may be open for writing
  int write_fd_ = -1;             // segments_.back(), open for appending
  int read_fd_ = -1;              // the segment being read
  std::uint64_t read_fd_seq_ = 0;
  std::size_t read_index_ = 0;    // into segments_: the segment being read
  // The committed read position in segments_.front() (rewind() goes back to it).
  std::uint64_t front_committed_read_ = 0;
  std::uint64_t front_committed_offset_ = kMagic.size();
  std::uint64_t detached_ = 0;
  std::uint64_t unread_frames_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t next_seq_ = 1;
  std::string scratch_;
};

}  // namespace nozzle::syslog
