// How many threads this process has now (from /proc/self/task), for the thread-count tests.
#pragma once

#include <dirent.h>

namespace mcu::test {

inline int threadCount() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/task")) {
    while (readdir(d) != nullptr) {
      ++n;
    }
    closedir(d);
  }
  return n - 2;  // "." and ".."
}

}  // namespace mcu::test
