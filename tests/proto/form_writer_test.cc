// application/x-www-form-urlencoded output (proto/form_writer).
#include "proto/form_writer.h"

#include <gtest/gtest.h>

namespace sb::proto {
namespace {

TEST(FormWriter, PercentEncodesAllButUnreservedAndJoinsWithAmpersands) {
  std::string out;
  append_form_field(out, "h:In-Reply-To", "<CAJ8x4=Yk3vQ2@mail.gmail.com>");
  append_form_field(out, "text", "Hello Olena,\nit ships today & arrives Friday. 100%*_-");
  append_form_field(out, "name", "Привіт");
  EXPECT_EQ(out,
            "h%3AIn-Reply-To=%3CCAJ8x4%3DYk3vQ2%40mail.gmail.com%3E"
            "&text=Hello+Olena%2C%0Ait+ships+today+%26+arrives+Friday.+100%25*_-"
            "&name=%D0%9F%D1%80%D0%B8%D0%B2%D1%96%D1%82");
  std::string empty;
  append_form_field(empty, "a", "");
  EXPECT_EQ(empty, "a=");
}

}  // namespace
}  // namespace sb::proto
