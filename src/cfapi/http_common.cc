// What both HttpClient implementations (libcurl, and Beast for the static release) share.
#include "cfapi/http_client.h"

namespace nozzle::cfapi {

std::string HttpResponse::describe() const {
  if (!error.empty()) return error;
  return "HTTP " + std::to_string(status);
}

std::string form_escape(std::string_view value) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (unsigned char ch : value) {
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
        ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else {
      out.push_back('%');
      out.push_back(kHex[ch >> 4]);
      out.push_back(kHex[ch & 15]);
    }
  }
  return out;
}

}  // namespace nozzle::cfapi
