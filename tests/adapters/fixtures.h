// Reads a payload from tests/fixtures.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace sb::test {

inline std::string fixture(const std::string& relative) {
  std::ifstream in(std::string(SB_FIXTURES_DIR) + "/" + relative, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + relative);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace sb::test
