// Form bodies (adapters/email/form_data): urlencoded and multipart/form-data
// as browsers and email services send them, and the malformed ones refused.
#include "adapters/email/form_data.h"

#include <gtest/gtest.h>

namespace sb::adapters {
namespace {

TEST(FormUrlencoded, DecodesPercentAndPlusAndKeepsOrder) {
  auto f = parse_form(
      "application/x-www-form-urlencoded",
      "subject=Order+58213%3F&empty=&flag&body-plain=%D0%9F%D1%80%D0%B8%D0%B2%D1%96%D1%82"
      "&&subject=second");
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  ASSERT_EQ(f->fields.size(), 5u);
  EXPECT_EQ(f->get("subject"), "Order 58213?");  // the first of a repeated name
  EXPECT_EQ(f->fields[4].value, "second");
  EXPECT_EQ(f->get("empty"), "");
  EXPECT_NE(f->find("flag"), nullptr);
  EXPECT_EQ(f->get("body-plain"), "Привіт");
  EXPECT_EQ(f->find("absent"), nullptr);
}

TEST(FormUrlencoded, ContentTypeIsCaseInsensitiveWithParameters) {
  auto f = parse_form("Application/X-WWW-Form-Urlencoded; charset=utf-8", "a=1");
  ASSERT_TRUE(f.is_ok());
  EXPECT_EQ(f->get("a"), "1");
}

TEST(FormMultipart, FieldsAndFilesWithPreambleAndEpilogue) {
  const std::string body =
      "preamble, ignored\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"subject\"\r\n"
      "\r\n"
      "Order 58213\r\n"
      "--XyZ   \r\n"
      "content-disposition: form-data; name=\"attachment-1\"; filename=\"label \\\"v2\\\".jpg\"\r\n"
      "Content-Type: image/jpeg\r\n"
      "\r\n"
      "\xFF\xD8\r\n--Xy not the boundary\xFF\xD9\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data;\r\n name=\"folded\"\r\n"
      "\r\n"
      "\r\n"
      "--XyZ--\r\n"
      "epilogue";
  auto f = parse_form("multipart/form-data; boundary=\"XyZ\"", body);
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  ASSERT_EQ(f->fields.size(), 3u);
  EXPECT_EQ(f->get("subject"), "Order 58213");
  const auto& file = f->fields[1];
  EXPECT_TRUE(file.is_file());
  EXPECT_EQ(file.name, "attachment-1");
  EXPECT_EQ(file.filename, "label \"v2\".jpg");
  EXPECT_EQ(file.content_type, "image/jpeg");
  EXPECT_EQ(file.size, std::string_view("\xFF\xD8\r\n--Xy not the boundary\xFF\xD9").size());
  EXPECT_EQ(file.value, "") << "a file's bytes are not kept";
  EXPECT_EQ(f->find("attachment-1"), nullptr);  // find() skips files
  EXPECT_EQ(f->fields[2].name, "folded");
  EXPECT_EQ(f->fields[2].value, "");
}

TEST(FormMultipart, APartWithoutABodyEndsAtTheNextDelimiter) {
  // RFC 2046: the CRLF ending the last header line also starts the delimiter.
  auto f =
      parse_form("multipart/form-data; boundary=b",
                 "--b\r\nContent-Disposition: form-data; name=\"empty\"\r\n"
                 "\r\n--b\r\nContent-Disposition: form-data; name=\"next\"\r\n\r\nvalue\r\n--b--");
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  ASSERT_EQ(f->fields.size(), 2u);
  EXPECT_EQ(f->fields[0].name, "empty");
  EXPECT_EQ(f->fields[0].value, "");
  EXPECT_EQ(f->get("next"), "value");
}

TEST(FormMultipart, MalformedBodiesAreRefused) {
  const auto bad = [](std::string_view type, std::string_view body) {
    auto r = parse_form(type, body);
    return !r.is_ok() && r.status().code() == Code::kInvalidArgument;
  };
  const std::string_view mp = "multipart/form-data; boundary=b";
  EXPECT_TRUE(bad("multipart/form-data", "--b\r\n\r\n"));                         // no boundary
  EXPECT_TRUE(bad("multipart/form-data; boundary=" + std::string(71, 'x'), ""));  // too long
  EXPECT_TRUE(bad(mp, "no delimiter at all"));
  EXPECT_TRUE(bad(mp, "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated"));
  EXPECT_TRUE(
      bad(mp, "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n"));      // headers never end
  EXPECT_TRUE(bad(mp, "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--"));  // no disposition
  EXPECT_TRUE(bad(mp, "--b\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--b--"));
  EXPECT_TRUE(bad(mp, "--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--"));  // no name
  EXPECT_TRUE(bad(mp, "--b\r\nbroken header line\r\n\r\nx\r\n--b--"));
  EXPECT_TRUE(bad(mp, "--bX\r\n"));  // a longer boundary is not ours
  EXPECT_TRUE(bad("application/json", "{}"));
  EXPECT_TRUE(bad("", "a=1"));
}

TEST(FormLimits, TooManyFields) {
  std::string body;
  for (std::size_t i = 0; i <= kMaxFormFields; ++i) body += "a=1&";
  EXPECT_FALSE(parse_form("application/x-www-form-urlencoded", body).is_ok());
  body.resize(body.size() - 4);  // exactly the limit
  EXPECT_TRUE(parse_form("application/x-www-form-urlencoded", body).is_ok());
}

TEST(HeaderParameter, QuotedTokensCaseAndAbsence) {
  EXPECT_EQ(header_parameter("multipart/form-data; boundary=abc", "boundary"), "abc");
  EXPECT_EQ(header_parameter("form-data; NAME=\"a;b\"; filename=x.txt", "name"), "a;b");
  EXPECT_EQ(header_parameter("form-data; NAME=\"a;b\"; filename=x.txt", "filename"), "x.txt");
  EXPECT_EQ(header_parameter("form-data; flag; name=n", "name"), "n");
  EXPECT_EQ(header_parameter("form-data; filename=\"unterminated", "filename"), "unterminated");
  EXPECT_EQ(header_parameter("form-data", "name"), "");
  EXPECT_EQ(header_parameter("form-data; name", "name"), "");
}

}  // namespace
}  // namespace sb::adapters
