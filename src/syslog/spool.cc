#include "syslog/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

namespace nozzle::syslog {

namespace {

// A record longer than this is taken for damage (no frame is near it: max-message-bytes is
// at most 1 MiB).
constexpr std::uint32_t kMaxRecord = 16u << 20;
constexpr std::string_view kCursorFile = "cursor";
constexpr std::string_view kSuffix = ".seg";

std::uint32_t checksum(const char* data, std::size_t size) {
  return static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(data), static_cast<uInt>(size)));
}

void put_u32(std::string& out, std::uint32_t v) {
  const char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 24)};
  out.append(b, 4);
}

std::uint32_t get_u32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<std::uint32_t>(u[0]) | static_cast<std::uint32_t>(u[1]) << 8 |
         static_cast<std::uint32_t>(u[2]) << 16 | static_cast<std::uint32_t>(u[3]) << 24;
}

std::string errno_text(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

bool pread_all(int fd, char* buf, std::size_t size, std::uint64_t offset) {
  while (size > 0) {
    const ssize_t n = ::pread(fd, buf, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buf += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return true;
}

bool write_all(int fd, const char* buf, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, buf, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) {
      errno = EIO;
      return false;
    }
    buf += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// "00000000000000000042.seg" -> 42; 0 when the name is not a segment's.
std::uint64_t segment_seq(std::string_view name) {
  if (name.size() != 20 + kSuffix.size() || name.substr(20) != kSuffix) return 0;
  std::uint64_t seq = 0;
  for (char c : name.substr(0, 20)) {
    if (c < '0' || c > '9') return 0;
    seq = seq * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return seq;
}

}  // namespace

Spool::Spool(SpoolOptions options) : options_(std::move(options)) {}

Spool::~Spool() {
  close_writer();
  if (read_fd_ >= 0) ::close(read_fd_);
}

std::string Spool::path_of(std::uint64_t seq) const {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu", static_cast<unsigned long long>(seq));
  return options_.dir + "/" + name + std::string(kSuffix);
}

Spool::ScanResult Spool::scan(int fd, std::uint64_t offset, std::uint64_t size) {
  ScanResult r;
  r.end = offset;
  char header[kRecordHeader];
  while (r.end < size) {
    if (size - r.end < kRecordHeader || !pread_all(fd, header, kRecordHeader, r.end)) {
      r.damaged = true;
      break;
    }
    const std::uint32_t len = get_u32(header);
    if (len == 0 || len > kMaxRecord || size - r.end - kRecordHeader < len) {
      r.damaged = true;
      break;
    }
    scratch_.resize(len);
    if (!pread_all(fd, scratch_.data(), len, r.end + kRecordHeader) ||
        checksum(scratch_.data(), len) != get_u32(header + 4)) {
      r.damaged = true;
      break;
    }
    r.end += kRecordHeader + len;
    ++r.records;
  }
  return r;
}

std::string Spool::open(SpoolLoss& loss) {
  std::error_code ec;
  std::filesystem::create_directories(options_.dir, ec);
  if (ec) return "cannot create spool folder " + options_.dir + ": " + ec.message();
  if (::access(options_.dir.c_str(), R_OK | W_OK | X_OK) != 0) {
    return errno_text("cannot write to spool folder", options_.dir);
  }
  DIR* dir = ::opendir(options_.dir.c_str());
  if (!dir) return errno_text("cannot read spool folder", options_.dir);
  std::vector<std::uint64_t> seqs;
  while (const dirent* e = ::readdir(dir)) {
    if (const std::uint64_t seq = segment_seq(e->d_name)) seqs.push_back(seq);
  }
  ::closedir(dir);
  std::sort(seqs.begin(), seqs.end());

  // Where the previous run stopped reading: "SEQ OFFSET".
  std::uint64_t cursor_seq = 0, cursor_offset = 0;
  if (FILE* f = std::fopen((options_.dir + "/" + std::string(kCursorFile)).c_str(), "r")) {
    unsigned long long s = 0, o = 0;
    if (std::fscanf(f, "%llu %llu", &s, &o) == 2) {
      cursor_seq = s;
      cursor_offset = o;
    }
    std::fclose(f);
  }

  next_seq_ = std::max<std::uint64_t>(next_seq_, cursor_seq);
  for (const std::uint64_t seq : seqs) {
    next_seq_ = std::max(next_seq_, seq + 1);
    const std::string path = path_of(seq);
    if (seq < cursor_seq) {  // read to the end and committed before the previous run stopped
      ::unlink(path.c_str());
      continue;
    }
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return errno_text("cannot open spool segment", path);
    struct stat st {};
    ::fstat(fd, &st);
    const auto size = static_cast<std::uint64_t>(st.st_size);
    char magic[kMagic.size()];
    if (size < kMagic.size() || !pread_all(fd, magic, kMagic.size(), 0) ||
        std::string_view(magic, kMagic.size()) != kMagic) {
      // Not a segment of ours, or torn before its first record: nothing in it can be read.
      ::close(fd);
      if (size > 0) loss.corrupt_frames += 1;
      ::unlink(path.c_str());
      continue;
    }
    ScanResult all = scan(fd, kMagic.size(), size);
    if (all.damaged) {
      // A torn tail (a crash mid-write) or damage: keep what is intact, cut off the rest.
      loss.corrupt_frames += 1;
      if (::ftruncate(fd, static_cast<off_t>(all.end)) != 0) {
        ::close(fd);
        return errno_text("cannot cut the damaged tail of spool segment", path);
      }
    }
    Segment seg;
    seg.seq = seq;
    seg.size = all.end;
    seg.records = all.records;
    if (seq == cursor_seq && cursor_offset > kMagic.size() && cursor_offset <= all.end) {
      // The records before the saved read position were delivered. A position that is not a
      // record boundary is ignored: sending again beats losing.
      const ScanResult before = scan(fd, kMagic.size(), cursor_offset);
      if (!before.damaged && before.end == cursor_offset) {
        seg.read = before.records;
        seg.read_offset = cursor_offset;
      }
    }
    ::close(fd);
    if (seg.records == seg.read) {  // nothing left to send in it
      ::unlink(path.c_str());
      continue;
    }
    unread_frames_ += seg.records - seg.read;
    bytes_ += seg.size;
    if (segments_.empty()) {
      front_committed_read_ = seg.read;
      front_committed_offset_ = seg.read_offset;
    }
    segments_.push_back(seg);
  }
  return "";
}

std::string Spool::start_segment() {
  Segment seg;
  seg.seq = next_seq_++;
  seg.size = kMagic.size();
  const std::string path = path_of(seg.seq);
  write_fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (write_fd_ < 0) return errno_text("cannot create spool segment", path);
  if (!write_all(write_fd_, kMagic.data(), kMagic.size())) {
    std::string error = errno_text("cannot write spool segment", path);
    ::close(write_fd_);
    write_fd_ = -1;
    ::unlink(path.c_str());
    return error;
  }
  segments_.push_back(seg);
  bytes_ += seg.size;
  return "";
}

void Spool::close_writer() {
  if (write_fd_ < 0) return;
  if (options_.fsync != SpoolFsync::Never) ::fdatasync(write_fd_);
  ::close(write_fd_);
  write_fd_ = -1;
}

std::string Spool::append(const FrameBatch& batch, SpoolLoss& loss) {
  std::size_t offset = 0;
  std::size_t i = 0;
  const std::size_t n = batch.frames();
  while (i < n) {
    if (write_fd_ < 0 || segments_.back().size >= options_.segment_bytes) {
      close_writer();
      if (std::string error = start_segment(); !error.empty()) {
        loss.io_frames += n - i;
        return error;
      }
    }
    Segment& seg = segments_.back();
    // The records of as many frames as fit in this segment, written at once.
    scratch_.clear();
    const std::size_t first = i;
    std::uint64_t size = seg.size;
    do {
      const std::uint32_t len = batch.lengths[i];
      put_u32(scratch_, len);
      put_u32(scratch_, checksum(batch.bytes.data() + offset, len));
      scratch_.append(batch.bytes.data() + offset, len);
      size += kRecordHeader + len;
      offset += len;
      ++i;
    } while (i < n && size < options_.segment_bytes);
    if (!write_all(write_fd_, scratch_.data(), scratch_.size())) {
      std::string error = errno_text("cannot write spool segment", path_of(seg.seq));
      // A partly written record would read as damage: cut the file back to its last record.
      if (::ftruncate(write_fd_, static_cast<off_t>(seg.size)) != 0) close_writer();
      loss.io_frames += n - first;
      return error;
    }
    seg.records += i - first;
    unread_frames_ += i - first;
    bytes_ += size - seg.size;
    seg.size = size;
    if (options_.fsync == SpoolFsync::Always) ::fdatasync(write_fd_);
    enforce_limit(loss);
  }
  // A spill of a whole memory queue grows the buffer to a segment's size: give that back, so
  // that an outage leaves no lasting step in RSS.
  if (scratch_.capacity() > kKeptScratchBytes) std::string().swap(scratch_);
  return "";
}

void Spool::enforce_limit(SpoolLoss& loss) {
  while (bytes_ > options_.max_bytes && segments_.size() > 1) {
    const Segment& oldest = segments_.front();
    const std::uint64_t unread = oldest.records - oldest.read;
    loss.full_frames += unread;
    unread_frames_ -= unread;
    remove_front();
  }
}

void Spool::remove_front() {
  const Segment& oldest = segments_.front();
  // What was read from it and not committed yet exists only in the reader's hands now.
  detached_ += oldest.read - front_committed_read_;
  if (read_fd_ >= 0 && read_fd_seq_ == oldest.seq) {
    ::close(read_fd_);
    read_fd_ = -1;
  }
  ::unlink(path_of(oldest.seq).c_str());
  bytes_ -= oldest.size;
  segments_.pop_front();
  if (read_index_ > 0) --read_index_;
  front_committed_read_ = 0;
  front_committed_offset_ = kMagic.size();
}

std::size_t Spool::read(FrameBatch& batch, std::size_t max_bytes, SpoolLoss& loss) {
  while (read_index_ < segments_.size()) {
    Segment& seg = segments_[read_index_];
    if (seg.read == seg.records) {
      if (read_index_ + 1 == segments_.size()) return 0;  // the writer's segment, read so far
      ++read_index_;
      continue;
    }
    if (read_fd_ < 0 || read_fd_seq_ != seg.seq) {
      if (read_fd_ >= 0) ::close(read_fd_);
      read_fd_ = ::open(path_of(seg.seq).c_str(), O_RDONLY | O_CLOEXEC);
      read_fd_seq_ = seg.seq;
    }
    std::size_t taken = 0;
    char header[kRecordHeader];
    bool damaged = read_fd_ < 0;
    while (!damaged && seg.read < seg.records && (taken == 0 || batch.bytes.size() < max_bytes)) {
      if (!pread_all(read_fd_, header, kRecordHeader, seg.read_offset)) {
        damaged = true;
        break;
      }
      const std::uint32_t len = get_u32(header);
      const std::size_t at = batch.bytes.size();
      if (len == 0 || len > kMaxRecord) {
        damaged = true;
        break;
      }
      batch.bytes.resize(at + len);
      if (!pread_all(read_fd_, batch.bytes.data() + at, len, seg.read_offset + kRecordHeader) ||
          checksum(batch.bytes.data() + at, len) != get_u32(header + 4)) {
        batch.bytes.resize(at);
        damaged = true;
        break;
      }
      batch.lengths.push_back(len);
      seg.read_offset += kRecordHeader + len;
      ++seg.read;
      --unread_frames_;
      ++taken;
    }
    if (damaged) {
      // Damaged since it was written or scanned: the rest of this segment cannot be trusted.
      const std::uint64_t rest = seg.records - seg.read;
      loss.corrupt_frames += rest;
      unread_frames_ -= rest;
      seg.read = seg.records;
      seg.read_offset = seg.size;
      if (read_index_ + 1 == segments_.size()) close_writer();  // no more appends after damage
    }
    if (taken > 0) return taken;
  }
  return 0;
}

void Spool::commit() {
  // Segments before the one being read were read to the end; so may be the one being read.
  while (read_index_ > 0) remove_front();
  if (!segments_.empty() && segments_.front().read == segments_.front().records) {
    if (segments_.size() == 1) close_writer();  // the spool is empty: the next append starts anew
    remove_front();
  }
  detached_ = 0;
  if (segments_.empty()) {
    save_cursor(next_seq_, 0);
  } else {
    front_committed_read_ = segments_.front().read;
    front_committed_offset_ = segments_.front().read_offset;
    save_cursor(segments_.front().seq, segments_.front().read_offset);
  }
}

void Spool::rewind() {
  detached_ = 0;
  for (std::size_t i = 0; i < segments_.size() && i <= read_index_; ++i) {
    Segment& seg = segments_[i];
    const std::uint64_t read = i == 0 ? front_committed_read_ : 0;
    unread_frames_ += seg.read - read;
    seg.read = read;
    seg.read_offset = i == 0 ? front_committed_offset_ : kMagic.size();
  }
  read_index_ = 0;
}

void Spool::commit_first(std::size_t frames) {
  rewind();
  FrameBatch skipped;
  SpoolLoss ignored;  // these records were read whole a moment ago
  for (std::size_t i = 0; i < frames && read(skipped, 0, ignored) > 0; ++i) skipped.clear();
  commit();
}

void Spool::save_cursor(std::uint64_t seq, std::uint64_t offset) {
  // Written in place: a torn write is caught at the next start, which then sends again.
  char text[48];
  const int n = std::snprintf(text, sizeof text, "%020llu %020llu\n", static_cast<unsigned long long>(seq),
                              static_cast<unsigned long long>(offset));
  const std::string path = options_.dir + "/" + std::string(kCursorFile);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  if (::pwrite(fd, text, static_cast<std::size_t>(n), 0) != n) {
    // Not fatal: the next start sends the committed records again.
  }
  ::close(fd);
}

void Spool::sync() {
  if (write_fd_ >= 0) ::fdatasync(write_fd_);
}

}  // namespace nozzle::syslog
