// HTML form bodies, as email services POST inbound mail to a webhook:
// application/x-www-form-urlencoded (WHATWG URL, "application/x-www-form-
// urlencoded parsing") and multipart/form-data (RFC 7578, framing of RFC
// 2046 section 5.1.1). Pure functions over untrusted input: every malformed
// body is a Status, never an assert. Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "proto/status.h"

namespace sb::adapters {

struct FormField {
  std::string name;
  std::string value;         // decoded text; "" for a file part (its bytes are not kept)
  std::string filename;      // multipart parts that carry a file; else ""
  std::string content_type;  // multipart parts that name one; else ""
  std::size_t size = 0;      // a file part's size in bytes
  bool is_file() const { return !filename.empty(); }
};

struct FormData {
  std::vector<FormField> fields;  // in body order; names may repeat
  // The first field called `name` that is not a file; nullptr if none.
  const FormField* find(std::string_view name) const;
  // Its value, or "" when absent.
  std::string_view get(std::string_view name) const;
};

// At most this many fields (parts) per body: more is a malformed body.
inline constexpr std::size_t kMaxFormFields = 2000;

// Parses `body` by its Content-Type header: urlencoded, or multipart with
// the header's boundary parameter. Any other type is kInvalidArgument.
Result<FormData> parse_form(std::string_view content_type, std::string_view body);

// The value of parameter `name` (case-insensitive) of a header such as
// `multipart/form-data; boundary="x"` or `form-data; name="a"`: unquoted,
// backslash escapes resolved. Empty when absent.
std::string header_parameter(std::string_view header, std::string_view name);

}  // namespace sb::adapters
