/* bigtls.c — a test plugin with more initial-exec thread-local storage
 * than glibc keeps for libraries loaded with dlopen(): the dynamic loader
 * refuses it with "cannot allocate memory in static TLS block", which is
 * not a shortage of memory (test_module, tests/host/oom.sh). */
#include <runtime.h>

static __thread char scratch[8192] __attribute__((tls_model("initial-exec")));

static int32_t touch(int32_t i)
{
  scratch[i & 8191] = 1;
  return scratch[0] + i;
}

RT_PLUGIN("bigtls", "1.0.0", "Eight KiB of initial-exec TLS",
          RT_EXPORT(touch, "(i32) -> i32", "writes one byte"));
