/*
 * suite.c — `make bench-suite`: the runtime heap against the C library's
 * malloc, mimalloc and jemalloc on every workload of suite_work (one per
 * allocation pattern of the field's standard suite), each contender a
 * library preloaded into the same program:
 *   glibc     nothing preloaded
 *   mimalloc  SUITE_MIMALLOC (libmimalloc.so)
 *   jemalloc  SUITE_JEMALLOC (libjemalloc.so.2)
 *   rt        SUITE_RT (libruntime-malloc.so), SUITE_RT_LIBDIR on
 *             LD_LIBRARY_PATH for its libruntime.so.1
 * A contender whose library is not there is skipped.  Every workload
 * runs under every contender in turn, BENCH_SUITE_REPS rounds (3); each
 * keeps its best time and its highest peak RSS (wait4).  The time is
 * the CPU time the process used (user + system, from wait4), not the
 * wall-clock time: on a shared machine the other jobs' load decides the
 * wall-clock time more than the allocator does (both are in the table;
 * BENCH_SUITE_CLOCK=wall rates by the wall-clock time the workload
 * measures itself).  Prints a table, then per workload
 *   ratio: suite.W: rt/mimalloc = X   (speed: mimalloc's time / rt's)
 *   ratio: suite.W: rt/glibc = Y
 *   ratio: suite.W: rt/jemalloc = V
 *   rss: suite.W: rt/glibc = Z       (peak RSS, lower is better)
 * and their geometric means as suite.geomean.  BENCH_SUITE_SCALE (1.0)
 * scales the work; BENCH_SUITE_ONLY=w1,w2 runs only those workloads.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

enum { NCONT = 4, MAXWORK = 16 };
enum { RT, GLIBC, MIMALLOC, JEMALLOC };

static const char *const contender[NCONT] = {"rt", "glibc", "mimalloc",
                                             "jemalloc"};
static const char *const all_work[] = {
    "larson",      "mstress",     "xmalloc",       "glibc-simple",
    "glibc-thread", "alloc-test1", "alloc-testN",  "cache-scratch",
    "cache-thrash", "cfrac",       "espresso"};

struct result {
  bool ok;
  double secs, wall, cpu, rss_mib; /* secs: the one rated */
};

static bool by_wall;

static char work_prog[PATH_MAX];
static const char *preload[NCONT];

static void find_work_prog(const char *argv0)
{
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    snprintf(self, sizeof self, "%s", argv0);
    n = (ssize_t)strlen(self);
  }
  self[n] = '\0';
  char *slash = strrchr(self, '/');
  if (slash)
    *slash = '\0';
  snprintf(work_prog, sizeof work_prog, "%s/suite_work", slash ? self : ".");
}

/* The child: the contender's library preloaded (or none), then the work. */
static void exec_work(int c, const char *work, const char *scale)
{
  unsetenv("LD_PRELOAD");
  if (preload[c])
    setenv("LD_PRELOAD", preload[c], 1);
  if (c == RT) {
    const char *libdir = getenv("SUITE_RT_LIBDIR");
    if (libdir && *libdir)
      setenv("LD_LIBRARY_PATH", libdir, 1);
  }
  execl(work_prog, work_prog, work, scale, (char *)NULL);
  _exit(127);
}

static bool run(int c, const char *work, const char *scale, struct result *r)
{
  int fds[2];
  if (pipe(fds) != 0)
    return false;
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    exec_work(c, work, scale);
  }
  close(fds[1]);
  char line[64] = "";
  FILE *f = fdopen(fds[0], "r");
  bool got = f && fgets(line, sizeof line, f) != NULL;
  if (f)
    fclose(f);
  int status = 0;
  struct rusage ru;
  if (pid < 0 || wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0 || !got) {
    printf("suite: %s %s: failed (status 0x%x)\n", contender[c], work, status);
    return false;
  }
  r->wall = atof(line);
  r->cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
  r->secs = by_wall ? r->wall : r->cpu;
  r->rss_mib = (double)ru.ru_maxrss / 1024.0;
  r->ok = r->secs > 0;
  return r->ok;
}

