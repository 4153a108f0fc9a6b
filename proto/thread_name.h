// Names the calling thread, so that `top -H`, perf and gdb tell the daemon's
// threads apart (I/O, shard, committer, outbound...). Linux keeps 15 bytes.
#pragma once

#include <pthread.h>

#include <string>

namespace sb::proto {

inline void name_this_thread(std::string name) {
  if (name.size() > 15) name.resize(15);
  (void)pthread_setname_np(pthread_self(), name.c_str());
}

}  // namespace sb::proto
