// TempDir: a fresh directory under $TMPDIR (or /tmp), removed with its
// contents when the object dies.
#pragma once

#include <string>

namespace sb::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace sb::test
