/*
 * test_call_results.c — the storage of struct results: every result
 * class (two-eightbyte register pairs, one register, in memory, with str
 * members) returned on one thread and checked and cleared on another;
 * the per-thread cache of result blocks given back at thread exit (live
 * blocks back to where they were), reused while it is on, stepping aside
 * for fault injection, and a thread whose own exit destructor makes calls
 * after the cache is gone.  Also rt_heap_owns() exactness on the pointers
 * these paths hand it.  Both call paths (RT_CALL_NO_FASTPATH=1 and not).
 * Threads: run under TSan by `make check-threads`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <runtime.h>

#include "config.h"
#ifdef HAVE_VALGRIND_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

typedef void (*vfn)(void);
#define NOINLINE __attribute__((noinline))

/* ---- the targets: one per result class, results derived from K --------- */

struct s_ii { int64_t a, b; };         /* rax:rdx */
struct s_dd { double x, y; };          /* xmm0:xmm1 */
struct s_id { int64_t i; double d; };  /* rax:xmm0 */
struct s_di { double d; int64_t i; };  /* xmm0:rax */
struct s_i2 { int32_t a, b; };         /* rax */
struct s_f2 { float a, b; };           /* xmm0 */
struct s_b3 { uint8_t a, b, c; };      /* rax, 3 bytes */
struct s_l3 { int64_t v[3]; };         /* memory, 24 bytes */
struct s_l6 { int64_t v[6]; };         /* memory, 48 bytes */
struct s_l8 { int64_t v[8]; };         /* memory, 64 bytes */
struct s_l9 { int64_t v[9]; };         /* memory, 72 bytes: not cached */
struct s_si { char *s; int32_t n; };   /* str member */

NOINLINE static struct s_ii r_s_ii(int64_t k) { return (struct s_ii){k, -k}; }
NOINLINE static struct s_dd r_s_dd(int64_t k)
{
  return (struct s_dd){k + 0.5, -k - 0.25};
}
NOINLINE static struct s_id r_s_id(int64_t k) { return (struct s_id){k, k * 0.5}; }
NOINLINE static struct s_di r_s_di(int64_t k) { return (struct s_di){k * 1.5, ~k}; }
NOINLINE static struct s_i2 r_s_i2(int64_t k)
{
  return (struct s_i2){(int32_t)k, (int32_t)-k};
}
NOINLINE static struct s_f2 r_s_f2(int64_t k)
{
  return (struct s_f2){(float)k + 0.5f, (float)k * -2};
}
NOINLINE static struct s_b3 r_s_b3(int64_t k)
{
  return (struct s_b3){(uint8_t)k, (uint8_t)(k * 3), (uint8_t)(k ^ 0x5a)};
}
#define FILL(T, n)                                                            \
  NOINLINE static struct T r_##T(int64_t k)                                   \
  {                                                                           \
    struct T r;                                                               \
    for (int i = 0; i < (n); i++)                                             \
      r.v[i] = k * 1000003 + i;                                               \
    return r;                                                                 \
  }
FILL(s_l3, 3)
FILL(s_l6, 6)
FILL(s_l8, 8)
FILL(s_l9, 9)
NOINLINE static struct s_si r_si(int64_t k)
{
  char *s = rt_alloc(24);
  if (s)
    memcpy(s, "member", 7);
  return (struct s_si){s, (int32_t)k};
}

/* The expected bytes of each result, by the same functions called
 * directly. */
