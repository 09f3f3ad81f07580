#include "sink_stats.h"

#include <cerrno>
#include <charconv>
#include <cstring>

#include "core/log.h"

namespace sink {
namespace {

constexpr std::size_t kPrefixBytes = 80;  // of an offending message, in first_errors

void append_number(std::string& out, std::uint64_t n) {
  char digits[24];
  const auto r = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, r.ptr);
}

void append_field(std::string& out, std::string_view name, std::uint64_t n) {
  out += '"';
  out += name;
  out += "\":";
  append_number(out, n);
}

}  // namespace

std::string_view transport_name(Transport t) {
  switch (t) {
    case Transport::Tcp:
      return "tcp";
    case Transport::Tls:
      return "tls";
    case Transport::Udp:
      return "udp";
  }
  return "?";
}

void SinkStats::note_error(std::string reason) {
  if (first_errors.size() < kMaxErrors) first_errors.push_back(std::move(reason));
}

void SinkStats::note_invalid(Transport t, std::string_view peer, std::string_view reason,
                             std::size_t offset, std::string_view message) {
  if (first_errors.size() >= kMaxErrors) return;
  std::string text = "invalid (";
  text += transport_name(t);
  text += ' ';
  text += peer;
  text += "): ";
  text += reason;
  text += " at offset ";
  append_number(text, offset);
  text += ": ";
  // Kept raw here; to_json() escapes. A cut UTF-8 sequence is harmless after escaping.
  text += message.substr(0, kPrefixBytes);
  if (message.size() > kPrefixBytes) text += "...";
  first_errors.push_back(std::move(text));
}

std::string json_escape(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() + 8);
  for (unsigned char c : bytes) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string SinkStats::to_json() const {
  std::string out = "{";
  append_field(out, "frames", frames);
  out += ',';
  append_field(out, "bytes", bytes);
  out += ',';
  append_field(out, "valid", valid);
  out += ',';
  append_field(out, "invalid", invalid);
  out += ',';
  append_field(out, "framing_errors", framing_errors);
  out += ',';
  append_field(out, "connections", connections);
  out += ',';
  append_field(out, "tls_handshake_failures", tls_handshake_failures);
  out += ",\"by_transport\":{";
  for (Transport t : {Transport::Tcp, Transport::Tls, Transport::Udp}) {
    if (t != Transport::Tcp) out += ',';
    append_field(out, transport_name(t), by_transport[static_cast<std::size_t>(t)]);
  }
  out += "},\"first_errors\":[";
  for (std::size_t i = 0; i < first_errors.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    out += json_escape(first_errors[i]);
    out += '"';
  }
  out += ']';
  if (latency_on) {
    out += ",\"latency\":";
    out += latency.to_json();
  }
  out += '}';
  return out;
}

std::string write_file_atomically(const std::string& path, std::string_view content) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return tmp + ": " + std::strerror(errno);
  const bool written = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  const int saved = errno;
  if (std::fclose(f) != 0 || !written) {
    std::remove(tmp.c_str());
    return tmp + ": write failed: " + std::strerror(written ? errno : saved);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return path + ": rename failed: " + std::strerror(errno);
  }
  return {};
}

RawOut::~RawOut() {
  if (file_ != nullptr) {
    flush();
    std::fclose(file_);
  }
}

std::string RawOut::open(const std::string& path) {
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) return path + ": " + std::strerror(errno);
  // Our own buffer does the batching; stdio's would only copy the bytes once more.
  std::setvbuf(file_, nullptr, _IONBF, 0);
  buffer_.reserve(kFlushAt + 65536);
  return {};
}

void RawOut::write(std::string_view message) {
  append_number(buffer_, message.size());
  buffer_ += ' ';
  buffer_ += message;
  if (buffer_.size() >= kFlushAt) flush();
}

void RawOut::flush() {
  if (file_ == nullptr || buffer_.empty()) return;
  // A short write (disk full) loses raw-out bytes: said once on stderr, and a byte comparison
  // of raw-out will show it too.
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size() && !write_failed_) {
    write_failed_ = true;
    nozzle::log::error("raw-out write failed", {{"error", std::strerror(errno)}});
  }
  buffer_.clear();
}

}  // namespace sink
