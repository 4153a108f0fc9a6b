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

bool is_safe_value(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
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

bool body_allowed(int status) { return status >= 200 && status != 204 && status != 304; }

bool write_response_head(const HttpResponse& r, bool close, std::string& out) {
  // Statuses outside 100-999 cannot be written in three digits: a handler
  // bug, answered as the 500 it is rather than as a malformed status line.
  const int status = r.status >= 100 && r.status <= 999 ? r.status : 500;
  std::string_view server = "switchboard";
  std::string_view content_type = r.content_type;
  for (const auto& [name, value] : r.headers) {
    if (!is_safe_value(value)) continue;
    if (iequals_ascii(name, "server")) server = value;
    if (iequals_ascii(name, "content-type")) content_type = value;
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
  const bool with_body = body_allowed(status);
  if (with_body) {
    out.append("Content-Length: ");
    append_number(out, r.body.size());
    out.append("\r\n");
  }
  for (const auto& [name, value] : r.headers) {
    if (!is_token(name) || !is_safe_value(value)) continue;
    if (iequals_ascii(name, "server") || iequals_ascii(name, "content-type") ||
        iequals_ascii(name, "content-length") || iequals_ascii(name, "transfer-encoding") ||
        iequals_ascii(name, "connection")) {
      continue;
    }
    append_field(out, name, value);
  }
  if (close) out.append("Connection: close\r\n");
  out.append("\r\n");
  return with_body;
}

}  // namespace sb::http::detail