#define SHAPE(T, text)                                                        \
  {text, (vfn)r_##T, sizeof(struct T), direct_##T}
#define DIRECT(T)                                                             \
  static void direct_##T(int64_t k, void *out)                                \
  {                                                                           \
    struct T r = r_##T(k);                                                    \
    memcpy(out, &r, sizeof r);                                                \
  }
DIRECT(s_ii)
DIRECT(s_dd)
DIRECT(s_id)
DIRECT(s_di)
DIRECT(s_i2)
DIRECT(s_f2)
DIRECT(s_b3)
DIRECT(s_l3)
DIRECT(s_l6)
DIRECT(s_l8)
DIRECT(s_l9)

struct shape {
  const char *sig;
  vfn fn;
  size_t size;
  void (*direct)(int64_t k, void *out);
};

static const struct shape shapes[] = {
    SHAPE(s_ii, "(i64) -> {i64, i64}"),
    SHAPE(s_dd, "(i64) -> {f64, f64}"),
    SHAPE(s_id, "(i64) -> {i64, f64}"),
    SHAPE(s_di, "(i64) -> {f64, i64}"),
    SHAPE(s_i2, "(i64) -> {i32, i32}"),
    SHAPE(s_f2, "(i64) -> {f32, f32}"),
    SHAPE(s_b3, "(i64) -> {u8, u8, u8}"),
    SHAPE(s_l3, "(i64) -> {i64, i64, i64}"),
    SHAPE(s_l6, "(i64) -> {i64, i64, i64, i64, i64, i64}"),
    SHAPE(s_l8, "(i64) -> {i64, i64, i64, i64, i64, i64, i64, i64}"),
    SHAPE(s_l9, "(i64) -> {i64, i64, i64, i64, i64, i64, i64, i64, i64}"),
};
#define NSHAPES (sizeof shapes / sizeof *shapes)
#define SI_SIG "(i64) -> {str, i32}"

/* ---- helpers ------------------------------------------------------------- */

static rt_fn *fn_new(vfn f, const char *sig)
{
  rt_fn *fn = NULL;
  if (rt_fn_new(f, sig, &fn) != 0)
    fail_msg("rt_fn_new '%s': %s", sig, rt_last_error());
  return fn;
}

static void *nothing(void *arg) { return arg; }

/* A thread made and joined, so that the C library's lazily made state for
 * threads exists before a count of live blocks (it is on the runtime heap
 * when libruntime-malloc.so is preloaded). */
static void warm_threads(void)
{
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, nothing, NULL), 0);
  assert_int_equal(pthread_join(t, NULL), 0);
}

/* Whether malloc() is the runtime heap (libruntime-malloc.so preloaded). */
static bool malloc_is_heap(void)
{
  const char *pre = getenv("LD_PRELOAD");
  return pre && strstr(pre, "libruntime-malloc") != NULL;
}

static size_t live_blocks(void)
{
  struct rt_heap_stats st;
  assert_int_equal(rt_heap_stats(&st), 0);
  return st.live_blocks;
}

/* Whether the heap tells a tool of every block (then the cache of result
 * blocks steps aside and nothing is reused). */
static bool tools_on(void)
{
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#endif
#endif
#ifdef RUNNING_ON_VALGRIND
  if (RUNNING_ON_VALGRIND)
    return true;
#endif
  return false;
}

/* A result of shape I for K: NULL if right, else what is wrong. */
static const char *check_result(size_t i, int64_t k, const rt_value *r)
{
  unsigned char want[128];
  if (r->kind != RT_TYPE_STRUCT || !(r->flags & RT_VALUE_OWNED) || !r->v.agg)
    return "not an owned struct value";
  if (!rt_heap_owns(r->v.agg))
    return "storage is not a live heap block";
  shapes[i].direct(k, want);
  if (memcmp(want, r->v.agg, shapes[i].size) != 0)
    return "bytes differ from the direct call";
  return NULL;
}

static const char *check_si(int64_t k, const rt_value *r)
{
  const struct s_si *m = r->v.agg;
  if (r->kind != RT_TYPE_STRUCT || !(r->flags & RT_VALUE_OWNED))
    return "str-member struct not owned";
  if (!m->s || strcmp(m->s, "member") != 0 || m->n != (int32_t)k)
    return "str-member struct has the wrong members";
  if (!rt_heap_owns(m->s))
    return "str member is not a live heap block";
  return NULL;
}

/* ---- every class, returned on one thread and cleared on another --------- */

#define PER_SHAPE 24
#define NPATHS 2

struct handoff {
  rt_fn *fns[NPATHS][NSHAPES + 1]; /* the last: SI_SIG */
  rt_value vals[NPATHS][NSHAPES + 1][PER_SHAPE];
  const char *bad;
};

