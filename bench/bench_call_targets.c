/*
 * bench_call_targets.c — the functions bench_call calls, in a shared
 * object of their own that bench_call dlopen()s, as a host opens a
 * plugin.  rt_call exists to call plugin functions, and where the target
 * lives decides what a call costs: on the machines measured, a call and
 * return between the executable and a shared object costs about 1 ns more
 * than one within a module (bench_call prints both), so a target in the
 * executable would charge rt_call (executable -> libruntime -> target) two
 * such crossings and the pointer call none.  Here both pay one.
 */
#include <stddef.h>
#include <stdint.h>

#include "bench_call_targets.h"

#define TARGET __attribute__((noinline, visibility("default")))

TARGET int32_t bct_add2(int32_t a, int32_t b) { return a + b; }
TARGET double bct_sum4(double a, double b, double c, double d)
{
  return a + b + c + d;
}
TARGET void *bct_advance(void *p, size_t n) { return (char *)p + n; }
TARGET int64_t bct_mixed6(int32_t a, double b, void *c, size_t d, float e,
                          int64_t f)
{
  return a + (int64_t)b + (c != NULL) + (int64_t)d + (int64_t)e + f;
}
TARGET int64_t bct_int10(int64_t a, int64_t b, int64_t c, int64_t d,
                         int64_t e, int64_t f, int64_t g, int64_t h,
                         int64_t i, int64_t j)
{
  return a + b + c + d + e + f + g + h + i + j;
}
TARGET double bct_mixed16(int64_t a, int64_t b, int64_t c, int64_t d,
                          int64_t e, int64_t f, int64_t g, int64_t h,
                          double p, double q, double r, double s, double t,
                          double u, double v, double w, int64_t i, int64_t j,
                          double x, double y)
{
  return (double)(a + b + c + d + e + f + g + h + i + j) + p + q + r + s + t +
         u + v + w + x + y;
}
TARGET struct bct_vec2 bct_rot90(struct bct_vec2 v)
{
  return (struct bct_vec2){-v.y, v.x};
}
TARGET struct bct_rec24 bct_rot3(struct bct_rec24 r)
{
  return (struct bct_rec24){r.b, r.c, r.a};
}

/* A runtime-heap string set by the bench: str_ret measures the call and
 * the ownership test of the result, not a copy. */
__attribute__((visibility("default"))) char *bct_the_str;
TARGET char *bct_same_str(const char *s)
{
  (void)s;
  return bct_the_str;
}

/* A callback's caller: a plugin calling a function pointer the host gave
 * it (a host function, or a closure whose handler is in the host), N
 * times; returns the sum so the calls cannot be dropped. */
TARGET int64_t bct_call_back(int32_t (*volatile *fp)(int32_t, int32_t),
                             int n)
{
  int64_t sum = 0;
  for (int i = 0; i < n; i++)
    sum += (*fp)(i, 7);
  return sum;
}
