/*
 * bench_heap_work.c — one contender of the heap benchmark, in its own
 * process.  Built four times: -DBENCH_RT (libruntime's heap), -DBENCH_GLIBC
 * (the C library's malloc), -DBENCH_MIMALLOC (mi_malloc/mi_free),
 * -DBENCH_JEMALLOC (linked with -ljemalloc, which then provides malloc).
 * bench/bench_heap runs it as `bench_heap_X WORKLOAD OPS LIVE` and reads
 * one line, "<ops> <seconds>", from its stdout; it measures the peak RSS.
 *
 * Workloads (random sizes 8-512 bytes):
 *   churn1  one thread keeps LIVE objects and replaces a random one OPS
 *           times (free + alloc = one op);
 *   churn2  the same in two threads pinned to two CPUs (2*OPS ops);
 *   xfree   a producer allocates OPS objects and a consumer thread frees
 *           them (every free is a cross-thread free).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(BENCH_RT)
#include <runtime.h>
#define ALLOC(n) rt_alloc(n)
#define FREE(p) rt_free(p)
#elif defined(BENCH_MIMALLOC)
#include <mimalloc.h>
#define ALLOC(n) mi_malloc(n)
#define FREE(p) mi_free(p)
#else
#define ALLOC(n) malloc(n)
#define FREE(p) free(p)
#endif

static uint64_t rnd(uint64_t *x)
{
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return *x;
}

static size_t rsize(uint64_t *x) { return 8 + (size_t)(rnd(x) % 505); }

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void pin(int cpu)
{
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(n > 0 ? cpu % n : 0, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *xalloc(size_t n)
{
  void *p = ALLOC(n);
  if (p == NULL) {
    fprintf(stderr, "bench_heap: allocation of %zu bytes failed\n", n);
    exit(1);
  }
  *(volatile char *)p = 1; /* touch it, as a real program would */
  return p;
}

struct churn {
  long ops, live;
  int cpu;
  pthread_barrier_t *start;
};

static void *churn(void *arg)
{
  struct churn *c = arg;
  uint64_t x = 0x2545f4914f6cdd1du + (uint64_t)c->cpu;
  pin(c->cpu);
  void **slot = xalloc(sizeof *slot * (size_t)c->live);
  for (long i = 0; i < c->live; i++)
    slot[i] = xalloc(rsize(&x));
  if (c->start)
    pthread_barrier_wait(c->start);
  for (long i = 0; i < c->ops; i++) {
    size_t k = (size_t)(rnd(&x) % (uint64_t)c->live);
    FREE(slot[k]);
    slot[k] = xalloc(rsize(&x));
  }
  for (long i = 0; i < c->live; i++)
    FREE(slot[i]);
  FREE(slot);
  return NULL;
}

static double run_churn1(long ops, long live)
{
  uint64_t x = 0x2545f4914f6cdd1du;
  void **slot = xalloc(sizeof *slot * (size_t)live);
  for (long i = 0; i < live; i++)
    slot[i] = xalloc(rsize(&x));
  double t0 = now();
  for (long i = 0; i < ops; i++) {
    size_t k = (size_t)(rnd(&x) % (uint64_t)live);
    FREE(slot[k]);
    slot[k] = xalloc(rsize(&x));
  }
  double t = now() - t0;
  for (long i = 0; i < live; i++)
    FREE(slot[i]);
  FREE(slot);
  return t;
}

static double run_churn2(long ops, long live)
{
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, 3);
  struct churn c[2] = {{ops, live, 0, &start}, {ops, live, 1, &start}};
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&t[i], NULL, churn, &c[i]);
  pthread_barrier_wait(&start);
  double t0 = now();
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  double t1 = now() - t0;
  pthread_barrier_destroy(&start);
  return t1;
}

/* Single-producer single-consumer ring; indices are published in batches
 * so that the queue costs the same, and little, for every contender. */
#define RING 4096
struct ring {
  void *slot[RING];
  _Alignas(64) _Atomic long head; /* written by the producer */
  _Alignas(64) _Atomic long tail; /* written by the consumer */
  long ops;
};

static void *consume(void *arg)
{
  struct ring *r = arg;
  pin(1);
  long tail = 0;
  while (tail < r->ops) {
    long head = atomic_load_explicit(&r->head, memory_order_acquire);
    if (head == tail) {
      sched_yield();
      continue;
    }
    for (; tail < head; tail++)
      FREE(r->slot[tail % RING]);
    atomic_store_explicit(&r->tail, tail, memory_order_release);
  }
  return NULL;
}

static double run_xfree(long ops, long live)
{
  (void)live;
  static struct ring r;
  r.ops = ops;
  uint64_t x = 0x2545f4914f6cdd1du;
  pthread_t t;
  pin(0);
  double t0 = now();
  pthread_create(&t, NULL, consume, &r);
  long head = 0;
  while (head < ops) {
    long tail = atomic_load_explicit(&r.tail, memory_order_acquire);
    if (head - tail >= RING) {
      sched_yield();
      continue;
    }
    long end = tail + RING < ops ? tail + RING : ops;
    for (; head < end; head++) {
      r.slot[head % RING] = xalloc(rsize(&x));
      if ((head & 63) == 63)
        atomic_store_explicit(&r.head, head + 1, memory_order_release);
    }
    atomic_store_explicit(&r.head, head, memory_order_release);
  }
  pthread_join(t, NULL);
  return now() - t0;
}

int main(int argc, char **argv)
{
  if (argc != 4) {
    fprintf(stderr, "usage: %s churn1|churn2|xfree OPS LIVE\n", argv[0]);
    return 2;
  }
  long ops = atol(argv[2]), live = atol(argv[3]);
  double t;
  if (strcmp(argv[1], "churn1") == 0)
    t = run_churn1(ops, live);
  else if (strcmp(argv[1], "churn2") == 0) {
    t = run_churn2(ops, live);
    ops *= 2;
  } else if (strcmp(argv[1], "xfree") == 0)
    t = run_xfree(ops, live);
  else {
    fprintf(stderr, "%s: unknown workload '%s'\n", argv[0], argv[1]);
    return 2;
  }
  printf("%ld %.6f\n", ops, t);
  return 0;
}
