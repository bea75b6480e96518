/* heap_tooling.c — driven by tests/tools/heap_valgrind.sh under valgrind: the
 * runtime heap must show its blocks to memcheck, so that a use after
 * free, a read of uninitialised memory and a leak are all reported. */
#include <runtime.h>
#include <stdio.h>
#include <string.h>

/* Out of line, so that no register or stack slot of main() still holds
 * the pointer when the leak check runs. */
__attribute__((noinline)) static void leak(void)
{
  char *p = rt_alloc(77);
  memset(p, 1, 77);
}

__attribute__((noinline)) static void scrub_stack(void)
{
  volatile char buf[4096];
  memset((char *)buf, 0, sizeof buf);
}

int main(void)
{
  char *p = rt_alloc(32);
  p[0] = 1;
  rt_free(p);
  volatile char c = p[3]; /* use after free */
  (void)c;
  char *u = rt_alloc(24);
  if (u[5] == 42) /* uninitialised */
    puts("42");
  rt_free(u);
  leak();
  scrub_stack();
  return 0;
}
