/*
 * bench_module.c — the cost of the loader's checks.
 *
 * Contenders, in one run:
 *   load.open1     one plugin: dlopen+dlsym vs rt_module_open (each round
 *                  loads and unloads it; the open alone is timed)
 *   load.open1000  1000 distinct plugins kept loaded: dlopen+dlsym each vs
 *                  rt_module_open each
 *   load.scan1000  listing 1000 plugins: rt_module_scan (notes only) vs
 *                  dlopen+dlsym+dlclose of each file
 * The 1000 plugins are copies of tests/plugins/bench.so whose 12-character
 * name is patched to rtbench00000..rtbench00999 (distinct files, so the
 * dynamic loader really loads each one).
 *
 * The machine is shared and noisy: load.open1000 and load.scan1000 run
 * several rounds, the contenders taking turns within each, and report the
 * median round (the ratio is the median of the rounds' ratios).
 */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <runtime.h>

#ifndef BENCH_PLUGIN
#error "BENCH_PLUGIN must name the built bench.so"
#endif

#define N 1000
#define ROUNDS1 300
#define ROUNDS_N 5
#define NAME0 "rtbench00000"

static char top[64];

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
  fprintf(stderr, "bench_module: %s: %s\n", what, rt_last_error());
  exit(1);
}

/* Write a copy of IMG with every NAME0 replaced by NAME. */
static void write_copy(const rt_buf *img, const char *path, const char *name)
{
  char *p = rt_alloc(img->len);
  memcpy(p, img->data, img->len);
  for (char *q = p; (q = memmem(q, img->len - (size_t)(q - p), NAME0, 12));
       q += 12)
    memcpy(q, name, 12);
  /* Plain writes: the copies are scratch files, no fsync needed. */
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, p, img->len) != (ssize_t)img->len)
    die(path);
  close(fd);
  rt_free(p);
}

/* Directory top/SUB with N patched copies. */
static void make_set(const rt_buf *img, const char *sub, int first)
{
  char path[PATH_MAX], name[16];
  snprintf(path, sizeof path, "%s/%s", top, sub);
  if (mkdir(path, 0755) < 0)
    die(path);
  for (int i = 0; i < N; i++) {
    snprintf(name, sizeof name, "rtbench%05d", first + i);
    snprintf(path, sizeof path, "%s/%s/%s.so", top, sub, name);
    write_copy(img, path, name);
  }
}

static void file_at(char *buf, const char *sub, int i)
{
  snprintf(buf, PATH_MAX, "%s/%s/rtbench%05d.so", top, sub, i);
}

static void *raw_open(const char *path)
{
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL || dlsym(h, RT_PLUGIN_DESCRIPTOR_SYMBOL) == NULL) {
    fprintf(stderr, "bench_module: dlopen %s: %s\n", path, dlerror());
    exit(1);
  }
  return h;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n)
{
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return v[n / 2];
}

static double time_raw(const char *path)
{
  double t0 = now();
  void *h = raw_open(path);
  double t = now() - t0;
  dlclose(h);
  return t;
}

static double time_rt(const char *path)
{
  rt_module *m;
  double t0 = now();
  if (rt_module_open(path, 0, &m) < 0)
    die(path);
  double t = now() - t0;
  rt_module_close(m);
  return t;
}

/* The contenders alternate, each going first in every other round (the
 * unmapping a close leaves behind costs the next load); medians resist the
 * noise of a shared machine. */
static void bench_open1(const char *path)
{
  static double raw[ROUNDS1], rt[ROUNDS1];
  for (int r = 0; r < ROUNDS1; r++) {
    if (r % 2) {
      raw[r] = time_raw(path);
      rt[r] = time_rt(path);
    } else {
      rt[r] = time_rt(path);
      raw[r] = time_raw(path);
    }
  }
  double a = median(raw, ROUNDS1), b = median(rt, ROUNDS1);
  printf("load.open1     dlopen+dlsym %8.1f us   rt_module_open %8.1f us"
         "   (median of %d)\n", a * 1e6, b * 1e6, ROUNDS1);
  printf("ratio: load.open1: rt/dlopen = %.2f\n", b / a);
}

/* Plugin i of each set is opened by both contenders in turn, so both see
 * the same number of objects already loaded.  One round; the sums of the
 * opening times go to *RAW and *RT. */
