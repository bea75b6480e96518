/*
 * bench_call.c — ns per call for a set of signature shapes, three ways in
 * one run: a direct call through a function pointer, ffi_call with a
 * prepared cif, and rt_call; and a native call through an rt_closure
 * against a pointer call and a bare libffi closure.  Prints
 * `ratio: call.<shape>: rt/ffi_call = X` and `ratio: call.<shape>:
 * rt/pointer = Y` (time ratios; lower is better).  The targets are in a
 * shared object opened like a plugin (bench_call_targets.c); a last
 * `where:` line repeats i32x2 with its target in this executable.
 * Closures are called as callbacks are, by the plugin, with their
 * handlers (and the pointer call's target) in this executable.
 */
#include <dlfcn.h>
#include <ffi.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <runtime.h>

#include "bench_call_targets.h"

#define ITERS 200000
/* Best of ROUNDS x REPEATS interleaved runs of each contender: every
 * round measures every shape in turn, so a burst of interference from
 * the machine's other work spoils a round, not a shape. */
#define ROUNDS 5
#define REPEATS 5
#define MAXA 20

typedef int64_t i64;

/* The targets live in a shared object of their own, opened as a host
 * opens a plugin (bench_call_targets.c says why); one copy of add2 lives
 * here too, to show what the target's place costs. */
#define NOINLINE __attribute__((noinline))
NOINLINE static int32_t add2_here(int32_t a, int32_t b) { return a + b; }

static double now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The function pointers are volatile so the compiler cannot inline or
 * hoist the direct calls. */
static int32_t (*volatile p_add2)(int32_t, int32_t);
static double (*volatile p_sum4)(double, double, double, double);
static void *(*volatile p_advance)(void *, size_t);
static i64 (*volatile p_mixed6)(int32_t, double, void *, size_t, float, i64);
static i64 (*volatile p_int10)(i64, i64, i64, i64, i64, i64, i64, i64, i64,
                               i64);
static double (*volatile p_mixed16)(i64, i64, i64, i64, i64, i64, i64, i64,
                                    double, double, double, double, double,
                                    double, double, double, i64, i64, double,
                                    double);
static struct bct_vec2 (*volatile p_rot90)(struct bct_vec2);
static struct bct_rec24 (*volatile p_rot3)(struct bct_rec24);
static char *(*volatile p_same_str)(const char *);
static int64_t (*p_call_back)(int32_t (*volatile *)(int32_t, int32_t), int);
static int32_t (*volatile p_closure)(int32_t, int32_t);
static volatile uint64_t sink;
static char buf[64];
static char *the_str;

/* Opens the targets' module and points p_* at its functions. */
static void *target(void *h, const char *name)
{
  void *p = dlsym(h, name);
  if (!p)
    fprintf(stderr, "bench_call: %s: %s\n", BENCH_CALL_TARGETS, dlerror());
  return p;
}

#define TARGET(var, name) (((var) = (__typeof__(var))target(h, name)) != NULL)

static int load_targets(void)
{
  void *h = dlopen(BENCH_CALL_TARGETS, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "bench_call: %s (build it with `make bench-build`)\n",
            dlerror());
    return 1;
  }
  char **str = target(h, "bct_the_str");
  if (!str || !TARGET(p_add2, "bct_add2") || !TARGET(p_sum4, "bct_sum4") ||
      !TARGET(p_advance, "bct_advance") || !TARGET(p_mixed6, "bct_mixed6") ||
      !TARGET(p_int10, "bct_int10") || !TARGET(p_mixed16, "bct_mixed16") ||
      !TARGET(p_rot90, "bct_rot90") || !TARGET(p_rot3, "bct_rot3") ||
      !TARGET(p_same_str, "bct_same_str") ||
      !TARGET(p_call_back, "bct_call_back"))
    return 1;
  *str = the_str;
  return 0; /* the module stays open */
}

/* One loop of direct calls per shape (WHICH is the index in benches[]),
 * the switch outside the loop. */
#define LOOP(stmt)                                                            \
  for (int i = 0; i < ITERS; i++) {                                           \
    stmt;                                                                     \
  }                                                                           \
  break
