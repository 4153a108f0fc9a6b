#include "adapters/http/message.h"

#include <simdjson.h>

#include <cctype>

#include "proto/json_writer.h"

namespace sb::http {

std::string_view HttpRequest::header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return {};
}

bool HttpRequest::query_param(std::string_view name, std::string& out) const {
  std::string_view q = query;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto pair = q.substr(0, amp);
    auto eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq), true) == name) {
      out =
          eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true);
      return true;
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return false;
}

std::string percent_decode(std::string_view s, bool plus_is_space) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

HttpResponse json_error(int status, std::string_view code, std::string_view message) {
  HttpResponse r;
  r.status = status;
  proto::JsonWriter w(r.body);
  w.begin_object().key("error").begin_object();
  w.field("code", code).field("message", message).end_object().end_object();
  return r;
}

HttpResponse json_ok(std::string body, int status) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string bearer_credential(const HttpRequest& req, std::string_view query_fallback) {
  constexpr std::string_view kBearer = "Bearer ";
  const auto auth = req.header("authorization");
  if (auth.size() > kBearer.size() && auth.substr(0, kBearer.size()) == kBearer) {
    return std::string(auth.substr(kBearer.size()));
  }
  std::string credential;
  if (!query_fallback.empty()) (void)req.query_param(query_fallback, credential);
  return credential;
}

bool is_valid_utf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

}  // namespace sb::http
