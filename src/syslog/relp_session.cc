#include "syslog/relp_session.h"

namespace nozzle::syslog {

namespace {

constexpr std::uint64_t kMaxTxnr = 999999999;  // then 1 again
constexpr std::size_t kMaxDigits = 9;

std::uint64_t next(std::uint64_t txnr) { return txnr >= kMaxTxnr ? 1 : txnr + 1; }

// Reads up to kMaxDigits digits at `at`; false when there are none or too many.
bool digits(std::string_view s, std::size_t& at, std::uint64_t& value) {
  const std::size_t start = at;
  value = 0;
  while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
    if (at - start == kMaxDigits) return false;
    value = value * 10 + static_cast<std::uint64_t>(s[at] - '0');
    ++at;
  }
  return at > start;
}

}  // namespace

std::string RelpSession::start() {
  next_txnr_ = 1;
  open_ = false;
  failed_ = false;
  in_flight_ = 0;
  close_txnr_ = 0;
  buffer_.clear();
  open_txnr_ = next_txnr_;
  std::string out;
  frame("open", "relp_version=0\nrelp_software=syslog-nozzle\ncommands=syslog", out);
  oldest_txnr_ = next_txnr_;
  return out;
}

void RelpSession::frame(std::string_view command, std::string_view data, std::string& out) {
  out += std::to_string(next_txnr_);
  out += ' ';
  out += command;
  out += ' ';
  out += std::to_string(data.size());
  if (!data.empty()) {
    out += ' ';
    out += data;
  }
  out += '\n';
  next_txnr_ = next(next_txnr_);
}

bool RelpSession::frame_syslog(std::string_view message, std::string& out) {
  if (window_full()) return false;
  if (!message.empty() && message.back() == '\n') message.remove_suffix(1);
  frame("syslog", message, out);
  ++in_flight_;
  return true;
}

std::string RelpSession::close_command() {
  std::string out;
  close_txnr_ = next_txnr_;
  frame("close", "", out);
  return out;
}

void RelpSession::feed(std::string_view bytes, Progress& progress) {
  if (failed_) return;
  buffer_.append(bytes);
  std::size_t at = 0;
  while (at < buffer_.size()) {
    const std::string_view s(buffer_);
    std::size_t p = at;
    std::uint64_t txnr = 0, len = 0;
    // TXNR SP COMMAND SP DATALEN [SP DATA] LF; wait for more bytes while a part is incomplete.
    const bool txnr_ok = digits(s, p, txnr);
    if (p == s.size()) break;
    if (!txnr_ok || s[p] != ' ') {
      progress.error = "RELP: malformed response (transaction number)";
      failed_ = true;
      return;
    }
    const std::size_t command_start = ++p;
    while (p < s.size() && p - command_start <= 32 && ((s[p] >= 'a' && s[p] <= 'z') || (s[p] >= 'A' && s[p] <= 'Z'))) ++p;
    if (p == s.size()) break;
    const std::string_view command = s.substr(command_start, p - command_start);
    if (command.empty() || s[p] != ' ') {
      progress.error = "RELP: malformed response (command)";
      failed_ = true;
      return;
    }
    ++p;
    const bool len_ok = digits(s, p, len);
    if (p == s.size()) break;
    if (!len_ok || len > kMaxResponseData) {
      progress.error = "RELP: malformed response (data length)";
      failed_ = true;
      return;
    }
    std::string_view data;
    if (len > 0) {
      if (s[p] != ' ') {
        progress.error = "RELP: malformed response (no space before data)";
        failed_ = true;
        return;
      }
      ++p;
      if (s.size() - p < len + 1) break;
      data = s.substr(p, len);
      p += len;
    }
    if (s[p] != '\n') {
      progress.error = "RELP: malformed response (no LF after the frame)";
      failed_ = true;
      return;
    }
    ++p;
    handle(txnr, command, data, progress);
    at = p;
    if (failed_) return;
  }
  buffer_.erase(0, at);
  if (buffer_.size() > kMaxResponseData + 64) {
    progress.error = "RELP: response too long";
    failed_ = true;
  }
}

void RelpSession::handle(std::uint64_t txnr, std::string_view command, std::string_view data, Progress& progress) {
  if (command == "serverclose") {
    progress.closed = true;
    return;
  }
  if (command != "rsp") {
    progress.error = "RELP: unexpected command '" + std::string(command) + "' from the server";
    failed_ = true;
    return;
  }
  if (close_txnr_ != 0 && txnr == close_txnr_) {
    progress.closed = true;
    return;
  }
  const bool ok = data.substr(0, 3) == "200";
  if (!open_) {
    if (txnr != open_txnr_) {
      progress.error = "RELP: answer " + std::to_string(txnr) + " before the open was answered";
      failed_ = true;
    } else if (!ok) {
      progress.error = "RELP: the server refused the session: " + std::string(data.substr(0, data.find('\n')));
      failed_ = true;
    } else {
      open_ = true;
      progress.opened = true;
    }
    return;
  }
  if (in_flight_ == 0 || txnr != oldest_txnr_) {
    progress.error = "RELP: answer " + std::to_string(txnr) + " out of order (expected " +
                     std::to_string(oldest_txnr_) + ")";
    failed_ = true;
    return;
  }
  if (!ok) {
    progress.error = "RELP: the server refused frame " + std::to_string(txnr) + ": " +
                     std::string(data.substr(0, data.find('\n')));
    failed_ = true;
    return;
  }
  oldest_txnr_ = next(oldest_txnr_);
  --in_flight_;
  ++progress.acked;
}

}  // namespace nozzle::syslog
