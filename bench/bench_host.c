/*
 * bench_host.c — what rthost costs.
 *
 *  1. `rthost call mathx add 2 3` as a whole process against an empty
 *     dynamically linked C program (bench_host_empty): the price of
 *     libruntime, libffi, finding, checking and loading the plugin.
 *  2. 100000 calls in one `rthost shell` session against the same calls
 *     made in C: through the raw function pointer, through rt_call(), and
 *     with the text conversions rthost does (rt_value_parse, rt_call,
 *     rt_value_format).
 *  3. The price of --isolate: the same shell session, each call made in a
 *     child process (fork, load, call, report) against the plain session.
 *
 * Run from the build directory (make bench).  The processes are started
 * with posix_spawn; rthost is the real binary host/.libs/rthost with
 * LD_LIBRARY_PATH pointing at the build's libruntime, not libtool's
 * wrapper script.  Times are medians (processes) or minima (shell runs) to
 * resist the noise of a busy machine.
 */
#include <runtime.h>

#include <fcntl.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum {
  PROCESS_RUNS = 200,
  SHELL_CALLS = 100000,
  SHELL_RUNS = 3,
  ISOLATED_CALLS = 2000
};

static const char *rthost_bin = "host/.libs/rthost";
static const char *empty_bin = "bench/bench_host_empty";
static const char *plugin_dir = "plugins";

static uint64_t now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Run ARGV with stdin from IN (NULL: /dev/null) and stdout to /dev/null;
 * the wall time in ns, or 0 if it did not exit with status 0. */
static uint64_t run_ns(char *const argv[], const char *in)
{
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, in ? in : "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  uint64_t t0 = now_ns();
  pid_t pid;
  int status = -1;
  if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) == 0)
    waitpid(pid, &status, 0);
  uint64_t t = now_ns() - t0;
  posix_spawn_file_actions_destroy(&fa);
  return status == 0 ? t : 0;
}

