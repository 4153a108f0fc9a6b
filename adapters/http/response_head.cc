#include "adapters/http/response_head.h"

#include <boost/beast/http/status.hpp>
#include <charconv>
#include <string_view>

namespace sb::http::detail {

namespace {

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_token_char(c)) return false;
  }
  return true;
}

// RFC 9110 5.5: field values are visible characters, SP and HTAB (and
// obs-text, bytes 0x80 and up).
bool is_safe_value(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

bool is_framing(std::string_view name) {
  return iequals_ascii(name, "content-length") || iequals_ascii(name, "transfer-encoding") ||
         iequals_ascii(name, "connection");
}

void append_number(std::string& out, std::size_t n) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, n).ptr;
  out.append(buf, end);
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

bool write_response_head(const HttpResponse& r, const Framing& framing, std::string& out) {
  const int status = r.status >= 200 && r.status <= 599 ? r.status : 500;
  const auto& headers = r.headers;
  // Usable handler headers, the last of each name (a handful: quadratic is fine).
  auto kept = [&](std::size_t i) {
    const auto& [name, value] = headers[i];
    if (!is_token(name) || !is_safe_value(value) || is_framing(name)) return false;
    for (std::size_t j = i + 1; j < headers.size(); ++j) {
      if (iequals_ascii(headers[j].first, name) && is_safe_value(headers[j].second)) return false;
    }
    return true;
  };
  std::string_view server = "switchboard";
  std::string_view content_type = r.content_type;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (!kept(i)) continue;
    if (iequals_ascii(headers[i].first, "server")) server = headers[i].second;
    if (iequals_ascii(headers[i].first, "content-type")) content_type = headers[i].second;
  }
  out.clear();
  out.append("HTTP/1.1 ");
  append_number(out, static_cast<std::size_t>(status));
  out.push_back(' ');
  out.append(boost::beast::http::obsolete_reason(
      boost::beast::http::int_to_status(static_cast<unsigned>(status))));
  out.append("\r\n");
  append_field(out, "Server", server);
  if (is_safe_value(content_type)) append_field(out, "Content-Type", content_type);
  const bool has_body = status != 204 && status != 304;
  if (has_body) {
    out.append("Content-Length: ");
    append_number(out, r.body.size());
    out.append("\r\n");
  }
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const auto& [name, value] = headers[i];
    if (!kept(i) || iequals_ascii(name, "server") || iequals_ascii(name, "content-type")) continue;
    append_field(out, name, value);
  }
  if (framing.close) {
    out.append("Connection: close\r\n");
  } else if (framing.keep_alive) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
  return has_body && !framing.head;
}

}  // namespace sb::http::detail
