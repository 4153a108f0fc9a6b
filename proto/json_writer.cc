#include "proto/json_writer.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace sb::proto {

namespace {

// Whether any of the 8 bytes in `v` must be escaped: below 0x20, '"' or '\\'.
// The classic "has a byte less than n" test, exact as to whether one exists.
inline bool word_needs_escape(std::uint64_t v) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
  const std::uint64_t control = (v - kOnes * 0x20) & ~v & kHighs;
  const std::uint64_t q = v ^ (kOnes * '"');
  const std::uint64_t b = v ^ (kOnes * '\\');
  return (control | ((q - kOnes) & ~q & kHighs) | ((b - kOnes) & ~b & kHighs)) != 0;
}

}  // namespace

// Message texts are most of the bytes encoded per event, and they rarely need
// escaping: whole 8-byte words are checked at once and copied in runs.
void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  const char* p = s.data();
  const std::size_t n = s.size();
  std::size_t run_start = 0;
  std::size_t i = 0;
  while (i < n) {
    while (i + 8 <= n) {
      std::uint64_t v;
      std::memcpy(&v, p + i, 8);
      if (word_needs_escape(v)) break;
      i += 8;
    }
    const std::size_t end = std::min(i + 8, n);
    for (; i < end; ++i) {
      const auto c = static_cast<unsigned char>(p[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out.append(p + run_start, i - run_start);
      run_start = i + 1;
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
      }
    }
  }
  out.append(p + run_start, n - run_start);
  out.push_back('"');
}

void JsonWriter::separator() {
  if (need_comma_) out_.push_back(',');
  need_comma_ = true;
}

JsonWriter& JsonWriter::begin_object() {
  separator();
  out_.push_back('{');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_.push_back('}');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  separator();
  out_.push_back('[');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_.push_back(']');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  separator();
  append_json_string(out_, k);
  out_.push_back(':');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view v) {
  separator();
  append_json_string(out_, v);
  return *this;
}

JsonWriter& JsonWriter::value(std::int64_t v) {
  separator();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
  return *this;
}

JsonWriter& JsonWriter::value(std::uint64_t v) {
  separator();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
  return *this;
}

JsonWriter& JsonWriter::value(bool v) {
  separator();
  out_ += v ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  separator();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  separator();
  out_ += json;
  return *this;
}

}  // namespace sb::proto
