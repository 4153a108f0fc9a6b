// The fuzz build turns Boost's assertions into calls to this handler
// (BOOST_ENABLE_ASSERT_HANDLER, tests/fuzz/CMakeLists.txt): every failed
// assertion aborts, as BOOST_ASSERT would, except one that Boost 1.81 has
// wrong. Beast's basic_parser::parse_chunk_header asserts n >= 5 when a
// final chunk ("0\r\n") is resumed after need_more, but a stream may deliver
// as little as one more byte there; the code after the assertion handles it
// (it looks for the end of the trailer and asks for more). Beast fixed the
// assertion in boostorg/beast#2861 (Boost 1.86). Release builds, which the
// daemon ships as, compile assertions out and take that same path.
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace boost {

void assertion_failed(char const* expr, char const* function, char const* file, long line) {
  if (std::strcmp(expr, "n >= 5") == 0 && std::strstr(file, "beast/http/impl/basic_parser.ipp")) {
    return;  // the spurious one: carry on as a release build does
  }
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed.\n", file, line, function, expr);
  std::abort();
}

void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file,
                          long line) {
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed: %s\n", file, line, function, expr, msg);
  std::abort();
}

}  // namespace boost
