#include "cfapi/app_snapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/hash.h"

namespace nozzle::cfapi {
namespace {

void put_escaped(std::string& out, std::string_view s) {
  for (const char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
}

bool unescape(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\') {
      out += in[i];
      continue;
    }
    if (++i == in.size()) return false;
    switch (in[i]) {
      case '\\': out += '\\'; break;
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      default: return false;
    }
  }
  return true;
}

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

char forward_char(RoutingLabels::Forward f) {
  switch (f) {
    case RoutingLabels::Forward::Yes: return '1';
    case RoutingLabels::Forward::No: return '0';
    case RoutingLabels::Forward::Unset: break;
  }
  return '-';
}

RoutingLabels::Forward forward_of(char c) {
  if (c == '1') return RoutingLabels::Forward::Yes;
  if (c == '0') return RoutingLabels::Forward::No;
  return RoutingLabels::Forward::Unset;
}

// Version 1: guid, name, space guid and name, org guid and name, opt-out flags (7 fields).
// Version 2 adds the forward labels of app, space and org ("-10") and their drain labels.
bool parse_app_line(std::string_view line, CcApp& app, int version) {
  const int fields = version == 1 ? 7 : 11;
  std::string_view field[11];
  for (int i = 0; i < fields; ++i) {
    const auto tab = line.find('\t');
    if ((tab == std::string_view::npos) != (i == fields - 1)) return false;
    field[i] = line.substr(0, tab);
    line = i == fields - 1 ? std::string_view{} : line.substr(tab + 1);
  }
  const auto flags = field[6];
  if (flags.size() != 3 || flags.find_first_not_of("01") != std::string_view::npos) return false;
  app.app_opted_out = flags[0] == '1';
  app.space_opted_out = flags[1] == '1';
  app.org_opted_out = flags[2] == '1';
  if (version >= 2) {
    const auto forward = field[7];
    if (forward.size() != 3 || forward.find_first_not_of("-01") != std::string_view::npos) return false;
    app.app_labels.forward = forward_of(forward[0]);
    app.space_labels.forward = forward_of(forward[1]);
    app.org_labels.forward = forward_of(forward[2]);
    if (!unescape(field[8], app.app_labels.drain) || !unescape(field[9], app.space_labels.drain) ||
        !unescape(field[10], app.org_labels.drain)) {
      return false;
    }
  }
  return unescape(field[0], app.guid) && unescape(field[1], app.name) && unescape(field[2], app.space_guid) &&
         unescape(field[3], app.space_name) && unescape(field[4], app.org_guid) && unescape(field[5], app.org_name) &&
         !app.guid.empty();
}

}  // namespace

std::string format_snapshot(std::span<const CcApp> apps) {
  std::string out;
  out.reserve(64 + apps.size() * 160);
  out += kSnapshotMagic;
  out += ' ';
  out += std::to_string(kSnapshotVersion);
  out += '\n';
  const std::size_t body = out.size();
  for (const auto& a : apps) {
    for (const std::string* f : {&a.guid, &a.name, &a.space_guid, &a.space_name, &a.org_guid, &a.org_name}) {
      put_escaped(out, *f);
      out += '\t';
    }
    out += a.app_opted_out ? '1' : '0';
    out += a.space_opted_out ? '1' : '0';
    out += a.org_opted_out ? '1' : '0';
    out += '\t';
    for (const RoutingLabels* l : {&a.app_labels, &a.space_labels, &a.org_labels}) out += forward_char(l->forward);
    for (const RoutingLabels* l : {&a.app_labels, &a.space_labels, &a.org_labels}) {
      out += '\t';
      put_escaped(out, l->drain);
    }
    out += '\n';
  }
  const auto sum = fnv1a(std::string_view(out).substr(body));
  out += "end " + std::to_string(apps.size()) + " " + hex64(sum) + "\n";
  return out;
}

Result<std::vector<CcApp>> parse_snapshot(std::string_view text) {
  using R = Result<std::vector<CcApp>>;
  const auto header_end = text.find('\n');
  const auto header = text.substr(0, header_end);
  if (!header.starts_with(kSnapshotMagic) || header.size() <= kSnapshotMagic.size() ||
      header[kSnapshotMagic.size()] != ' ') {
    return R::failure("not an app cache snapshot (foreign file)");
  }
  const auto version_text = header.substr(kSnapshotMagic.size() + 1);
  const int version = version_text == "1" ? 1 : version_text == std::to_string(kSnapshotVersion) ? kSnapshotVersion : 0;
  if (version == 0) return R::failure("snapshot version " + std::string(version_text) + " is not supported");
  if (header_end == std::string_view::npos) return R::failure("truncated snapshot");
  std::string_view rest = text.substr(header_end + 1);
  std::uint64_t sum = kFnvOffset;
  std::vector<CcApp> apps;
  std::size_t line_no = 1;
  while (true) {
    const auto nl = rest.find('\n');
    if (nl == std::string_view::npos) return R::failure("truncated snapshot (no trailer)");
    const auto line = rest.substr(0, nl);
    ++line_no;
    if (line.starts_with("end ")) {
      std::string_view t = line.substr(4);
      const auto space = t.find(' ');
      std::size_t count = 0;
      const auto [p, ec] = std::from_chars(t.data(), t.data() + (space == std::string_view::npos ? t.size() : space), count);
      if (ec != std::errc() || space == std::string_view::npos) return R::failure("corrupt snapshot trailer");
      if (count != apps.size()) return R::failure("corrupt snapshot: the trailer counts " + std::to_string(count) +
                                                  " apps, the file holds " + std::to_string(apps.size()));
      if (t.substr(space + 1) != hex64(sum)) return R::failure("corrupt snapshot: checksum mismatch");
      if (nl + 1 != rest.size()) return R::failure("corrupt snapshot: bytes after the trailer");
      return apps;
    }
    CcApp app;
    if (!parse_app_line(line, app, version)) return R::failure("corrupt snapshot: line " + std::to_string(line_no));
    sum = fnv1a(rest.substr(0, nl + 1), sum);
    apps.push_back(std::move(app));
    rest.remove_prefix(nl + 1);
  }
}

Result<std::size_t> write_snapshot_file(const std::string& path, std::string_view content) {
  using R = Result<std::size_t>;
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return R::failure("cannot create " + tmp + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < content.size()) {
    const auto n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return R::failure("cannot write " + tmp + ": " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return R::failure("cannot sync " + tmp + ": " + why);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return R::failure("cannot rename " + tmp + " to " + path + ": " + why);
  }
  return done;
}

Result<LoadedSnapshot> load_snapshot_file(const std::string& path) {
  using R = Result<LoadedSnapshot>;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return LoadedSnapshot{.absent = true};
    return R::failure("cannot open " + path + ": " + std::strerror(errno));
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return R::failure("cannot read " + path);
  auto apps = parse_snapshot(buf.str());
  if (!apps) return R::failure(apps.error());
  return LoadedSnapshot{.absent = false, .apps = std::move(*apps)};
}

}  // namespace nozzle::cfapi
