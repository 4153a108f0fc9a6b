#include "adapters/daemon/allocator.h"

#include <dlfcn.h>

#include <cstddef>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace sb::daemon {

void release_free_memory() {
  // Looked up at run time, so this file needs no jemalloc header and works
  // for a preloaded jemalloc too. 4096 is MALLCTL_ARENAS_ALL in jemalloc 5.
  using Mallctl = int (*)(const char*, void*, std::size_t*, void*, std::size_t);
  if (auto* mallctl = reinterpret_cast<Mallctl>(::dlsym(RTLD_DEFAULT, "mallctl"))) {
    (void)mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
    return;
  }
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

}  // namespace sb::daemon
