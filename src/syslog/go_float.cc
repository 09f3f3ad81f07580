// Go's strconv.FormatFloat(v, 'g', -1, 64), which CF's drains use for gauge values.
//
// Go takes the shortest digits that read back as v (std::to_chars gives the same digits), then
// for 'g' with the shortest precision uses %e when the decimal exponent is < -4 or >= 6
// (strconv/ftoa.go: "if precision was the shortest possible, use precision 6 for this
// decision"), else %f with exactly those digits. %e writes at least two exponent digits.
#include <charconv>
#include <cmath>
#include <string>

#include "syslog/appender.h"
#include "syslog/rfc5424.h"
#include "syslog/text.h"

namespace nozzle::syslog {
namespace text {

char* put_go_float(double v, char* out) {
  if (std::isnan(v)) return put(out, "NaN");
  if (std::isinf(v)) return put(out, v > 0 ? "+Inf" : "-Inf");
  if (v == 0) return put(out, std::signbit(v) ? "-0" : "0");
  // Shortest scientific form: "[-]d[.ddd]e(+|-)XX[X]".
  char sci[40];
  const auto r = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
  const char* p = sci;
  const bool negative = *p == '-';
  if (negative) ++p;
  char digits[24];
  int nd = 0;
  for (; *p != 'e'; ++p) {
    if (*p != '.') digits[nd++] = *p;
  }
  ++p;  // 'e'
  int exp = 0;
  std::from_chars(*p == '+' ? p + 1 : p, r.ptr, exp);

  if (negative) *out++ = '-';
  if (exp < -4 || exp >= 6) {
    *out++ = digits[0];
    if (nd > 1) {
      *out++ = '.';
      out = put(out, std::string_view(digits + 1, static_cast<std::size_t>(nd - 1)));
    }
    *out++ = 'e';
    *out++ = exp < 0 ? '-' : '+';
    const int e = exp < 0 ? -exp : exp;
    if (e < 10) *out++ = '0';
    return std::to_chars(out, out + 4, e).ptr;
  }
  const int dp = exp + 1;  // digits before the decimal point
  if (dp <= 0) {
    out = put(out, "0.");
    for (int i = 0; i < -dp; ++i) *out++ = '0';
    return put(out, std::string_view(digits, static_cast<std::size_t>(nd)));
  }
  if (nd <= dp) {
    out = put(out, std::string_view(digits, static_cast<std::size_t>(nd)));
    for (int i = nd; i < dp; ++i) *out++ = '0';
    return out;
  }
  out = put(out, std::string_view(digits, static_cast<std::size_t>(dp)));
  *out++ = '.';
  return put(out, std::string_view(digits + dp, static_cast<std::size_t>(nd - dp)));
}

}  // namespace text

void append_go_float(double v, std::string& out) {
  char buf[text::kMaxGoFloat];
  out.append(buf, text::put_go_float(v, buf));
}

}  // namespace nozzle::syslog
