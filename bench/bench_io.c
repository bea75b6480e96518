/* bench_io.c — rt_printf against fprintf, and rt_write of a preformatted
 * line against fputs: 10M lines "key=%d\n" to /dev/null and to a file,
 * in the same run.  A ratio > 1 means libruntime is faster. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <runtime.h>

#define LINES 10000000

static double now_s(void) { return (double)rt_clock_mono_ns() / 1e9; }

static void check(int rc, const char *what)
{
  if (rc < 0) {
    fprintf(stderr, "bench_io: %s: %s\n", what, rt_last_error());
    exit(1);
  }
}

/* Each file run writes a new file: reusing one would truncate it, and
 * ext4 flushes a file truncated to zero and written again when it is
 * closed (auto_da_alloc), which puts a write-out of the whole file, with
 * all its swings, inside the timed close of both contenders. */
static void fresh(const char *path)
{
  if (strcmp(path, "/dev/null") != 0 && unlink(path) != 0 && errno != ENOENT)
    check(-errno, path);
}

static double rt_printf_run(const char *path)
{
  fresh(path);
  rt_stream *s;
  check(rt_stream_open(path, "w", &s), path);
  double t = now_s();
  for (int i = 0; i < LINES; i++)
    if (rt_printf(s, "key=%d\n", i) < 0)
      check(-1, "rt_printf");
  check(rt_stream_close(s), "close");
  return now_s() - t;
}

static double fprintf_run(const char *path)
{
  fresh(path);
  FILE *f = fopen(path, "w");
  if (f == NULL)
    check(RT_EIO, path);
  double t = now_s();
  for (int i = 0; i < LINES; i++)
    if (fprintf(f, "key=%d\n", i) < 0)
      check(-1, "fprintf");
  if (fclose(f) != 0)
    check(-1, "fclose");
  return now_s() - t;
}

static const char line[] = "key=1234567\n";

static double rt_write_run(const char *path)
{
  fresh(path);
  rt_stream *s;
  check(rt_stream_open(path, "w", &s), path);
  double t = now_s();
  for (int i = 0; i < LINES; i++)
    if (rt_write(s, line, sizeof line - 1) < 0)
      check(-1, "rt_write");
  check(rt_stream_close(s), "close");
  return now_s() - t;
}

static double fputs_run(const char *path)
{
  fresh(path);
  FILE *f = fopen(path, "w");
  if (f == NULL)
    check(RT_EIO, path);
  double t = now_s();
  for (int i = 0; i < LINES; i++)
    if (fputs(line, f) < 0)
      check(-1, "fputs");
  if (fclose(f) != 0)
    check(-1, "fclose");
  return now_s() - t;
}

/* Best of ROUNDS runs of each, alternating, to damp the noise of a shared
 * machine: the file runs swing most, with the kernel's page-cache work. */
#define ROUNDS 5

static void compare(const char *name, const char *path,
                    double (*rt)(const char *), const char *rt_name,
                    double (*libc)(const char *), const char *libc_name)
{
  double best_rt = 1e9, best_libc = 1e9;
  for (int i = 0; i < ROUNDS; i++) {
    double a = rt(path), b = libc(path);
    best_rt = a < best_rt ? a : best_rt;
    best_libc = b < best_libc ? b : best_libc;
  }
  printf("%-16s %-10s %6.2f ns/line   %-8s %6.2f ns/line\n", name, rt_name,
         best_rt * 1e9 / LINES, libc_name, best_libc * 1e9 / LINES);
  printf("ratio: %s: rt/%s = %.2f\n", name, libc_name, best_libc / best_rt);
}

int main(void)
{
  char file[] = "/tmp/rt-bench-io-XXXXXX";
  int fd = mkstemp(file);
  if (fd < 0)
    check(-errno, "mkstemp");
  close(fd);
  printf("10M lines \"key=%%d\\n\"; ratio = libc time / libruntime time "
         "(> 1: libruntime is faster), best of %d\n", ROUNDS);
  compare("io.printf.null", "/dev/null", rt_printf_run, "rt_printf",
          fprintf_run, "fprintf");
  compare("io.printf.file", file, rt_printf_run, "rt_printf", fprintf_run,
          "fprintf");
  compare("io.puts.null", "/dev/null", rt_write_run, "rt_write", fputs_run,
          "fputs");
  compare("io.puts.file", file, rt_write_run, "rt_write", fputs_run,
          "fputs");
  unlink(file);
  return 0;
}
