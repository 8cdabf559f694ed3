// MCU_CHECK: for invariants that cannot fail after start-up (epoll_create, a broken internal
// assumption). Untrusted input never reaches one of these: it gets an error answer instead.
#pragma once

#include <cstdio>
#include <cstdlib>

#define MCU_CHECK(cond)                                                                   \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "level=fatal component=check file=%s line=%d failed=\"%s\"\n", \
                   __FILE__, __LINE__, #cond);                                            \
      std::abort();                                                                       \
    }                                                                                     \
  } while (false)
