/* test_call_threads.c — 8 threads preparing signatures, calling, making
 * closures and converting values at once, sharing one signature and one
 * function between them; and the ABI matrix of test_call_abi (stack
 * arguments, mixed-class structs, results in memory) called from 4
 * threads at once through shared functions, fast path and libffi alike
 * (run under TSan by `make check-threads`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_call_abi_targets.h"
#include "test_call_targets.h"

#define NTHREADS 8
#define ROUNDS 40

static rt_sig *shared_sig;  /* "(i64, ..., i64) -> u64", 6 arguments */
static rt_fn *shared_fn;

static int forward(const rt_sig *sig, const rt_value *a, size_t n,
                   rt_value *ret, void *ud)
{
  (void)sig;
  return rt_call(ud, a, n, ret);
}

/* One round of thread T: returns a description of the first mismatch. */
static const char *round_trip(int t, int r)
{
  enum tt_family f = (enum tt_family)((t + r) % TT_NFAMILIES);
  int n = (t * 7 + r) % TT_MAX_ARITY + 1;
  const struct tt_family_info *fam = &tt_families[f];
  char *text = tt_family_sig(f, n);
  rt_fn *fn = NULL;
  if (rt_fn_new(fam->fn[n], text, &fn) != 0)
    return "rt_fn_new failed";
  rt_value vals[TT_MAX_ARITY], ret;
  tt_family_values(f, n, vals);
  uint64_t want = fam->call[n](fam->fn[n], vals);
  const char *bad = NULL;
  size_t rsize = rt_type_size(rt_sig_ret(rt_fn_sig(fn)));
  uint64_t got = 0;
  if (rt_call(fn, vals, (size_t)n, &ret) != 0)
    bad = "rt_call failed";
  memcpy(&got, &ret.v, rsize);
  if (!bad && got != want)
    bad = "rt_call result differs from the C call";
  vfn fp;
  rt_closure *c = NULL;
  if (!bad && rt_closure_new(rt_fn_sig(fn), forward, fn, &c, &fp) != 0)
    bad = "rt_closure_new failed";
  if (!bad && fam->call[n](fp, vals) != want)
    bad = "closure result differs from the C call";
  rt_closure_free(c);
  rt_fn_free(fn);
  rt_free(text);
  return bad;
}

static const char *shared_calls(int t)
{
  rt_fn *mine = NULL;
  if (rt_fn_new_sig(tt_families[TT_I64].fn[6], shared_sig, &mine) != 0)
    return "rt_fn_new_sig failed";
  rt_value vals[6], ret;
  tt_family_values(TT_I64, 6, vals);
  vals[0].v.i64 = t;
  uint64_t want = tt_families[TT_I64].call[6](tt_families[TT_I64].fn[6], vals);
  const char *bad = NULL;
  for (int i = 0; i < 50 && !bad; i++) {
    if (rt_call(i % 2 ? mine : shared_fn, vals, 6, &ret) != 0 ||
        ret.v.u64 != want)
      bad = "shared function gives a wrong result";
  }
  rt_fn_free(mine);
  return bad;
}

static const char *values(int t)
{
  const rt_type *st = rt_sig_arg(shared_sig, 0);
  char text[32];
  snprintf(text, sizeof text, "%d", -t * 1000);
  rt_value v;
  if (rt_value_parse(st, text, &v) != 0)
    return "rt_value_parse failed";
  rt_buf b = RT_BUF_INIT;
  const char *bad = NULL;
  if (rt_value_format(st, &v, &b) != 0 || strcmp(b.data, text) != 0)
    bad = "value does not round-trip";
  rt_buf_free(&b);
  return bad;
}

static void *worker(void *arg)
{
  int t = (int)(intptr_t)arg;
  const char *bad = NULL;
  for (int r = 0; r < ROUNDS && !bad; r++) {
    bad = round_trip(t, r);
    if (!bad)
      bad = shared_calls(t);
    if (!bad)
      bad = values(t);
  }
  return (void *)bad;
}

