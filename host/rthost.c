/* rthost — the command-line host of libruntime. */
#include <runtime.h>

#include <stdio.h>
#include <string.h>

static int usage(FILE *out, int status)
{
  fprintf(out,
          "usage: rthost [--help] [--version]\n"
          "\n"
          "rthost loads libruntime plugins and calls their functions.\n"
          "Every plugin and the host share one libruntime.so: one heap,\n"
          "one IO layer, one DNS cache.\n");
  return status;
}

int main(int argc, char **argv)
{
  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    printf("rthost (libruntime) %s, plugin ABI %u.%u\n", rt_version_string(),
           rt_abi_version() >> 16, rt_abi_version() & 0xffff);
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "--help") == 0)
    return usage(stdout, 0);
  return usage(stderr, 2);
}