static bool wanted(const char *work)
{
  const char *only = getenv("BENCH_SUITE_ONLY");
  if (only == NULL || *only == '\0')
    return true;
  size_t n = strlen(work);
  for (const char *p = only; (p = strstr(p, work)) != NULL; p += n)
    if ((p == only || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
      return true;
  return false;
}

/* Geometric means of the ratio lines, over the workloads that have both. */
struct geo {
  double log_sum;
  int n;
};

static void geo_add(struct geo *g, double v)
{
  g->log_sum += log(v);
  g->n++;
}

static void speed_ratio(const char *work, const struct result *res, int other,
                        struct geo *g)
{
  if (!res[RT].ok || !res[other].ok)
    return;
  double v = res[other].secs / res[RT].secs;
  printf("ratio: suite.%s: rt/%s = %.2f\n", work, contender[other], v);
  geo_add(g, v);
}

int main(int argc, char **argv)
{
  (void)argc;
  find_work_prog(argv[0]);
  const char *reps_env = getenv("BENCH_SUITE_REPS");
  const char *scale = getenv("BENCH_SUITE_SCALE");
  int reps = reps_env && *reps_env ? atoi(reps_env) : 3;
  if (reps < 1)
    reps = 1;
  scale = scale && *scale ? scale : "1.0";
  const char *clock = getenv("BENCH_SUITE_CLOCK");
  by_wall = clock && strcmp(clock, "wall") == 0;
  preload[RT] = getenv("SUITE_RT");
  preload[MIMALLOC] = getenv("SUITE_MIMALLOC");
  preload[JEMALLOC] = getenv("SUITE_JEMALLOC");
  bool have[NCONT] = {[GLIBC] = true};
  for (int c = 0; c < NCONT; c++) {
    if (c == GLIBC)
      continue;
    have[c] = preload[c] && *preload[c] && access(preload[c], R_OK) == 0;
    if (!have[c])
      printf("suite: %s: skipped (library '%s' not found)\n", contender[c],
             preload[c] ? preload[c] : "");
  }
  const char *work[MAXWORK];
  int nwork = 0;
  for (size_t w = 0; w < sizeof all_work / sizeof *all_work; w++)
    if (wanted(all_work[w]))
      work[nwork++] = all_work[w];
  printf("suite: %d workloads x %d contenders, %d rounds interleaved, scale "
         "%s; best %s time, highest peak RSS\n", nwork, NCONT, reps, scale,
         by_wall ? "wall-clock" : "CPU");
  static struct result res[MAXWORK][NCONT];
  for (int k = 0; k < reps; k++)
    for (int w = 0; w < nwork; w++)
      for (int i = 0; i < NCONT; i++) {
        /* The contenders' order turns with each round. */
        int c = (i + k) % NCONT;
        struct result r = {0};
        if (!have[c] || !run(c, work[w], scale, &r))
          continue;
        struct result *b = &res[w][c];
        if (!b->ok || r.secs < b->secs) {
          b->secs = r.secs;
          b->wall = r.wall;
          b->cpu = r.cpu;
        }
        if (!b->ok || r.rss_mib > b->rss_mib)
          b->rss_mib = r.rss_mib;
        b->ok = true;
      }
  printf("%-14s %-9s %9s %9s %14s\n", "workload", "contender", "CPU s",
         "wall s", "peak RSS MiB");
  for (int w = 0; w < nwork; w++)
    for (int c = 0; c < NCONT; c++)
      if (res[w][c].ok)
        printf("%-14s %-9s %9.3f %9.3f %14.1f\n", work[w], contender[c],
               res[w][c].cpu, res[w][c].wall, res[w][c].rss_mib);
  struct geo g_mi = {0}, g_gl = {0}, g_je = {0}, g_rss = {0};
  for (int w = 0; w < nwork; w++) {
    speed_ratio(work[w], res[w], MIMALLOC, &g_mi);
    speed_ratio(work[w], res[w], GLIBC, &g_gl);
    speed_ratio(work[w], res[w], JEMALLOC, &g_je);
    if (res[w][RT].ok && res[w][GLIBC].ok) {
      double v = res[w][RT].rss_mib / res[w][GLIBC].rss_mib;
      printf("rss: suite.%s: rt/glibc = %.2f\n", work[w], v);
      geo_add(&g_rss, v);
    }
  }
  if (g_mi.n)
    printf("ratio: suite.geomean: rt/mimalloc = %.2f\n", exp(g_mi.log_sum / g_mi.n));
  if (g_gl.n)
    printf("ratio: suite.geomean: rt/glibc = %.2f\n", exp(g_gl.log_sum / g_gl.n));
  if (g_je.n)
    printf("ratio: suite.geomean: rt/jemalloc = %.2f\n", exp(g_je.log_sum / g_je.n));
  if (g_rss.n)
    printf("rss: suite.geomean: rt/glibc = %.2f\n", exp(g_rss.log_sum / g_rss.n));
  for (int w = 0; w < nwork; w++)
    if (!res[w][RT].ok)
      return 1;
  return 0;
}