static void test_concurrent_calls(void **state)
{
  (void)state;
  char *text = tt_family_sig(TT_I64, 6);
  assert_int_equal(rt_sig_parse(text, &shared_sig), 0);
  assert_int_equal(rt_fn_new_sig(tt_families[TT_I64].fn[6], shared_sig,
                                 &shared_fn),
                   0);
  rt_free(text);
  pthread_t th[NTHREADS];
  for (int i = 0; i < NTHREADS; i++)
    assert_int_equal(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i),
                     0);
  for (int i = 0; i < NTHREADS; i++) {
    void *res;
    assert_int_equal(pthread_join(th[i], &res), 0);
    if (res)
      fail_msg("thread %d: %s", i, (const char *)res);
  }
  rt_fn_free(shared_fn);
  rt_sig_free(shared_sig);
}

/* ---- the ABI matrix, shared between threads -------------------------- */

#define ABI_THREADS 4
#define ABI_ROUNDS 25

/* One case made both ways: the two functions (fast path, libffi), their
 * arguments and the bits of the direct C call. */
struct abi_shared {
  rt_fn *fn[2];
  rt_value args[2][AT_MAX_ARGS];
  size_t nargs, size;
  unsigned char want[128];
};
static struct abi_shared *abi;

static void abi_prepare(void)
{
  abi = test_calloc(at_ncases, sizeof *abi);
  for (size_t i = 0; i < at_ncases; i++) {
    const struct at_case *c = &at_cases[i];
    for (int p = 0; p < 2; p++) {
      call_path_use(p == 0);
      if (rt_fn_new(c->fn, c->sig, &abi[i].fn[p]) != 0)
        fail_msg("rt_fn_new '%s': %s", c->sig, rt_last_error());
      const rt_sig *s = rt_fn_sig(abi[i].fn[p]);
      abi[i].nargs = rt_sig_nargs(s);
      abi[i].size = rt_type_size(rt_sig_ret(s));
      for (size_t k = 0; k < abi[i].nargs; k++)
        if (rt_value_parse(rt_sig_arg(s, k), c->args[k], &abi[i].args[p][k]))
          fail_msg("%s: argument %zu: %s", c->sig, k + 1, rt_last_error());
    }
    call_path_use(true);
    assert_false(rt_sig_fastpath(rt_fn_sig(abi[i].fn[1])));
    c->direct(abi[i].args[0], abi[i].want);
  }
}

static void *abi_worker(void *arg)
{
  int t = (int)(intptr_t)arg;
  for (int r = 0; r < ABI_ROUNDS; r++) {
    for (size_t i = 0; i < at_ncases; i++) {
      struct abi_shared *a = &abi[(i + (size_t)t) % at_ncases];
      int p = (r + t) & 1;
      rt_value ret;
      if (rt_call(a->fn[p], a->args[p], a->nargs, &ret) != 0)
        return (void *)"rt_call failed";
      const void *got =
          ret.kind == RT_TYPE_STRUCT ? ret.v.agg : (const void *)&ret.v;
      bool same = memcmp(got, a->want, a->size) == 0;
      rt_value_clear(&ret);
      if (!same)
        return (void *)(p ? "libffi path gives other bits than the C call"
                          : "fast path gives other bits than the C call");
    }
  }
  return NULL;
}

static void test_abi_matrix_concurrent(void **state)
{
  (void)state;
  abi_prepare();
  pthread_t th[ABI_THREADS];
  for (int i = 0; i < ABI_THREADS; i++)
    assert_int_equal(
        pthread_create(&th[i], NULL, abi_worker, (void *)(intptr_t)i), 0);
  for (int i = 0; i < ABI_THREADS; i++) {
    void *res;
    assert_int_equal(pthread_join(th[i], &res), 0);
    if (res)
      fail_msg("thread %d: %s", i, (const char *)res);
  }
  for (size_t i = 0; i < at_ncases; i++)
    for (int p = 0; p < 2; p++) {
      for (size_t k = 0; k < abi[i].nargs; k++)
        rt_value_clear(&abi[i].args[p][k]);
      rt_fn_free(abi[i].fn[p]);
    }
  test_free(abi);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_concurrent_calls),
      cmocka_unit_test(test_abi_matrix_concurrent),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