static void direct_loop(int which)
{
  struct bct_vec2 v = {1.5, 2.5};
  struct bct_rec24 r = {1, 2, 3};
  switch (which) {
  case 0: LOOP(sink += (uint64_t)p_add2(i, 7));
  case 1: LOOP(sink += (uint64_t)p_sum4(i, 1.5, 2.5, 3.5));
  case 2: LOOP(sink += (uintptr_t)p_advance(buf, (size_t)i));
  case 3: LOOP(sink += (uint64_t)p_mixed6(i, 2.5, buf, 3, 1.5f, -4));
  case 4: LOOP(sink += (uint64_t)p_int10(i, 1, 2, 3, 4, 5, 6, 7, 8, 9));
  case 5:
    LOOP(sink += (uint64_t)p_mixed16(i, 1, 2, 3, 4, 5, 6, 7, 0.5, 1.5, 2.5,
                                     3.5, 4.5, 5.5, 6.5, 7.5, 8, 9, 8.5, 9.5));
  case 6: LOOP(v = p_rot90(v); sink += (uint64_t)v.x);
  case 7: LOOP(r = p_rot3(r); sink += (uint64_t)r.a);
  default: LOOP(sink += (uintptr_t)p_same_str("x"));
  }
}

static double direct_once(int which)
{
  double t0 = now_ns();
  direct_loop(which);
  return (now_ns() - t0) / ITERS;
}

/* ITERS calls of p_closure made by the targets' module. */
static double call_back_once(void)
{
  double t0 = now_ns();
  sink += (uint64_t)p_call_back(&p_closure, ITERS);
  return (now_ns() - t0) / ITERS;
}

struct bench {
  const char *name;
  const char *sig;
  void (*fn)(void);
  rt_value args[MAXA];
  ffi_type *ffi_ret;
  ffi_type *ffi_args[MAXA];
  bool clear_ret; /* the result owns struct storage */
};

/* A shape's best times so far: pointer, ffi_call, rt. */
struct best {
  double tp, tf, tr;
  bool fast;
};

static double ffi_once(ffi_cif *cif, const struct bench *b, size_t n)
{
  void *av[MAXA];
  for (size_t i = 0; i < n; i++)
    av[i] = b->args[i].v.agg && b->args[i].kind == RT_TYPE_STRUCT
                ? b->args[i].v.agg
                : (void *)&b->args[i].v;
  union {
    ffi_arg a;
    double d;
    void *p;
    struct bct_rec24 r;
  } r;
  double t0 = now_ns();
  for (int i = 0; i < ITERS; i++) {
    ffi_call(cif, b->fn, &r, av);
    sink += r.a;
  }
  return (now_ns() - t0) / ITERS;
}

/* Calls that failed (checked once per shape, outside the timing). */
static unsigned rt_failures;

static double rt_once(const rt_fn *fn, const struct bench *b, size_t n)
{
  rt_value ret;
  unsigned bad = 0;
  double t0 = now_ns();
  if (b->clear_ret) {
    for (int i = 0; i < ITERS; i++) {
      bad |= rt_call(fn, b->args, n, &ret) != 0;
      sink += ret.v.u64;
      rt_value_clear(&ret);
    }
  } else {
    for (int i = 0; i < ITERS; i++) {
      bad |= rt_call(fn, b->args, n, &ret) != 0;
      sink += ret.v.u64;
    }
  }
  double t = (now_ns() - t0) / ITERS;
  rt_failures += bad;
  return t;
}

static double best(double a, double b) { return a < b ? a : b; }

/* Off for the comparison of where the target lives: its figures are
 * printed as `where:` lines, not as the shapes' ratios. */
static bool headline = true;
static double module_pointer_ns; /* call.i32x2's pointer call */

static void report(const char *name, const char *what, double tp, double tf,
                   double tr, const char *path)
{
  if (!headline) {
    printf("where: %s with its target in the executable: pointer %.2f ns, "
           "rt %.2f ns, rt/pointer = %.2f (the pointer call into the "
           "targets' module: %.2f ns)\n", name, tp, tr, tr / tp,
           module_pointer_ns);
    return;
  }
  if (strcmp(name, "call.i32x2") == 0)
    module_pointer_ns = tp;
  printf("%-14s %-44s pointer %6.2f ns  ffi %6.2f ns  rt %6.2f ns  (%s)\n",
         name, what, tp, tf, tr, path);
  printf("ratio: %s: rt/pointer = %.2f\n", name, tr / tp);
  printf("ratio: %s: rt/ffi_call = %.2f\n", name, tr / tf);
}

