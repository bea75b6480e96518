/*
 * test_faults.c — fault injection across the library.
 *
 * Each representative operation runs with the heap's fault switch failing
 * allocation 0, then 1, 2, ... until the operation succeeds (as libexpat's
 * allocation tests do).  Every failed run must return a negative status
 * with a detail message, and leave exactly as many live heap blocks as
 * before it: a clean error, no leak, no crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <runtime.h>

#define MAX_STEPS 5000

typedef int (*op_fn)(void);

static size_t live_blocks(void)
{
  struct rt_heap_stats st;
  assert_int_equal(rt_heap_stats(&st), 0);
  return st.live_blocks;
}

/* Run OP failing the k-th allocation for k = 0, 1, ... until it succeeds;
 * returns how many runs failed. */
static long sweep(const char *name, op_fn op)
{
  assert_int_equal(op(), 0); /* warm up lazily created state */
  for (long k = 0; k < MAX_STEPS; k++) {
    size_t before = live_blocks();
    rt_clear_error();
    rt_heap_fail_after(k);
    int rc = op();
    rt_heap_fail_after(-1);
    size_t after = live_blocks();
    if (after != before)
      fail_msg("%s, allocation %ld failing: %zu live blocks before, %zu "
               "after (status %d: %s)", name, k, before, after, rc,
               rt_last_error());
    if (rc == 0)
      return k;
    if (rc > 0 || rt_last_error()[0] == '\0')
      fail_msg("%s, allocation %ld failing: status %d without a message",
               name, k, rc);
    if (rc != RT_ENOMEM && strstr(rt_last_error(), "memory") == NULL)
      fail_msg("%s, allocation %ld failing: %s (%s) does not say memory ran "
               "out", name, k, rt_err_name(rc), rt_last_error());
  }
  fail_msg("%s still fails after %d injected faults", name, MAX_STEPS);
  return -1;
}

static int op_sig(void)
{
  rt_sig *sig = NULL;
  int rc = rt_sig_parse("({i32, {f64, u8}}, str, ptr, i64) -> {f32, f32}",
                        &sig);
  rt_sig_free(sig);
  return rc;
}

static char *upper(const char *s)
{
  char *r = rt_strdup(s);
  for (char *p = r; p && *p; p++)
    *p = (char)toupper((unsigned char)*p);
  return r;
}

static int op_call_str(void)
{
  rt_fn *fn = NULL;
  int rc = rt_fn_new((void (*)(void))upper, "(str) -> str", &fn);
  if (rc < 0)
    return rc;
  rt_value arg = RT_VALUE_INIT, ret = RT_VALUE_INIT;
  rc = rt_value_parse(rt_sig_arg(rt_fn_sig(fn), 0), "shout", &arg);
  if (rc == 0)
    rc = rt_call(fn, &arg, 1, &ret);
  if (rc == 0 && ret.v.owned_str == NULL)
    rc = rt_set_error(RT_ENOMEM, "upper: out of memory");
  rt_value_clear(&arg);
  rt_value_clear(&ret);
  rt_fn_free(fn);
  return rc;
}

static int op_struct_text(void)
{
  rt_sig *sig = NULL;
  int rc = rt_sig_parse("({{i32, i32}, f64}) -> void", &sig);
  if (rc < 0)
    return rc;
  rt_value v = RT_VALUE_INIT;
  rt_buf text = RT_BUF_INIT;
  rc = rt_value_parse(rt_sig_arg(sig, 0), "{{1,2},3.5}", &v);
  if (rc == 0)
    rc = rt_value_format(rt_sig_arg(sig, 0), &v, &text);
  if (rc == 0 && strcmp(rt_buf_cstr(&text), "{{1, 2}, 3.5}") != 0)
    fail_msg("struct printed as '%s'", rt_buf_cstr(&text));
  rt_buf_free(&text);
  rt_value_clear(&v);
  rt_sig_free(sig);
  return rc;
}

static int add_handler(const rt_sig *sig, const rt_value *args, size_t n,
                       rt_value *ret, void *userdata)
{
  ret->kind = RT_TYPE_I32;
  ret->v.i32 = args[0].v.i32 + args[1].v.i32;
  return 0;
}

