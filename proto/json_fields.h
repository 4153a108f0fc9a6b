// for_each_field: walks the members of a JSON object once, in document order,
// handing each (key, value) to a callback. Unknown keys are the callback's
// choice to skip. Internal to parsers; include after proto/json_reader.h.
#pragma once

#include <vector>

#include "proto/json_reader.h"

namespace sb::proto::json {

// Duplicate keys are rejected: parsers disagree on which one wins, and such
// ambiguity in signed platform payloads is a classic smuggling vector.
template <class F>
Status for_each_field(od::object obj, F&& on_field) {
  // Keys are views into the parser's string buffer, valid for the document.
  // Objects are small: a linear scan over a fixed array, spilling to the heap
  // only for unusually wide objects.
  constexpr std::size_t kInline = 32;
  std::string_view inline_keys[kInline];
  std::vector<std::string_view> spilled;
  std::size_t count = 0;
  for (auto member : obj) {
    od::field field;
    if (auto e = std::move(member).get(field)) return to_status(e, "malformed JSON object");
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return to_status(e, "malformed JSON key");
    for (std::size_t i = 0; i < count && i < kInline; ++i) {
      if (inline_keys[i] == key) return Status::invalid("duplicate key '" + std::string(key) + "'");
    }
    for (const auto& k : spilled) {
      if (k == key) return Status::invalid("duplicate key '" + std::string(key) + "'");
    }
    if (count < kInline) {
      inline_keys[count] = key;
    } else {
      spilled.push_back(key);
    }
    ++count;
    if (auto st = on_field(key, field.value()); !st.is_ok()) return st;
  }
  return Status::ok();
}

template <class F>
Status for_each_field(od::value v, std::string_view what, F&& on_field) {
  od::object obj;
  if (auto e = v.get_object().get(obj)) return to_status(e, what);
  return for_each_field(obj, std::forward<F>(on_field));
}

template <class F>
Status for_each_element(od::value v, std::string_view what, F&& on_element) {
  od::array arr;
  if (auto e = v.get_array().get(arr)) return to_status(e, what);
  for (auto element : arr) {
    od::value item;
    if (auto e = std::move(element).get(item)) return to_status(e, what);
    if (auto st = on_element(item); !st.is_ok()) return st;
  }
  return Status::ok();
}

// Parses a whole document whose root is an object into a T, field by field:
// on_field(T&, key, value) -> Status. Trailing content is an error.
template <class T, class F>
Result<T> decode_object(std::string_view body, std::string_view what, F&& on_field) {
  simdjson::padded_string storage;
  od::document doc;
  if (auto st = begin(body, storage, doc); !st.is_ok()) return st;
  od::object obj;
  if (auto e = doc.get_object().get(obj)) return to_status(e, what);
  T out{};
  auto st =
      for_each_field(obj, [&](std::string_view k, od::value v) { return on_field(out, k, v); });
  if (!st.is_ok()) return st;
  if (auto fin = finish(doc); !fin.is_ok()) return fin;
  return out;
}

}  // namespace sb::proto::json
