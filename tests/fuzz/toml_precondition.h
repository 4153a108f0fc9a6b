// Force-included into the config loader of the fuzz build only. toml++ 3.3.0
// (Debian 12) checks some of its parser's preconditions with assertions that
// malformed input can fail (upstream bugs, fixed after 3.3.0: marzer/
// tomlplusplus 294, 295, 301, ...). Here such a failure throws
// TomlPrecondition instead of aborting, so that the fuzzer keeps exploring our
// loader; config_fuzz.cc counts them apart. The classes that the loader can
// refuse up front are refused (adapters/daemon/toml_guard.h).
#pragma once

#include <stdexcept>

namespace sb::fuzz {
struct TomlPrecondition : std::logic_error {
  using std::logic_error::logic_error;
};
}  // namespace sb::fuzz

#define TOML_ASSERT(expr)        \
  ((expr) ? static_cast<void>(0) \
          : throw ::sb::fuzz::TomlPrecondition("toml++ precondition: " #expr))