/* One round of B (WHICH is its index in benches[]): its bests in BT. */
static int run(int which, struct bench *b, struct best *bt)
{
  rt_fn *fn;
  if (rt_fn_new(b->fn, b->sig, &fn) != 0) {
    fprintf(stderr, "bench_call: %s: %s\n", b->sig, rt_last_error());
    return 1;
  }
  size_t n = rt_sig_nargs(rt_fn_sig(fn));
  ffi_cif cif;
  if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, (unsigned)n, b->ffi_ret,
                   b->ffi_args) != FFI_OK) {
    fprintf(stderr, "bench_call: %s: ffi_prep_cif failed\n", b->sig);
    return 1;
  }
  for (int r = 0; r < REPEATS; r++) {
    bt->tp = best(bt->tp, direct_once(which));
    bt->tf = best(bt->tf, ffi_once(&cif, b, n));
    bt->tr = best(bt->tr, rt_once(fn, b, n));
  }
  bt->fast = rt_sig_fastpath(rt_fn_sig(fn));
  rt_fn_free(fn);
  return 0;
}

static void report_bench(const struct bench *b, const struct best *bt)
{
  report(b->name, b->sig, bt->tp, bt->tf, bt->tr,
         bt->fast ? "fast path" : "libffi");
}

/* ---- closures ------------------------------------------------------------ */

static int add_handler(const rt_sig *sig, const rt_value *args, size_t n,
                       rt_value *ret, void *ud)
{
  (void)sig, (void)n, (void)ud;
  ret->v.i32 = args[0].v.i32 + args[1].v.i32;
  return 0;
}

static void ffi_add(ffi_cif *cif, void *resp, void **av, void *ud)
{
  (void)cif, (void)ud;
  *(ffi_arg *)resp = (ffi_arg)(*(int32_t *)av[0] + *(int32_t *)av[1]);
}

/* One round of the closure contenders; their bests in *TP, *TF, *TR. */
static int run_closure(double *tp, double *tf, double *tr)
{
  rt_sig *sig;
  rt_closure *c;
  void (*rt_ptr)(void);
  if (rt_sig_parse("(i32, i32) -> i32", &sig) != 0 ||
      rt_closure_new(sig, add_handler, NULL, &c, &rt_ptr) != 0) {
    fprintf(stderr, "bench_call: closure: %s\n", rt_last_error());
    return 1;
  }
  static ffi_type *targs[2] = {&ffi_type_sint32, &ffi_type_sint32};
  ffi_cif cif;
  void *ffi_ptr;
  ffi_closure *fc = ffi_closure_alloc(sizeof *fc, &ffi_ptr);
  if (!fc ||
      ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, &ffi_type_sint32, targs) != FFI_OK ||
      ffi_prep_closure_loc(fc, &cif, ffi_add, NULL, ffi_ptr) != FFI_OK) {
    fprintf(stderr, "bench_call: closure: libffi failed\n");
    return 1;
  }
  /* Closures are callbacks: the calls are made by the plugin (the
   * targets' module) and the handlers live in this executable, the
   * host; the pointer call is the plugin calling a host function. */
  for (int r = 0; r < REPEATS; r++) {
    p_closure = add2_here;
    *tp = best(*tp, call_back_once());
    p_closure = (int32_t (*)(int32_t, int32_t))ffi_ptr;
    *tf = best(*tf, call_back_once());
    p_closure = (int32_t (*)(int32_t, int32_t))rt_ptr;
    *tr = best(*tr, call_back_once());
  }
  ffi_closure_free(fc);
  rt_closure_free(c);
  rt_sig_free(sig);
  return 0;
}

#define I32(x) {RT_TYPE_I32, 0, {.i32 = (x)}}
#define I64(x) {RT_TYPE_I64, 0, {.i64 = (x)}}
#define F64(x) {RT_TYPE_F64, 0, {.f64 = (x)}}

