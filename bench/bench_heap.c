/*
 * bench_heap.c — `make bench` driver for the runtime heap.
 *
 * Runs every contender (bench_heap_rt, _glibc, _mimalloc, _jemalloc, next
 * to this program) on every workload, each in a fresh process so that no
 * allocator interposes another, takes the time the contender reports and
 * the peak RSS from wait4(), and prints a table and the ratio lines:
 *   ratio: heap.churn1: rt/mimalloc = X      (throughput, higher is better)
 *   ratio: heap.churn1.rss: rt/glibc = X     (peak RSS, lower is better)
 * A contender whose library configure did not find is reported as skipped.
 *
 * BENCH_HEAP_OPS (default 10000000) and BENCH_HEAP_LIVE (default 100000)
 * scale the run; the defaults are the workload of the heap issue.
 * BENCH_HEAP_ROUNDS (default 5) repeats the whole matrix, contenders
 * interleaved, and keeps each one's best throughput and its highest peak
 * RSS: a single run on a shared machine swings by 30% or more.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

enum { NCONT = 4, NWORK = 3 };

static const char *const contender[NCONT] = {"rt", "glibc", "mimalloc",
                                             "jemalloc"};
static const char *const workload[NWORK] = {"churn1", "churn2", "xfree"};

struct result {
  bool ok;
  double mops;
  double rss_mib;
};

static char dir[PATH_MAX];

static void find_dir(void)
{
  ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
  if (n <= 0) {
    strcpy(dir, ".");
    return;
  }
  dir[n] = '\0';
  char *slash = strrchr(dir, '/');
  if (slash)
    *slash = '\0';
}

/* Run one contender on one workload; false (with a line saying why) if
 * it cannot run. */
static bool run(const char *who, const char *work, const char *ops,
                const char *live, struct result *r)
{
  char path[PATH_MAX + 32];
  snprintf(path, sizeof path, "%s/bench_heap_%s", dir, who);
  if (access(path, X_OK) != 0)
    return false;
  int fds[2];
  if (pipe(fds) != 0)
    return false;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    execl(path, path, work, ops, live, (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  char line[128] = "";
  FILE *f = fdopen(fds[0], "r");
  bool got = f && fgets(line, sizeof line, f) != NULL;
  if (f)
    fclose(f);
  int status = -1; /* no child, or wait4 failed */
  struct rusage ru;
  if (pid < 0 || wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0 || !got) {
    printf("heap bench: %s %s: failed (status %d)\n", who, work, status);
    return false;
  }
  double nops, secs;
  if (sscanf(line, "%lf %lf", &nops, &secs) != 2 || secs <= 0)
    return false;
  r->ok = true;
  r->mops = nops / secs / 1e6;
  r->rss_mib = (double)ru.ru_maxrss / 1024.0;
  return true;
}

static void ratio(const char *work, const struct result *rt,
                  const struct result *other, const char *name)
{
  if (rt->ok && other->ok)
    printf("ratio: heap.%s: rt/%s = %.2f\n", work, name,
           rt->mops / other->mops);
}

int main(void)
{
  const char *ops = getenv("BENCH_HEAP_OPS");
  const char *live = getenv("BENCH_HEAP_LIVE");
  const char *rounds_env = getenv("BENCH_HEAP_ROUNDS");
  int rounds = rounds_env && *rounds_env ? atoi(rounds_env) : 5;
  if (rounds < 1)
    rounds = 1;
  ops = ops && *ops ? ops : "10000000";
  live = live && *live ? live : "100000";
  find_dir();
  printf("heap bench: random sizes 8-512 B, %s live objects per thread, %s "
         "free+alloc ops per thread (churn1, churn2: 2 threads pinned), %s "
         "objects freed cross-thread (xfree); best of %d rounds\n",
         live, ops, ops, rounds);
  struct result res[NWORK][NCONT] = {0};
  for (int c = 0; c < NCONT; c++) {
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/bench_heap_%s", dir, contender[c]);
    if (access(path, X_OK) != 0)
      printf("heap bench: %s: skipped (lib%s not found by configure)\n",
             contender[c], contender[c]);
  }
  printf("%-8s %-9s %10s %14s\n", "workload", "contender", "Mops/s",
         "peak RSS MiB");
  for (int k = 0; k < rounds; k++)
    for (int w = 0; w < NWORK; w++)
      for (int c = 0; c < NCONT; c++) {
        struct result r = {0};
        if (!run(contender[c], workload[w], ops, live, &r))
          continue;
        struct result *best = &res[w][c];
        if (!best->ok || r.mops > best->mops)
          best->mops = r.mops;
        if (!best->ok || r.rss_mib > best->rss_mib)
          best->rss_mib = r.rss_mib;
        best->ok = true;
      }
  for (int w = 0; w < NWORK; w++)
    for (int c = 0; c < NCONT; c++)
      if (res[w][c].ok)
        printf("%-8s %-9s %10.2f %14.1f\n", workload[w], contender[c],
               res[w][c].mops, res[w][c].rss_mib);
  for (int w = 0; w < NWORK; w++) {
    ratio(workload[w], &res[w][0], &res[w][2], "mimalloc");
    ratio(workload[w], &res[w][0], &res[w][1], "glibc");
    ratio(workload[w], &res[w][0], &res[w][3], "jemalloc");
    if (res[w][0].ok && res[w][1].ok)
      printf("ratio: heap.%s.rss: rt/glibc = %.2f\n", workload[w],
             res[w][0].rss_mib / res[w][1].rss_mib);
  }
  return res[0][0].ok ? 0 : 1;
}
