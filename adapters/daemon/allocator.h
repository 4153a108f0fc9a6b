// Allocator housekeeping for the daemon, whichever malloc it runs on: jemalloc
// (linked by default, see SB_JEMALLOC in CMakeLists.txt, or preloaded) or
// glibc's.
#pragma once

namespace sb::daemon {

// Hands the pages of freed memory back to the OS now, instead of when the
// allocator gets to it. Called once after recovery, whose temporaries
// (decoded records, staged routing state) are gone by then: with 1M
// conversations they were several percent of the RSS. Thread-safe.
void release_free_memory();

}  // namespace sb::daemon
