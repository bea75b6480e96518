/*
 * mathx — arithmetic helpers: integers, doubles and a struct passed and
 * returned by value, all called through signatures learnt at run time.
 */
#include <runtime.h>

/* Integer results wrap modulo 2^N, as the CPU's adder does, instead of
 * overflowing into undefined behaviour. */
static int32_t add(int32_t a, int32_t b)
{
  return (int32_t)((uint32_t)a + (uint32_t)b);
}

static int64_t mul(int64_t a, int64_t b)
{
  return (int64_t)((uint64_t)a * (uint64_t)b);
}

/* fib(93) is the largest Fibonacci number that fits in 64 bits. */
static uint64_t fib(uint32_t n)
{
  if (n > 93) {
    rt_set_error(RT_ERANGE,
                 "fib(%u) does not fit in u64; the largest is "
                 "fib(93)",
                 n);
    return 0;
  }
  uint64_t a = 0, b = 1;
  for (uint32_t i = 0; i < n; i++) {
    uint64_t t = a + b;
    a = b;
    b = t;
  }
  return a;
}

/* Named after C's hypot(), which is why <math.h> is not included: the
 * export's name is the function's name.  Scaling by the larger side keeps
 * the squares from overflowing or underflowing. */
static double hypot(double x, double y)
{
  double a = x < 0 ? -x : x, b = y < 0 ? -y : y;
  if (a == __builtin_inf() || b == __builtin_inf())
    return __builtin_inf();
  if (a != a || b != b)
    return a + b;
  double big = a > b ? a : b, small = a > b ? b : a;
  if (big == 0)
    return 0;
  double r = small / big;
  return big * __builtin_sqrt(1 + r * r);
}

struct vec2 {
  double x, y;
};

static struct vec2 vadd(struct vec2 a, struct vec2 b)
{
  return (struct vec2){a.x + b.x, a.y + b.y};
}

static double dot(struct vec2 a, struct vec2 b)
{
  return a.x * b.x + a.y * b.y;
}

RT_PLUGIN("mathx", "1.0.0", "Arithmetic helpers",
          RT_EXPORT(add, "(i32, i32) -> i32",
                    "sum of two integers (wraps around)"),
          RT_EXPORT(mul, "(i64, i64) -> i64",
                    "product of two integers (wraps around)"),
          RT_EXPORT(fib, "(u32) -> u64", "the N-th Fibonacci number, N <= 93"),
          RT_EXPORT(hypot, "(f64, f64) -> f64",
                    "length of the hypotenuse, sqrt(x*x + y*y)"),
          RT_EXPORT(vadd, "({f64, f64}, {f64, f64}) -> {f64, f64}",
                    "sum of two 2-D vectors, passed by value"),
          RT_EXPORT(dot, "({f64, f64}, {f64, f64}) -> f64",
                    "dot product of two 2-D vectors"));
