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

// MCU_DCHECK: the same in debug and sanitizer builds (the test command's), nothing in release:
// for assumptions such as "on the loop's thread" that every test run must catch but that a
// media tick or a SIP event should not pay for.
#ifdef NDEBUG
#define MCU_DCHECK(cond)             \
  do {                               \
    static_cast<void>(sizeof(cond)); \
  } while (false)
#else
#define MCU_DCHECK(cond) MCU_CHECK(cond)
#endif
