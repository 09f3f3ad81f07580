// Go's strconv.FormatFloat(v, 'g', -1, 64), which CF's drains use for gauge values.
//
// Go takes the shortest digits that read back as v (std::to_chars gives the same digits), then
// for 'g' with the shortest precision uses %e when the decimal exponent is < -4 or >= 6
// (strconv/ftoa.go: "if precision was the shortest possible, use precision 6 for this
// decision"), else %f with exactly those digits. %e writes at least two exponent digits.
#include <charconv>
#include <cmath>
#include <string>

#include "syslog/rfc5424.h"

namespace nozzle::syslog {

void append_go_float(double v, std::string& out) {
  if (std::isnan(v)) {
    out.append("NaN");
    return;
  }
  if (std::isinf(v)) {
    out.append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  if (v == 0) {
    out.append(std::signbit(v) ? "-0" : "0");
    return;
  }
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

  if (negative) out.push_back('-');
  if (exp < -4 || exp >= 6) {
    out.push_back(digits[0]);
    if (nd > 1) {
      out.push_back('.');
      out.append(digits + 1, static_cast<std::size_t>(nd - 1));
    }
    out.push_back('e');
    out.push_back(exp < 0 ? '-' : '+');
    const int e = exp < 0 ? -exp : exp;
    if (e < 10) out.push_back('0');
    char buf[8];
    const auto er = std::to_chars(buf, buf + sizeof buf, e);
    out.append(buf, er.ptr);
    return;
  }
  const int dp = exp + 1;  // digits before the decimal point
  if (dp <= 0) {
    out.append("0.");
    out.append(static_cast<std::size_t>(-dp), '0');
    out.append(digits, static_cast<std::size_t>(nd));
  } else if (nd <= dp) {
    out.append(digits, static_cast<std::size_t>(nd));
    out.append(static_cast<std::size_t>(dp - nd), '0');
  } else {
    out.append(digits, static_cast<std::size_t>(dp));
    out.push_back('.');
    out.append(digits + dp, static_cast<std::size_t>(nd - dp));
  }
}

}  // namespace nozzle::syslog