static int64_t key_of(size_t p, size_t i, int j)
{
  return (int64_t)(p * 100000 + i * 1000 + (size_t)j) - 5000;
}

static void *producer(void *arg)
{
  struct handoff *h = arg;
  for (size_t p = 0; p < NPATHS; p++)
    for (size_t i = 0; i <= NSHAPES; i++)
      for (int j = 0; j < PER_SHAPE && !h->bad; j++) {
        rt_value a = {RT_TYPE_I64, 0, {.i64 = key_of(p, i, j)}};
        if (rt_call(h->fns[p][i], &a, 1, &h->vals[p][i][j]) != 0)
          h->bad = "rt_call failed on the producer";
      }
  return NULL;
}

/* Check and clear the producer's results, then call every shape again
 * (taking the blocks just given back) and check and clear those. */
static void *consumer(void *arg)
{
  struct handoff *h = arg;
  for (size_t p = 0; p < NPATHS; p++)
    for (size_t i = 0; i <= NSHAPES; i++)
      for (int j = 0; j < PER_SHAPE && !h->bad; j++) {
        rt_value *v = &h->vals[p][i][j];
        int64_t k = key_of(p, i, j);
        h->bad = i < NSHAPES ? check_result(i, k, v) : check_si(k, v);
        rt_value_clear(v);
        if (v->kind != RT_TYPE_VOID || v->flags != 0 || v->v.u64 != 0)
          h->bad = "rt_value_clear did not reset the value";
      }
  for (int round = 0; round < 3 && !h->bad; round++)
    for (size_t p = 0; p < NPATHS; p++)
      for (size_t i = 0; i <= NSHAPES && !h->bad; i++) {
        rt_value a = {RT_TYPE_I64, 0, {.i64 = -round - 1}}, r;
        if (rt_call(h->fns[p][i], &a, 1, &r) != 0) {
          h->bad = "rt_call failed on the consumer";
          break;
        }
        h->bad = i < NSHAPES ? check_result(i, -round - 1, &r)
                             : check_si(-round - 1, &r);
        rt_value_clear(&r);
      }
  return NULL;
}

static void test_classes_across_threads(void **state)
{
  (void)state;
  struct handoff *h = calloc(1, sizeof *h);
  assert_non_null(h);
  for (size_t p = 0; p < NPATHS; p++) {
    call_path_use(p == 0);
    for (size_t i = 0; i < NSHAPES; i++)
      h->fns[p][i] = fn_new(shapes[i].fn, shapes[i].sig);
    h->fns[p][NSHAPES] = fn_new((vfn)r_si, SI_SIG);
  }
  call_path_use(true);
  warm_threads();
  size_t before = live_blocks();
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, producer, h), 0);
  assert_int_equal(pthread_join(t, NULL), 0);
  if (h->bad)
    fail_msg("%s", h->bad);
  assert_true(live_blocks() > before);
  assert_int_equal(pthread_create(&t, NULL, consumer, h), 0);
  assert_int_equal(pthread_join(t, NULL), 0);
  if (h->bad)
    fail_msg("%s", h->bad);
  /* Both threads have exited: whatever their caches held is freed. */
  assert_int_equal(live_blocks(), before);
  for (size_t p = 0; p < NPATHS; p++)
    for (size_t i = 0; i <= NSHAPES; i++)
      rt_fn_free(h->fns[p][i]);
  free(h);
}

/* ---- the cache on one thread ---------------------------------------------- */

struct reuse {
  rt_fn *fn;
  bool fast;
  const char *bad;
};

