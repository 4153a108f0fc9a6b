// JsonWriter appends JSON text to a caller-owned string without building a DOM.
// It escapes strings per RFC 8259; callers pass UTF-8 that was validated at the
// edge (see proto/json_reader.h). Not thread-safe; one writer per string.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sb::proto {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view v);
  JsonWriter& value(const char* v) { return value(std::string_view(v)); }
  JsonWriter& value(std::int64_t v);
  JsonWriter& value(std::uint64_t v);
  JsonWriter& value(int v) { return value(static_cast<std::int64_t>(v)); }
  JsonWriter& value(bool v);
  JsonWriter& null();
  // Appends already-encoded JSON as one value (for embedding stored records).
  JsonWriter& raw(std::string_view json);

  // Convenience: key + value.
  template <class T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

 private:
  void separator();
  std::string& out_;
  bool need_comma_ = false;
};

// Appends `s` as a quoted, escaped JSON string.
void append_json_string(std::string& out, std::string_view s);

}  // namespace sb::proto
