/* unresolved.c — a test plugin using a function that nothing defines:
 * dlopen(RTLD_NOW) must refuse it. */
#include <runtime.h>

int32_t rt_test_no_such_function(int32_t);

static int32_t use(int32_t x) { return rt_test_no_such_function(x); }

RT_PLUGIN("unresolved", "1.0", "Needs a missing symbol",
          RT_EXPORT(use, "(i32) -> i32", "calls a function nobody defines"));
