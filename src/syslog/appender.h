// Appends to a std::string through a raw pointer. Private to src/syslog/.
//
// std::string::push_back and append are out-of-line calls; at ~40 of them per message they
// measured at a fifth of the formatting time. An Appender grows the string in chunks (resize()
// zero-fills, so chunks stay small), writes through a pointer, and commit() trims the string to
// what was written. Between construction and commit() nobody else may touch the string.
//
// The JSON body's RapidJSON writer writes into it too (json_writer.h): no StringBuffer, no copy.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace nozzle::syslog {

// Copies n bytes to q (room reserved) and returns the end. Most runs are short (keys, ids):
// fixed-size copies inline where a memcpy call would not.
[[gnu::always_inline]] inline char* copy_run(char* q, const char* data, std::size_t n) {
  if (n >= 8 && n <= 16) {
    std::memcpy(q, data, 8);
    std::memcpy(q + n - 8, data + n - 8, 8);
  } else if (n >= 4 && n < 8) {
    std::memcpy(q, data, 4);
    std::memcpy(q + n - 4, data + n - 4, 4);
  } else {
    std::memcpy(q, data, n);
  }
  return q + n;
}

class Appender {
 public:
  using Ch = char;

  explicit Appender(std::string& s) : s_(&s), p_(s.data() + s.size()), end_(p_) {}
  Appender(const Appender&) = delete;
  Appender& operator=(const Appender&) = delete;

  // Makes room for n more bytes; up to n bytes may then be written at cursor().
  [[gnu::always_inline]] void reserve(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n) [[unlikely]] grow(n);
  }
  [[nodiscard]] char* cursor() const { return p_; }
  void set_cursor(char* p) { p_ = p; }

  [[gnu::always_inline]] void Put(char c) {
    if (p_ == end_) [[unlikely]] grow(1);
    *p_++ = c;
  }
  void Flush() {}
  [[gnu::always_inline]] void put_unsafe(char c) { *p_++ = c; }

  [[gnu::always_inline]] void write(const char* data, std::size_t n) {
    reserve(n);
    p_ = copy_run(p_, data, n);
  }
  void write(std::string_view v) { write(v.data(), v.size()); }

  // Bytes of the string in use, counting what was written and not yet committed.
  [[nodiscard]] std::size_t size() const { return static_cast<std::size_t>(p_ - s_->data()); }
  [[nodiscard]] const char* data() const { return s_->data(); }
  // Forgets what was written past `n` (n <= size()).
  void truncate(std::size_t n) { p_ = s_->data() + n; }
  void commit() {
    s_->resize(size());
    p_ = end_ = s_->data() + s_->size();
  }

 private:
  [[gnu::noinline]] void grow(std::size_t n) {
    constexpr std::size_t kChunk = 512;
    const std::size_t used = size();
    s_->resize(used + (n > kChunk ? n : kChunk));
    p_ = s_->data() + used;
    end_ = s_->data() + s_->size();
  }

  std::string* s_;
  char* p_;
  char* end_;
};

// Copies v to p (room must be reserved) and returns the end.
[[gnu::always_inline]] inline char* put(char* p, std::string_view v) {
  std::memcpy(p, v.data(), v.size());
  return p + v.size();
}

}  // namespace nozzle::syslog