static int op_closure(void)
{
  rt_sig *sig = NULL;
  rt_closure *cl = NULL;
  void (*fp)(void) = NULL;
  int rc = rt_sig_parse("(i32, i32) -> i32", &sig);
  if (rc == 0)
    rc = rt_closure_new(sig, add_handler, NULL, &cl, &fp);
  if (rc == 0 && ((int32_t(*)(int32_t, int32_t))fp)(2, 3) != 5)
    fail_msg("closure returned the wrong sum");
  rt_closure_free(cl);
  rt_sig_free(sig);
  return rc;
}

static int op_memory_stream(void)
{
  rt_stream *s = NULL;
  int rc = rt_stream_memory(&s);
  if (rc < 0)
    return rc;
  for (int i = 0; i < 2000 && rc >= 0; i++)
    rc = rt_printf(s, "key=%d %s\n", i, "value");
  int rc2 = rt_stream_close(s);
  return rc < 0 ? rc : rc2;
}

static int op_file_roundtrip(void)
{
  char path[128];
  snprintf(path, sizeof path, "%s/file", tmpdir);
  rt_stream *s = NULL;
  int rc = rt_stream_open(path, "w", &s);
  if (rc < 0)
    return rc;
  rc = rt_puts(s, "line one\nline two\n");
  int rc2 = rt_stream_close(s);
  if (rc < 0 || rc2 < 0)
    return rc < 0 ? rc : rc2;
  rt_buf all = RT_BUF_INIT;
  rc = rt_file_read_all(path, &all);
  if (rc == 0 && strcmp(rt_buf_cstr(&all), "line one\nline two\n") != 0)
    fail_msg("read back '%s'", rt_buf_cstr(&all));
  rt_buf_free(&all);
  return rc;
}

static int op_replace_and_list(void)
{
  char path[128];
  snprintf(path, sizeof path, "%s/replaced", tmpdir);
  int rc = rt_file_replace(path, "new\n", 4, 0644);
  if (rc < 0)
    return rc;
  char **names = NULL;
  size_t n = 0;
  rc = rt_dir_list(tmpdir, &names, &n);
  if (rc == 0)
    rt_dir_list_free(names, n);
  return rc;
}

static int op_resolve(void)
{
  rt_addrlist *list = NULL;
  int rc = rt_resolve("localhost", "80", 0, &list);
  if (rc == 0) {
    char text[RT_ADDR_STRLEN];
    socklen_t len = 0;
    const struct sockaddr *sa = rt_addrlist_get(list, 0, &len);
    rc = rt_addr_format(sa, len, text, sizeof text);
    rc = rc < 0 ? rc : 0;
  }
  rt_addrlist_free(list);
  rt_resolve_cache_flush(); /* the cache's own entries are not a leak */
  return rc;
}

#define SWEEP_TEST(op)                                                        \
  static void test_##op(void **state)                                         \
  {                                                                           \
    (void)state;                                                              \
    long failures = sweep(#op, op);                                           \
    print_message("# %s: %ld injected failures, each a clean error\n", #op,   \
                  failures);                                                  \
  }

SWEEP_TEST(op_sig)
SWEEP_TEST(op_call_str)
SWEEP_TEST(op_struct_text)
SWEEP_TEST(op_closure)
SWEEP_TEST(op_memory_stream)
SWEEP_TEST(op_file_roundtrip)
SWEEP_TEST(op_replace_and_list)
SWEEP_TEST(op_resolve)

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_op_sig),
      cmocka_unit_test(test_op_call_str),
      cmocka_unit_test(test_op_struct_text),
      cmocka_unit_test(test_op_closure),
      cmocka_unit_test(test_op_memory_stream),
      cmocka_unit_test(test_op_file_roundtrip),
      cmocka_unit_test(test_op_replace_and_list),
      cmocka_unit_test(test_op_resolve),
  };
  return cmocka_run_group_tests(tests, tmpdir_make, tmpdir_remove);
}