static void open1000_round(double *raw, double *rt)
{
  static void *handles[N];
  static rt_module *mods[N];
  char path[PATH_MAX];
  *raw = *rt = 0;
  for (int i = 0; i < N; i++) {
    char rpath[PATH_MAX];
    file_at(path, "raw", i);
    file_at(rpath, "rt", N + i);
    for (int turn = 0; turn < 2; turn++) {
      double t0 = now();
      if ((turn + i) % 2 == 0)
        handles[i] = raw_open(path);
      else if (rt_module_open(rpath, 0, &mods[i]) < 0)
        die(rpath);
      *((turn + i) % 2 == 0 ? raw : rt) += now() - t0;
    }
  }
  for (int i = 0; i < N; i++) {
    dlclose(handles[i]);
    rt_module_close(mods[i]);
  }
}

static void bench_open1000(void)
{
  double raw[ROUNDS_N], rt[ROUNDS_N], ratio[ROUNDS_N];
  for (int r = 0; r < ROUNDS_N; r++) {
    open1000_round(&raw[r], &rt[r]);
    ratio[r] = rt[r] / raw[r];
  }
  double a = median(raw, ROUNDS_N), b = median(rt, ROUNDS_N);
  printf("load.open1000  dlopen+dlsym %8.1f us   rt_module_open %8.1f us"
         "   (mean per plugin, median of %d rounds)\n", a / N * 1e6,
         b / N * 1e6, ROUNDS_N);
  printf("ratio: load.open1000: rt/dlopen = %.2f\n", median(ratio, ROUNDS_N));
}

static double scan_rt(void)
{
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/raw", top);
  rt_manifest_list *l;
  double t0 = now();
  if (rt_module_scan(path, 0, &l) < 0)
    die(path);
  double t = now() - t0;
  size_t ok = 0;
  for (size_t i = 0; i < l->count; i++)
    ok += l->entries[i].status == 0;
  rt_manifest_list_free(l);
  if (ok != N)
    die("rt_module_scan listed fewer plugins than there are");
  return t;
}

static double scan_raw(void)
{
  char path[PATH_MAX];
  double t0 = now();
  for (int i = 0; i < N; i++) {
    file_at(path, "raw", i);
    void *h = raw_open(path);
    const struct rt_plugin_descriptor *d =
        dlsym(h, RT_PLUGIN_DESCRIPTOR_SYMBOL);
    if (strncmp(d->name, "rtbench", 7) != 0)
      die("descriptor");
    dlclose(h);
  }
  return now() - t0;
}

/* Each contender goes first in every other round. */
static void bench_scan1000(void)
{
  double raw[ROUNDS_N], rt[ROUNDS_N], ratio[ROUNDS_N];
  for (int r = 0; r < ROUNDS_N; r++) {
    if (r % 2) {
      raw[r] = scan_raw();
      rt[r] = scan_rt();
    } else {
      rt[r] = scan_rt();
      raw[r] = scan_raw();
    }
    ratio[r] = raw[r] / rt[r];
  }
  double a = median(raw, ROUNDS_N), b = median(rt, ROUNDS_N);
  printf("load.scan1000  dlopen each  %8.1f ms   rt_module_scan %8.1f ms"
         "   (median of %d rounds)\n", a * 1e3, b * 1e3, ROUNDS_N);
  printf("ratio: load.scan1000: dlopen/rt_scan = %.2f\n",
         median(ratio, ROUNDS_N));
}

int main(void)
{
  rt_buf img = RT_BUF_INIT;
  if (rt_file_read_all(BENCH_PLUGIN, &img) < 0)
    die(BENCH_PLUGIN);
  snprintf(top, sizeof top, "/tmp/rtbenchXXXXXX");
  if (mkdtemp(top) == NULL || chmod(top, 0755) < 0)
    die("mkdtemp");
  make_set(&img, "raw", 0);
  make_set(&img, "rt", N);
  char one[PATH_MAX];
  snprintf(one, sizeof one, "%s/one.so", top);
  write_copy(&img, one, "rtbench99999");
  rt_buf_free(&img);

  bench_open1(one);
  bench_open1000();
  bench_scan1000();

  char cmd[PATH_MAX];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
  return system(cmd) == 0 ? 0 : 1;
}
