/*
 * bench_call.c — ns per call for four signatures, three ways in one run:
 * a direct call through a function pointer, ffi_call with a prepared cif,
 * and rt_call.  Prints `ratio: call.<sig>: rt/ffi_call = X` and
 * `ratio: call.<sig>: rt/pointer = Y` (time ratios; lower is better).
 */
#include <ffi.h>
#include <stdio.h>
#include <time.h>

#include <runtime.h>

#define ITERS 300000
#define REPEATS 31

__attribute__((noinline)) static int32_t add2(int32_t a, int32_t b)
{
  return a + b;
}

__attribute__((noinline)) static double sum4(double a, double b, double c,
                                             double d)
{
  return a + b + c + d;
}

__attribute__((noinline)) static void *advance(void *p, size_t n)
{
  return (char *)p + n;
}

__attribute__((noinline)) static double mixed6(int32_t a, double b, void *c,
                                               int64_t d, float e, uint8_t f)
{
  return a + b + (c != NULL) + (double)d + e + f;
}

static double now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The function pointers are volatile so the compiler cannot inline or
 * hoist the direct calls. */
static int32_t (*volatile p_add2)(int32_t, int32_t) = add2;
static double (*volatile p_sum4)(double, double, double, double) = sum4;
static void *(*volatile p_advance)(void *, size_t) = advance;
static double (*volatile p_mixed6)(int32_t, double, void *, int64_t, float,
                                   uint8_t) = mixed6;
static volatile uint64_t sink;

struct bench {
  const char *name;
  const char *sig;
  void (*fn)(void);
  rt_value args[6];
  ffi_type *ffi_ret;
  ffi_type *ffi_args[6];
};

static double direct_once(int which)
{
  double t0 = now_ns();
  char buf[8];
  switch (which) {
  case 0:
    for (int i = 0; i < ITERS; i++)
      sink += (uint64_t)p_add2(i, 7);
    break;
  case 1:
    for (int i = 0; i < ITERS; i++)
      sink += (uint64_t)p_sum4(i, 1.5, 2.5, 3.5);
    break;
  case 2:
    for (int i = 0; i < ITERS; i++)
      sink += (uintptr_t)p_advance(buf, (size_t)i);
    break;
  default:
    for (int i = 0; i < ITERS; i++)
      sink += (uint64_t)p_mixed6(i, 2.5, buf, -4, 1.5f, 9);
    break;
  }
  return (now_ns() - t0) / ITERS;
}

static double ffi_once(struct bench *b, size_t n)
{
  ffi_cif cif;
  if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, (unsigned)n, b->ffi_ret,
                   b->ffi_args) != FFI_OK)
    return -1;
  void *av[6];
  for (size_t i = 0; i < n; i++)
    av[i] = &b->args[i].v;
  union {
    ffi_arg a;
    double d;
    void *p;
  } r;
  double t0 = now_ns();
  for (int i = 0; i < ITERS; i++) {
    ffi_call(&cif, b->fn, &r, av);
    sink += r.a;
  }
  return (now_ns() - t0) / ITERS;
}

static double rt_once(const rt_fn *fn, const rt_value *args, size_t n)
{
  rt_value ret;
  double t0 = now_ns();
  for (int i = 0; i < ITERS; i++) {
    rt_call(fn, args, n, &ret);
    sink += ret.v.u64;
  }
  return (now_ns() - t0) / ITERS;
}

static double best(double a, double b) { return a < b ? a : b; }

static int run(int which, struct bench *b)
{
  rt_fn *fn;
  if (rt_fn_new(b->fn, b->sig, &fn) != 0) {
    fprintf(stderr, "bench_call: %s: %s\n", b->sig, rt_last_error());
    return 1;
  }
  size_t n = rt_sig_nargs(rt_fn_sig(fn));
  double tp = 1e9, tf = 1e9, tr = 1e9;
  /* Interleaved repeats, best of each: the machine is shared and noisy. */
  for (int r = 0; r < REPEATS; r++) {
    tp = best(tp, direct_once(which));
    tf = best(tf, ffi_once(b, n));
    tr = best(tr, rt_once(fn, b->args, n));
  }
  printf("%-14s %-40s pointer %6.2f ns  ffi_call %6.2f ns  rt_call %6.2f ns"
         "  (%s)\n",
         b->name, b->sig, tp, tf, tr,
         rt_sig_fastpath(rt_fn_sig(fn)) ? "fast path" : "libffi");
  printf("ratio: %s: rt/ffi_call = %.2f\n", b->name, tr / tf);
  printf("ratio: %s: rt/pointer = %.2f\n", b->name, tr / tp);
  rt_fn_free(fn);
  return 0;
}

int main(void)
{
  static char buf[64];
  struct bench benches[] = {
      {"call.i32x2", "(i32, i32) -> i32", (void (*)(void))add2,
       {{RT_TYPE_I32, 0, {.i32 = 5}}, {RT_TYPE_I32, 0, {.i32 = 7}}},
       &ffi_type_sint32, {&ffi_type_sint32, &ffi_type_sint32}},
      {"call.f64x4", "(f64, f64, f64, f64) -> f64", (void (*)(void))sum4,
       {{RT_TYPE_F64, 0, {.f64 = 1}}, {RT_TYPE_F64, 0, {.f64 = 1.5}},
        {RT_TYPE_F64, 0, {.f64 = 2.5}}, {RT_TYPE_F64, 0, {.f64 = 3.5}}},
       &ffi_type_double,
       {&ffi_type_double, &ffi_type_double, &ffi_type_double,
        &ffi_type_double}},
      {"call.ptr_size", "(ptr, size) -> ptr", (void (*)(void))advance,
       {{RT_TYPE_PTR, 0, {.ptr = buf}}, {RT_TYPE_SIZE, 0, {.size = 3}}},
       &ffi_type_pointer, {&ffi_type_pointer, &ffi_type_uint64}},
      {"call.mixed6", "(i32, f64, ptr, i64, f32, u8) -> f64",
       (void (*)(void))mixed6,
       {{RT_TYPE_I32, 0, {.i32 = 1}}, {RT_TYPE_F64, 0, {.f64 = 2.5}},
        {RT_TYPE_PTR, 0, {.ptr = buf}}, {RT_TYPE_I64, 0, {.i64 = -4}},
        {RT_TYPE_F32, 0, {.f32 = 1.5f}}, {RT_TYPE_U8, 0, {.u8 = 9}}},
       &ffi_type_double,
       {&ffi_type_sint32, &ffi_type_double, &ffi_type_pointer,
        &ffi_type_sint64, &ffi_type_float, &ffi_type_uint8}},
  };
  for (int i = 0; i < 4; i++)
    if (run(i, &benches[i]) != 0)
      return 1;
  return 0;
}