int main(void)
{
  static struct bct_vec2 vec = {1.5, 2.5};
  static struct bct_rec24 rec = {1, 2, 3};
  static ffi_type *vec_el[] = {&ffi_type_double, &ffi_type_double, NULL};
  static ffi_type *rec_el[] = {&ffi_type_sint64, &ffi_type_sint64,
                               &ffi_type_sint64, NULL};
  static ffi_type vec_t = {0, 0, FFI_TYPE_STRUCT, vec_el};
  static ffi_type rec_t = {0, 0, FFI_TYPE_STRUCT, rec_el};
  ffi_type *s64 = &ffi_type_sint64, *dbl = &ffi_type_double;
  the_str = rt_strdup("same");
  if (!the_str || load_targets() != 0)
    return 1;
  struct bench benches[] = {
      {"call.i32x2", "(i32, i32) -> i32", (void (*)(void))p_add2,
       {I32(5), I32(7)}, &ffi_type_sint32,
       {&ffi_type_sint32, &ffi_type_sint32}, false},
      {"call.f64x4", "(f64, f64, f64, f64) -> f64", (void (*)(void))p_sum4,
       {F64(1), F64(1.5), F64(2.5), F64(3.5)}, dbl, {dbl, dbl, dbl, dbl},
       false},
      {"call.ptr_size", "(ptr, size) -> ptr", (void (*)(void))p_advance,
       {{RT_TYPE_PTR, 0, {.ptr = buf}}, {RT_TYPE_SIZE, 0, {.size = 3}}},
       &ffi_type_pointer, {&ffi_type_pointer, &ffi_type_uint64}, false},
      {"call.mixed6", "(i32, f64, ptr, size, f32, i64) -> i64",
       (void (*)(void))p_mixed6,
       {I32(1), F64(2.5), {RT_TYPE_PTR, 0, {.ptr = buf}},
        {RT_TYPE_SIZE, 0, {.size = 3}}, {RT_TYPE_F32, 0, {.f32 = 1.5f}},
        I64(-4)},
       s64,
       {&ffi_type_sint32, dbl, &ffi_type_pointer, &ffi_type_uint64,
        &ffi_type_float, s64},
       false},
      {"call.int10", "(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> i64",
       (void (*)(void))p_int10,
       {I64(0), I64(1), I64(2), I64(3), I64(4), I64(5), I64(6), I64(7),
        I64(8), I64(9)},
       s64, {s64, s64, s64, s64, s64, s64, s64, s64, s64, s64}, false},
      {"call.mixed16", "(i64 x8, f64 x8, i64, i64, f64, f64) -> f64",
       (void (*)(void))p_mixed16,
       {I64(0), I64(1), I64(2), I64(3), I64(4), I64(5), I64(6), I64(7),
        F64(0.5), F64(1.5), F64(2.5), F64(3.5), F64(4.5), F64(5.5), F64(6.5),
        F64(7.5), I64(8), I64(9), F64(8.5), F64(9.5)},
       dbl,
       {s64, s64, s64, s64, s64, s64, s64, s64, dbl, dbl, dbl, dbl, dbl, dbl,
        dbl, dbl, s64, s64, dbl, dbl},
       false},
      {"call.vec2", "({f64, f64}) -> {f64, f64}", (void (*)(void))p_rot90,
       {{RT_TYPE_STRUCT, 0, {.agg = &vec}}}, &vec_t, {&vec_t}, true},
      {"call.rec24", "({i64, i64, i64}) -> {i64, i64, i64}",
       (void (*)(void))p_rot3, {{RT_TYPE_STRUCT, 0, {.agg = &rec}}}, &rec_t,
       {&rec_t}, true},
      {"call.str_ret", "(str) -> str", (void (*)(void))p_same_str,
       {{RT_TYPE_STR, 0, {.str = "x"}}}, &ffi_type_pointer,
       {&ffi_type_pointer}, false},
  };
  /* mixed16's text is abbreviated above; the real signature: */
  benches[5].sig = "(i64, i64, i64, i64, i64, i64, i64, i64, f64, f64, f64, "
                   "f64, f64, f64, f64, f64, i64, i64, f64, f64) -> f64";
  int nb = (int)(sizeof benches / sizeof *benches);
  /* The same i32x2 call with its target in this executable: the pointer
   * call stays within the module, rt_call crosses twice. */
  struct bench here = benches[0];
  here.fn = (void (*)(void))add2_here;
  int32_t (*in_module)(int32_t, int32_t) = p_add2;
  struct best bests[sizeof benches / sizeof *benches], bhere, bclo;
  for (int i = 0; i <= nb + 1; i++) {
    struct best *bt = i < nb ? &bests[i] : i == nb ? &bhere : &bclo;
    *bt = (struct best){1e9, 1e9, 1e9, false};
  }
  for (int round = 0; round < ROUNDS; round++) {
    for (int i = 0; i < nb; i++)
      if (run(i, &benches[i], &bests[i]) != 0)
        return 1;
    if (run_closure(&bclo.tp, &bclo.tf, &bclo.tr) != 0)
      return 1;
    p_add2 = add2_here;
    if (run(0, &here, &bhere) != 0)
      return 1;
    p_add2 = in_module;
  }
  for (int i = 0; i < nb; i++)
    report_bench(&benches[i], &bests[i]);
  report("closure.i32x2", "native call, (i32, i32) -> i32", bclo.tp,
         bclo.tf, bclo.tr, "called by a module; vs a bare libffi closure");
  headline = false;
  report_bench(&here, &bhere);
  rt_free(the_str);
  if (rt_failures) {
    fprintf(stderr, "bench_call: %u timed rt_call loop(s) had failing calls: "
            "%s\n", rt_failures, rt_last_error());
    return 1;
  }
  return 0;
}