static void *reuse_thread(void *arg)
{
  struct reuse *u = arg;
  rt_value a = {RT_TYPE_I64, 0, {.i64 = 7}}, r, many[12];
  if (rt_call(u->fn, &a, 1, &r) != 0) {
    u->bad = "first call failed";
    return NULL;
  }
  if ((u->bad = check_result(1, 7, &r)) != NULL)
    return NULL;
  void *first = r.v.agg;
  rt_value_clear(&r);
  if (rt_call(u->fn, &a, 1, &r) != 0) {
    u->bad = "second call failed";
    return NULL;
  }
  if ((u->bad = check_result(1, 7, &r)) != NULL)
    return NULL;
  /* The block just given back is taken again (unless a tool watches). */
  if (!tools_on() && r.v.agg != first)
    u->bad = "the cleared result's block was not reused";
  rt_value_clear(&r);
  /* More live results than the cache holds, cleared in turn: the extra
   * ones are freed (the live-block count in the caller checks it). */
  for (int i = 0; i < 12 && !u->bad; i++) {
    a.v.i64 = i;
    if (rt_call(u->fn, &a, 1, &many[i]) != 0)
      u->bad = "call failed";
  }
  for (int i = 0; i < 12 && !u->bad; i++) {
    u->bad = check_result(1, i, &many[i]);
    rt_value_clear(&many[i]);
  }
  /* The caller may take the block over: clear the flag, free it itself. */
  if (!u->bad && rt_call(u->fn, &a, 1, &r) == 0) {
    void *mine = r.v.agg;
    r.flags = 0;
    rt_value_clear(&r);
    if (!rt_heap_owns(mine))
      u->bad = "a taken-over block is not live";
    rt_free(mine);
    if (rt_heap_owns(mine))
      u->bad = "a freed taken-over block is still live";
  }
  return NULL;
}

static void run_reuse(bool fast)
{
  call_path_use(fast);
  struct reuse u = {fn_new(shapes[1].fn, shapes[1].sig), fast, NULL};
  size_t before = live_blocks();
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, reuse_thread, &u), 0);
  assert_int_equal(pthread_join(t, NULL), 0);
  if (u.bad)
    fail_msg("%s path: %s", fast ? "fast" : "libffi", u.bad);
  assert_int_equal(live_blocks(), before);
  rt_fn_free(u.fn);
  call_path_use(true);
}

static void test_reuse_fast(void **state) { (void)state; run_reuse(true); }
static void test_reuse_ffi(void **state) { (void)state; run_reuse(false); }

/* A struct result when no storage can be had: RT_ENOMEM, the function
 * not called, RET untouched, even with blocks in the thread's cache. */
static void run_enomem(bool fast)
{
  call_path_use(fast);
  for (size_t i = 0; i < NSHAPES; i++) {
    rt_fn *fn = fn_new(shapes[i].fn, shapes[i].sig);
    rt_value a = {RT_TYPE_I64, 0, {.i64 = 3}}, r;
    assert_int_equal(rt_call(fn, &a, 1, &r), 0); /* the cache warms */
    rt_value_clear(&r);
    r = (rt_value){RT_TYPE_U8, 0, {.u8 = 9}};
    rt_heap_fail_after(0);
    int rc = rt_call(fn, &a, 1, &r);
    rt_heap_fail_after(-1);
    assert_int_equal(rc, RT_ENOMEM);
    assert_non_null(strstr(rt_last_error(), "struct result"));
    assert_int_equal(r.kind, RT_TYPE_U8);
    assert_int_equal(r.v.u8, 9);
    assert_int_equal(rt_call(fn, &a, 1, &r), 0);
    assert_null(check_result(i, 3, &r));
    rt_value_clear(&r);
    rt_fn_free(fn);
  }
  call_path_use(true);
}

static void test_enomem_fast(void **state) { (void)state; run_enomem(true); }
static void test_enomem_ffi(void **state) { (void)state; run_enomem(false); }

/* A thread's own destructor (its key made after the cache's, so it runs
 * after the cache is emptied) still calls and clears: nothing is kept. */
static pthread_key_t late_key;
static rt_fn *late_fn;
static const char *late_bad;

static void late_destructor(void *arg)
{
  (void)arg;
  for (int i = 0; i < 8 && !late_bad; i++) {
    rt_value a = {RT_TYPE_I64, 0, {.i64 = i}}, r;
    if (rt_call(late_fn, &a, 1, &r) != 0)
      late_bad = "call in a destructor failed";
    else
      late_bad = check_result(0, i, &r);
    rt_value_clear(&r);
  }
}

