/*
 * ctor.c — test plugins whose ELF constructor misbehaves, for `rthost
 * check` (which must run the load stage in a child).  Built four times:
 * CTOR_KIND 1 segfaults, 2 aborts, 3 calls exit(3), 4 hangs.
 */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <runtime.h>

__attribute__((constructor)) static void misbehave(void)
{
  rt_puts(rt_stdout(), "constructor ran\n");
  switch (CTOR_KIND) {
  case 1:
    raise(SIGSEGV);
    break;
  case 2:
    abort();
  case 3:
    exit(3);
  default:
    for (;;)
      pause();
  }
}

static int32_t one(void)
{
  return 1;
}

RT_PLUGIN(CTOR_NAME, "1.0", "Misbehaves when loaded",
          RT_EXPORT(one, "() -> i32", "1"));
