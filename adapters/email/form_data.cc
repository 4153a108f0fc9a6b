#include "adapters/email/form_data.h"

#include "adapters/http/message.h"

namespace sb::adapters {

namespace {

constexpr std::size_t kMaxBoundary = 70;  // RFC 2046: 1..70 characters

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Status too_many() {
  return Status::invalid("form has more than " + std::to_string(kMaxFormFields) + " fields");
}

Result<FormData> parse_urlencoded(std::string_view body) {
  FormData form;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const auto pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    if (form.fields.size() == kMaxFormFields) return too_many();
    const auto eq = pair.find('=');
    FormField f;
    f.name = http::percent_decode(pair.substr(0, eq), true);
    if (eq != std::string_view::npos) f.value = http::percent_decode(pair.substr(eq + 1), true);
    form.fields.push_back(std::move(f));
  }
  return form;
}

// One part's header block: "Name: value" lines separated by CRLF (a line
// that starts with a space or tab continues the one before it).
Status read_part_headers(std::string_view block, FormField& f) {
  std::string disposition, type;
  std::string* last = nullptr;
  while (!block.empty()) {
    const auto eol = block.find("\r\n");
    const auto line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view() : block.substr(eol + 2);
    if (line.empty()) continue;
    if ((line.front() == ' ' || line.front() == '\t') && last != nullptr) {
      last->append(" ").append(trim(line));
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos)
      return Status::invalid("multipart part header without ':'");
    const auto name = trim(line.substr(0, colon));
    const auto value = trim(line.substr(colon + 1));
    last = nullptr;
    if (http::iequals_ascii(name, "content-disposition")) {
      disposition.assign(value);
      last = &disposition;
    } else if (http::iequals_ascii(name, "content-type")) {
      type.assign(value);
      last = &type;
    }
  }
  const auto kind = trim(std::string_view(disposition).substr(0, disposition.find(';')));
  if (!http::iequals_ascii(kind, "form-data")) {
    return Status::invalid("multipart part without Content-Disposition: form-data");
  }
  f.name = header_parameter(disposition, "name");
  if (f.name.empty()) return Status::invalid("multipart part without a field name");
  f.filename = header_parameter(disposition, "filename");
  f.content_type = std::move(type);
  return Status::ok();
}

Result<FormData> parse_multipart(std::string_view boundary, std::string_view body) {
  if (boundary.empty() || boundary.size() > kMaxBoundary) {
    return Status::invalid("multipart/form-data needs a boundary of 1 to 70 characters");
  }
  const std::string delimiter = "--" + std::string(boundary);
  const std::string next = "\r\n" + delimiter;
  std::size_t pos = 0;
  if (body.substr(0, delimiter.size()) != delimiter) {  // a preamble comes first
    pos = body.find(next);
    if (pos == std::string_view::npos)
      return Status::invalid("multipart body without its boundary");
    pos += 2;
  }
  FormData form;
  for (;;) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") return form;  // the close delimiter; an epilogue may follow
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.substr(pos, 2) != "\r\n") return Status::invalid("malformed multipart boundary line");
    pos += 2;
    // The header block ends with an empty line; a part may have no body at
    // all, and then the CRLF that ends its last header line is also the one
    // that starts the next delimiter (RFC 2046: body-part := headers [CRLF *OCTET]).
    std::size_t content = 0, search = 0;
    std::string_view headers;
    if (body.substr(pos, 2) == "\r\n") {
      content = search = pos + 2;  // no headers at all: refused below (no name)
    } else {
      const auto end = body.find("\r\n\r\n", pos);
      if (end == std::string_view::npos)
        return Status::invalid("multipart part headers do not end");
      headers = body.substr(pos, end - pos);
      content = end + 4;
      search = end + 2;
    }
    const auto end = body.find(next, search);
    if (end == std::string_view::npos) {
      return Status::invalid("multipart body ends without its closing boundary");
    }
    if (form.fields.size() == kMaxFormFields) return too_many();
    FormField f;
    if (auto st = read_part_headers(headers, f); !st.is_ok()) return st;
    const auto value = end < content ? std::string_view() : body.substr(content, end - content);
    if (f.is_file()) {
      f.size = value.size();  // what the mail carried; the bytes are not needed
    } else {
      f.value.assign(value);
    }
    form.fields.push_back(std::move(f));
    pos = end + 2;
  }
}

}  // namespace

const FormField* FormData::find(std::string_view name) const {
  for (const auto& f : fields) {
    if (f.name == name && !f.is_file()) return &f;
  }
  return nullptr;
}

std::string_view FormData::get(std::string_view name) const {
  const auto* f = find(name);
  return f == nullptr ? std::string_view() : std::string_view(f->value);
}

std::string header_parameter(std::string_view header, std::string_view name) {
  std::size_t i = header.find(';');
  while (i != std::string_view::npos && i < header.size()) {
    ++i;  // past ';'
    while (i < header.size() && (header[i] == ' ' || header[i] == '\t')) ++i;
    const auto eq = header.find_first_of("=;", i);
    if (eq == std::string_view::npos) return {};
    if (header[eq] == ';') {  // a parameter without a value
      i = eq;
      continue;
    }
    const auto key = trim(header.substr(i, eq - i));
    std::string value;
    i = eq + 1;
    while (i < header.size() && (header[i] == ' ' || header[i] == '\t')) ++i;
    if (i < header.size() && header[i] == '"') {
      for (++i; i < header.size() && header[i] != '"'; ++i) {
        if (header[i] == '\\' && i + 1 < header.size()) ++i;
        value.push_back(header[i]);
      }
      i = header.find(';', i);  // past the closing quote, to the next parameter
    } else {
      const auto semi = header.find(';', i);
      value.assign(trim(header.substr(i, semi == std::string_view::npos ? semi : semi - i)));
      i = semi;
    }
    if (http::iequals_ascii(key, name)) return value;
  }
  return {};
}

Result<FormData> parse_form(std::string_view content_type, std::string_view body) {
  const auto media = trim(content_type.substr(0, content_type.find(';')));
  if (http::iequals_ascii(media, "application/x-www-form-urlencoded"))
    return parse_urlencoded(body);
  if (http::iequals_ascii(media, "multipart/form-data")) {
    return parse_multipart(header_parameter(content_type, "boundary"), body);
  }
  return Status::invalid(
      "expected a form (application/x-www-form-urlencoded or "
      "multipart/form-data), got Content-Type '" +
      std::string(content_type.substr(0, 100)) + "'");
}

}  // namespace sb::adapters