static void *late_thread(void *arg)
{
  (void)arg;
  rt_value a = {RT_TYPE_I64, 0, {.i64 = 1}}, r;
  if (rt_call(late_fn, &a, 1, &r) != 0)
    late_bad = "call failed";
  rt_value_clear(&r); /* the cache now holds a block */
  pthread_setspecific(late_key, (void *)1);
  return NULL;
}

static void test_calls_after_thread_exit(void **state)
{
  (void)state;
  late_fn = fn_new(shapes[0].fn, shapes[0].sig);
  assert_int_equal(pthread_key_create(&late_key, late_destructor), 0);
  size_t before = live_blocks();
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, late_thread, NULL), 0);
  assert_int_equal(pthread_join(t, NULL), 0);
  if (late_bad)
    fail_msg("%s", late_bad);
  assert_int_equal(live_blocks(), before);
  pthread_key_delete(late_key);
  rt_fn_free(late_fn);
}

/* A result cleared twice (through a copy of the value) aborts with a
 * message naming the mistake: the cache's check while the block is in
 * it, the heap's double-free check when the cache steps aside. */
static void clear_twice(void)
{
  rt_fn *fn = fn_new(shapes[0].fn, shapes[0].sig);
  rt_value a = {RT_TYPE_I64, 0, {.i64 = 1}}, r;
  if (rt_call(fn, &a, 1, &r) != 0)
    _exit(3);
  rt_value copy = r;
  rt_value_clear(&r);
  rt_value_clear(&copy);
  _exit(0);
}

static void test_double_clear_aborts(void **state)
{
  (void)state;
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  fflush(stdout);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    signal(SIGABRT, SIG_DFL);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    clear_twice();
  }
  close(fds[1]);
  char err[2048];
  size_t got = 0;
  ssize_t n;
  while (got < sizeof err - 1 &&
         (n = read(fds[0], err + got, sizeof err - 1 - got)) > 0)
    got += (size_t)n;
  err[got] = '\0';
  close(fds[0]);
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFSIGNALED(status));
  assert_int_equal(WTERMSIG(status), SIGABRT);
  const char *want = tools_on() ? "double free" : "was already released";
  if (strstr(err, want) == NULL)
    fail_msg("expected \"%s\" on stderr, got \"%s\"", want, err);
}

/* ---- rt_heap_owns: exact on every block size class kind ----------------- */

static void *free_on_thread(void *p)
{
  rt_free(p);
  return NULL;
}

static void test_owns_exact(void **state)
{
  (void)state;
  static const size_t sizes[] = {16, 24, 64, 128, 200, 512, 4000, 8192,
                                 20000, 131072, 1 << 20};
  int local;
  void *m = malloc(64);
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    size_t n = sizes[i];
    char *p = rt_alloc(n), *q = rt_alloc(n);
    assert_non_null(p);
    assert_non_null(q);
    assert_true(rt_heap_owns(p));
    assert_true(rt_heap_owns(q));
    assert_false(rt_heap_owns(p + 1));
    assert_false(rt_heap_owns(p + 8));
    assert_false(rt_heap_owns(p + n / 2));
    assert_false(rt_heap_owns(p + n - 1));
    rt_free(p);
    assert_false(rt_heap_owns(p)); /* freed by its owner */
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, free_on_thread, q), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_false(rt_heap_owns(q)); /* freed by another thread */
  }
  assert_false(rt_heap_owns(&local));
  if (!malloc_is_heap())
    assert_false(rt_heap_owns(m));
  assert_false(rt_heap_owns((void *)test_owns_exact));
  assert_false(rt_heap_owns(shapes));
  assert_false(rt_heap_owns(NULL));
  free(m);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_classes_across_threads),
      cmocka_unit_test(test_reuse_fast),
      cmocka_unit_test(test_reuse_ffi),
      cmocka_unit_test(test_enomem_fast),
      cmocka_unit_test(test_enomem_ffi),
      cmocka_unit_test(test_calls_after_thread_exit),
      cmocka_unit_test(test_double_clear_aborts),
      cmocka_unit_test(test_owns_exact),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
