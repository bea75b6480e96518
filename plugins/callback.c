/*
 * callback — functions that call back into their caller through a function
 * pointer.  rthost passes its built-in callbacks for the ptr argument
 * (@square, @negate, @trace: rt_closure function pointers of type
 * (i32) -> i32 made at run time); a C host passes any function of type
 * int32_t (*)(int32_t).
 */
#include <runtime.h>

typedef int32_t (*i32_fn)(int32_t);

/* The ptr argument arrives as data; turn it back into code. */
static i32_fn as_fn(void *p, const char *who)
{
  i32_fn fn = NULL;
  if (p == NULL)
    rt_set_error(RT_EINVAL,
                 "%s: the callback is NULL; pass a function of "
                 "type (i32) -> i32, e.g. rthost's @square",
                 who);
  else
    __builtin_memcpy(&fn, &p, sizeof fn);
  return fn;
}

static int32_t apply(void *fn, int32_t x)
{
  i32_fn f = as_fn(fn, "apply");
  return f != NULL ? f(x) : 0;
}

static int32_t twice(void *fn, int32_t x)
{
  i32_fn f = as_fn(fn, "twice");
  return f != NULL ? f(f(x)) : 0;
}

static int64_t sum(void *fn, int32_t n)
{
  i32_fn f = as_fn(fn, "sum");
  int64_t total = 0;
  for (int32_t i = 1; f != NULL && i <= n; i++)
    total += f(i);
  return total;
}

RT_PLUGIN("callback", "1.0.0", "Calls back through a function pointer",
          RT_EXPORT(apply, "(ptr, i32) -> i32", "fn(x)"),
          RT_EXPORT(twice, "(ptr, i32) -> i32", "fn(fn(x))"),
          RT_EXPORT(sum, "(ptr, i32) -> i64", "fn(1) + fn(2) + ... + fn(n)"));
