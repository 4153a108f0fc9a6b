#include "proto/json_reader.h"

#include <algorithm>
#include <charconv>

namespace sb::proto::json {

namespace {
// Deeper documents are rejected: no platform payload nests this far. The
// On-Demand parser only checks depth for the values we descend into, not for
// those it skips, so the whole body is checked here.
constexpr std::size_t kMaxDepth = 64;

bool too_deep(std::string_view s) {
  // Fast path (vectorized count): with at most kMaxDepth openers in the whole
  // body it cannot nest deeper, whatever strings contain. Real payloads
  // stay well below, so the exact scan below is for hostile bodies.
  const auto openers = std::count(s.begin(), s.end(), '{') + std::count(s.begin(), s.end(), '[');
  if (openers <= static_cast<std::ptrdiff_t>(kMaxDepth)) return false;
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) return true;
    } else if (c == '}' || c == ']') {
      if (depth > 0) --depth;
    }
  }
  return false;
}
}  // namespace

od::parser& thread_parser() {
  thread_local od::parser parser = [] {
    od::parser p;
    // Grows with larger documents and keeps the depth. On failure (no memory)
    // iterate() allocates by itself, with simdjson's default depth.
    if (p.allocate(64 << 10, kMaxDepth) != simdjson::SUCCESS) return p;
    return p;
  }();
  return parser;
}

Status to_status(simdjson::error_code e, std::string_view what) {
  std::string m(what);
  m += ": ";
  m += simdjson::error_message(e);
  return Status::invalid(std::move(m));
}

Status begin(std::string_view body, simdjson::padded_string& storage, od::document& doc) {
  if (body.empty()) return Status::invalid("empty body");
  if (too_deep(body)) return Status::invalid("JSON nested too deeply");
  storage = simdjson::padded_string(body);
  // Stage 1 validates the UTF-8 of the whole document.
  auto err = thread_parser().iterate(storage).get(doc);
  if (err == simdjson::UTF8_ERROR) return Status::invalid("body is not valid UTF-8");
  if (err == simdjson::DEPTH_ERROR) return Status::invalid("JSON nested too deeply");
  if (err) return to_status(err, "malformed JSON");
  return Status::ok();
}

Status finish(od::document& doc) {
  // current_location() reports OUT_OF_BOUNDS exactly when nothing is left.
  auto loc = doc.current_location();
  if (loc.error() != simdjson::OUT_OF_BOUNDS) {
    return Status::invalid("malformed JSON: trailing content");
  }
  return Status::ok();
}

Status read_string(od::value v, std::string& out, std::string_view what) {
  std::string_view s;
  auto err = v.get_string().get(s);
  if (err) return to_status(err, what);
  out.assign(s);
  return Status::ok();
}

Status read_int64(od::value v, std::int64_t& out, std::string_view what) {
  auto err = v.get_int64().get(out);
  if (err) return to_status(err, what);
  return Status::ok();
}

Status read_uint64(od::value v, std::uint64_t& out, std::string_view what) {
  auto err = v.get_uint64().get(out);
  if (err) return to_status(err, what);
  return Status::ok();
}

Status read_id(od::value v, std::string& out, std::string_view what) {
  od::json_type t;
  auto err = v.type().get(t);
  if (err) return to_status(err, what);
  if (t == od::json_type::string) return read_string(v, out, what);
  if (t != od::json_type::number) return Status::invalid(std::string(what) + ": expected an id");
  std::int64_t n = 0;
  if (auto st = read_int64(v, n, what); !st.is_ok()) return st;
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.assign(buf, r.ptr);
  return Status::ok();
}

Status read_bool(od::value v, bool& out, std::string_view what) {
  auto err = v.get_bool().get(out);
  if (err) return to_status(err, what);
  return Status::ok();
}

Status read_double(od::value v, double& out, std::string_view what) {
  auto err = v.get_double().get(out);
  if (err) return to_status(err, what);
  return Status::ok();
}

}  // namespace sb::proto::json