static int cmp_u64(const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Median wall time of both programs, their runs interleaved so that both
 * see the same machine load. */
static int bench_process(void)
{
  char *empty[] = {(char *)empty_bin, NULL};
  char *host[] = {(char *)rthost_bin,
                  "--plugin-path",
                  (char *)plugin_dir,
                  "call",
                  "mathx",
                  "add",
                  "2",
                  "3",
                  NULL};
  static uint64_t te[PROCESS_RUNS], th[PROCESS_RUNS];
  for (int i = 0; i < PROCESS_RUNS; i++) {
    te[i] = run_ns(empty, NULL);
    th[i] = run_ns(host, NULL);
    if (te[i] == 0 || th[i] == 0) {
      fprintf(stderr, "bench_host: %s failed; build first (make)\n",
              te[i] == 0 ? empty_bin : rthost_bin);
      return 1;
    }
  }
  qsort(te, PROCESS_RUNS, sizeof *te, cmp_u64);
  qsort(th, PROCESS_RUNS, sizeof *th, cmp_u64);
  double e = te[PROCESS_RUNS / 2] / 1e6, h = th[PROCESS_RUNS / 2] / 1e6;
  printf("host.process: empty C program %.3f ms | rthost call mathx add 2 3 "
         "%.3f ms (median of %d runs each)\n",
         e, h, PROCESS_RUNS);
  printf("ratio: host.call: rthost/empty = %.2f\n", h / e);
  return 0;
}

/* A script of N calls, in a temporary file. */
static int write_script(char *path, long n)
{
  int fd = mkstemp(path);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (f == NULL)
    return -1;
  for (long i = 0; i < n; i++)
    fputs("call mathx.add 2 3\n", f);
  return fclose(f);
}

/* Fastest of SHELL_RUNS shell sessions reading PATH, in ns; with
 * ISOLATE each call in a child process. */
static uint64_t shell_ns_opt(const char *path, bool isolate)
{
  char *host[] = {(char *)rthost_bin, "--plugin-path", (char *)plugin_dir,
                  "shell", isolate ? "--isolate" : NULL, NULL};
  uint64_t best = UINT64_MAX;
  for (int i = 0; i < SHELL_RUNS; i++) {
    uint64_t t = run_ns(host, path);
    if (t == 0)
      return 0;
    best = t < best ? t : best;
  }
  return best;
}

static uint64_t shell_ns(const char *path)
{
  return shell_ns_opt(path, false);
}

/* Per call: a session of calls minus an empty one, with and without
 * --isolate (the plain one with SHELL_CALLS calls, the isolated one with
 * ISOLATED_CALLS: each is long enough to be measured). */
static int bench_isolated(void)
{
  char none[] = "/tmp/bench_host.XXXXXX", many[] = "/tmp/bench_host.XXXXXX";
  char few[] = "/tmp/bench_host.XXXXXX";
  if (write_script(none, 0) != 0 || write_script(many, SHELL_CALLS) != 0 ||
      write_script(few, ISOLATED_CALLS) != 0) {
    perror("bench_host: script");
    return 1;
  }
  uint64_t p0 = shell_ns_opt(none, false), pn = shell_ns_opt(many, false);
  uint64_t i0 = shell_ns_opt(none, true), in = shell_ns_opt(few, true);
  unlink(none);
  unlink(many);
  unlink(few);
  if (p0 == 0 || pn == 0 || i0 == 0 || in == 0) {
    fprintf(stderr, "bench_host: the --isolate session failed\n");
    return 1;
  }
  double plain = pn > p0 ? (double)(pn - p0) / SHELL_CALLS : 1;
  double isolated = in > i0 ? (double)(in - i0) / ISOLATED_CALLS : 0;
  printf("host.isolated: mathx.add in rthost shell: plain %.0f ns/call "
         "(%d calls) | --isolate %.0f ns/call (%d calls; fork, load, call, "
         "report)\n",
         plain, SHELL_CALLS, isolated, ISOLATED_CALLS);
  printf("ratio: host.isolated: isolated/plain = %.0f\n", isolated / plain);
  return 0;
}

typedef int32_t (*add_fn)(int32_t, int32_t);

/* The same calls in this process, three ways; ns per call in OUT. */
static int bench_c(double out[3])
{
  rt_module *m;
  const rt_fn *fn;
  if (rt_module_path_add(plugin_dir) != 0 || rt_module_load("mathx", &m) != 0 ||
      rt_module_fn(m, "add", &fn) != 0) {
    fprintf(stderr, "bench_host: %s\n", rt_last_error());
    return 1;
  }
  const rt_sig *sig = rt_fn_sig(fn);
  add_fn add;
  void (*p)(void) = rt_fn_ptr(fn);
  memcpy(&add, &p, sizeof add);
  volatile int32_t sink = 0;
  uint64_t t0 = now_ns();
  for (int32_t i = 0; i < SHELL_CALLS; i++)
    sink = add(2, 3);
  out[0] = (double)(now_ns() - t0) / SHELL_CALLS;
  if (sink != 5) {
    fprintf(stderr, "bench_host: mathx add(2, 3) returned %d\n", (int)sink);
    return 1;
  }

  rt_value args[2], ret;
  int bad = rt_value_parse(rt_sig_arg(sig, 0), "2", &args[0]) != 0;
  bad |= rt_value_parse(rt_sig_arg(sig, 1), "3", &args[1]) != 0;
  t0 = now_ns();
  for (int i = 0; i < SHELL_CALLS; i++)
    bad |= rt_call(fn, args, 2, &ret) != 0;
  out[1] = (double)(now_ns() - t0) / SHELL_CALLS;

  rt_buf text = RT_BUF_INIT;
  t0 = now_ns();
  for (int i = 0; i < SHELL_CALLS; i++) {
    bad |= rt_value_parse(rt_sig_arg(sig, 0), "2", &args[0]) != 0;
    bad |= rt_value_parse(rt_sig_arg(sig, 1), "3", &args[1]) != 0;
    bad |= rt_call(fn, args, 2, &ret) != 0;
    rt_buf_clear(&text);
    (void)rt_value_format(rt_sig_ret(sig), &ret, &text);
  }
  out[2] = (double)(now_ns() - t0) / SHELL_CALLS;
  rt_buf_free(&text);
  if (bad)
    fprintf(stderr, "bench_host: a timed mathx.add call failed: %s\n",
            rt_last_error());
  return (rt_module_close(m) != 0) | bad;
}

static int bench_shell(void)
{
  char none[] = "/tmp/bench_host.XXXXXX", many[] = "/tmp/bench_host.XXXXXX";
  double c[3];
  if (write_script(none, 0) != 0 || write_script(many, SHELL_CALLS) != 0) {
    perror("bench_host: script");
    return 1;
  }
  uint64_t t0 = shell_ns(none), tn = shell_ns(many);
  unlink(none);
  unlink(many);
  if (t0 == 0 || tn == 0 || bench_c(c) != 0) {
    fprintf(stderr, "bench_host: the shell session failed\n");
    return 1;
  }
  double per = tn > t0 ? (double)(tn - t0) / SHELL_CALLS : 0;
  printf("host.shell: %d calls of mathx.add: rthost shell %.0f ns/call | "
         "C parse+rt_call+format %.0f ns/call | C rt_call %.1f ns/call | "
         "C direct %.1f ns/call\n",
         SHELL_CALLS, per, c[2], c[1], c[0]);
  printf("ratio: host.shell: shell/C-rt_call = %.1f (%.0f ns per shell "
         "call)\n",
         per / c[1], per);
  return 0;
}

int main(void)
{
  char libdir[4096];
  if (getcwd(libdir, sizeof libdir - 32) == NULL)
    return 1;
  strcat(libdir, "/libruntime/.libs");
  setenv("LD_LIBRARY_PATH", libdir, 1);
  unsetenv("RT_PLUGIN_PATH");
  if (access(rthost_bin, X_OK) != 0) {
    fprintf(stderr, "bench_host: %s missing; run make first\n", rthost_bin);
    return 1;
  }
  return bench_process() || bench_shell() || bench_isolated();
}
