/*
 * suite_work.c — the workloads of `make bench-suite`, one allocation
 * pattern each, written against plain malloc/free so that the allocator
 * is whatever the process has: the C library's, or one preloaded
 * (bench/suite/suite.c runs it under each).  `suite_work WORKLOAD
 * [SCALE]` runs one and prints the seconds its timed part took.  At
 * scale 1 each takes 1-2 s of CPU under glibc on an idle machine here.
 *
 * The patterns are those of the field's standard benchmarks (written
 * here, not taken from them):
 *   larson        server threads replacing random blocks of 8-1000 bytes
 *                 in a slot array that each generation of threads hands
 *                 to the next, so most frees are of blocks another
 *                 (exited) thread allocated
 *   mstress       rounds of threads allocating (calloc) mixed sizes,
 *                 1% of them large (up to 5 MB), freeing two thirds,
 *                 keeping some and swapping blocks through a shared array
 *   xmalloc       producers allocate batches of small blocks, consumers
 *                 free them (a bounded queue in between)
 *   glibc-simple  one thread allocates N blocks of one size, frees them
 *                 all, for several sizes and N
 *   glibc-thread  two threads each replacing a random block of a working
 *                 set of 4096, sizes skewed small up to 32 KiB
 *   alloc-test1, alloc-testN   one or two threads filling and emptying
 *                 random slots of a large array with mixed sizes and
 *                 occasional bulk frees
 *   cache-scratch two threads each free a small block the main thread
 *                 allocated (next to the other's), then allocate, write
 *                 and free small blocks: an allocator that hands the
 *                 freed block back to the thread shares a cache line
 *   cache-thrash  two threads allocate, write and free small blocks:
 *                 blocks of two threads on one line share it
 *   cfrac         arbitrary-precision arithmetic: many small numbers
 *                 made and dropped, some kept in a table
 *   espresso      covers of small bit sets copied, filtered, merged and
 *                 grown with realloc
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double scale = 1.0;

static long scaled(long n)
{
  long v = (long)((double)n * scale);
  return v > 0 ? v : 1;
}

static uint64_t rnd(uint64_t *x)
{
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return *x;
}

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *xmalloc(size_t n)
{
  void *p = malloc(n);
  if (p == NULL) {
    fprintf(stderr, "suite_work: out of memory (%zu bytes)\n", n);
    exit(1);
  }
  return p;
}

/* Write the first and last byte: the block is used, as a program would. */
static void *touched(char *p, size_t n)
{
  p[0] = (char)n;
  p[n - 1] = (char)(n >> 8);
  return p;
}

/* Run FN(ARG + i * SIZE) in N threads and wait for them.  Each
 * thread's argument starts a cache line (alignas(64) on its first
 * member): the random state is written on every operation, and two
 * threads' states on one line would add the harness's own false sharing
 * to every threaded workload. */
static void run_threads(int n, void *(*fn)(void *), void *arg, size_t size)
{
  pthread_t th[16];
  for (int i = 0; i < n; i++)
    if (pthread_create(&th[i], NULL, fn, (char *)arg + (size_t)i * size) != 0) {
      fprintf(stderr, "suite_work: pthread_create failed\n");
      exit(1);
    }
  for (int i = 0; i < n; i++)
    pthread_join(th[i], NULL);
}

/* ---- larson -------------------------------------------------------------- */

enum { LARSON_THREADS = 2, LARSON_SLOTS = 5000 };

struct lineage {
  alignas(64) char *slot[LARSON_SLOTS];
  uint64_t rng;
  long ops;
};

static void *larson_generation(void *arg)
{
  struct lineage *l = arg;
  for (long i = 0; i < l->ops; i++) {
    size_t k = rnd(&l->rng) % LARSON_SLOTS;
    free(l->slot[k]);
    size_t n = 8 + rnd(&l->rng) % 993;
    l->slot[k] = touched(xmalloc(n), n);
  }
  return NULL;
}

static void larson(void)
{
  static struct lineage lin[LARSON_THREADS];
  for (int t = 0; t < LARSON_THREADS; t++) {
    lin[t].rng = 0x9e3779b97f4a7c15u * (uint64_t)(t + 1);
    lin[t].ops = 100000;
    for (int k = 0; k < LARSON_SLOTS; k++) {
      size_t n = 8 + rnd(&lin[t].rng) % 993;
      lin[t].slot[k] = touched(xmalloc(n), n);
    }
  }
  long gens = scaled(250);
  for (long g = 0; g < gens; g++)
    run_threads(LARSON_THREADS, larson_generation, lin, sizeof lin[0]);
  for (int t = 0; t < LARSON_THREADS; t++)
    for (int k = 0; k < LARSON_SLOTS; k++)
      free(lin[t].slot[k]);
}

/* ---- mstress ------------------------------------------------------------- */

enum { MSTRESS_THREADS = 2, MSTRESS_SWAP = 1000 };
static _Atomic(uint64_t *) mstress_swap[MSTRESS_SWAP];

struct mstress_arg {
  alignas(64) uint64_t rng;
  long allocs;
};

/* N words (8 bytes each) from calloc; one in a hundred requests is 100
 * times larger, one in a thousand 1000 times, one in ten thousand 10000
 * times; at least 2.  Word 0 holds the count, the last word a check. */
static uint64_t *mstress_items(size_t n, uint64_t *r)
{
  if (rnd(r) % 100 == 0) {
    uint64_t x = rnd(r) % 100;
    n *= x == 0 ? 10000 : x < 10 ? 1000 : 100;
  }
  if (n < 2)
    n = 2;
  uint64_t *p = calloc(n, sizeof *p);
  if (p == NULL) {
    fprintf(stderr, "suite_work: out of memory\n");
    exit(1);
  }
  p[0] = n;
  p[n - 1] ^= n * 0x9e3779b97f4a7c15u;
  return p;
}

static void mstress_drop(uint64_t *p)
{
  if (p == NULL)
    return;
  if (p[p[0] - 1] != p[0] * 0x9e3779b97f4a7c15u) {
    fprintf(stderr, "suite_work: mstress: a block was overwritten\n");
    exit(1);
  }
  free(p);
}

static void *mstress_thread(void *arg)
{
  struct mstress_arg *a = arg;
  uint64_t *r = &a->rng;
  long allocs = a->allocs, keep = allocs / 2;
  uint64_t **data = NULL, **kept = calloc((size_t)keep + 1, sizeof *kept);
  size_t top = 0, cap = 0, ktop = 0;
  while (allocs > 0 || keep > 0) {
    if (keep == 0 || (rnd(r) % 2 == 0 && allocs > 0)) {
      if (top == cap) {
        cap += 10000;
        data = realloc(data, cap * sizeof *data);
      }
      data[top++] = mstress_items((size_t)1 << (rnd(r) % 5), r);
      allocs--;
    } else {
      kept[ktop++] = mstress_items((size_t)1 << (rnd(r) % 7), r);
      keep--;
    }
    if (rnd(r) % 3 != 0 && top > 0) {
      size_t i = rnd(r) % top;
      mstress_drop(data[i]);
      data[i] = NULL;
    }
    if (rnd(r) % 4 == 0 && top > 0) {
      size_t i = rnd(r) % top;
      data[i] = atomic_exchange(&mstress_swap[rnd(r) % MSTRESS_SWAP], data[i]);
    }
  }
  for (size_t i = 0; i < top; i++)
    mstress_drop(data[i]);
  for (size_t i = 0; i < ktop; i++)
    mstress_drop(kept[i]);
  free(data);
  free(kept);
  return NULL;
}

static void mstress(void)
{
  struct mstress_arg args[MSTRESS_THREADS];
  long rounds = scaled(60);
  for (long k = 0; k < rounds; k++) {
    for (int t = 0; t < MSTRESS_THREADS; t++) {
      args[t].rng = 0x2545f4914f6cdd1du * (uint64_t)(k * MSTRESS_THREADS + t + 1);
      args[t].allocs = 25000 * (t + 1);
    }
    run_threads(MSTRESS_THREADS, mstress_thread, args, sizeof args[0]);
  }
  for (int i = 0; i < MSTRESS_SWAP; i++)
    mstress_drop(atomic_exchange(&mstress_swap[i], NULL));
}

/* ---- xmalloc ------------------------------------------------------------- */

enum { XM_PRODUCERS = 2, XM_CONSUMERS = 2, XM_BATCH = 1000, XM_QUEUE = 32 };

struct xm_batch {
  struct xm_batch *next;
  void *p[XM_BATCH];
};

static struct {
  pthread_mutex_t lock;
  pthread_cond_t more, room;
  struct xm_batch *head, *tail;
  int count, producers_left;
} xq = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
        PTHREAD_COND_INITIALIZER, NULL, NULL, 0, XM_PRODUCERS};

struct xm_arg {
  alignas(64) uint64_t rng;
  long batches;
};

static void *xm_producer(void *arg)
{
  struct xm_arg *a = arg;
  for (long b = 0; b < a->batches; b++) {
    struct xm_batch *bt = xmalloc(sizeof *bt);
    for (int i = 0; i < XM_BATCH; i++) {
      size_t n = 8 + rnd(&a->rng) % 121;
      bt->p[i] = touched(xmalloc(n), n);
    }
    bt->next = NULL;
    pthread_mutex_lock(&xq.lock);
    while (xq.count >= XM_QUEUE)
      pthread_cond_wait(&xq.room, &xq.lock);
    if (xq.tail)
      xq.tail->next = bt;
    else
      xq.head = bt;
    xq.tail = bt;
    xq.count++;
    pthread_cond_signal(&xq.more);
    pthread_mutex_unlock(&xq.lock);
  }
  pthread_mutex_lock(&xq.lock);
  xq.producers_left--;
  pthread_cond_broadcast(&xq.more);
  pthread_mutex_unlock(&xq.lock);
  return NULL;
}

static void *xm_consumer(void)
{
  for (;;) {
    pthread_mutex_lock(&xq.lock);
    while (xq.head == NULL && xq.producers_left > 0)
      pthread_cond_wait(&xq.more, &xq.lock);
    struct xm_batch *bt = xq.head;
    if (bt) {
      xq.head = bt->next;
      if (xq.head == NULL)
        xq.tail = NULL;
      xq.count--;
      pthread_cond_signal(&xq.room);
    }
    pthread_mutex_unlock(&xq.lock);
    if (bt == NULL)
      return NULL;
    for (int i = 0; i < XM_BATCH; i++)
      free(bt->p[i]);
    free(bt);
  }
}

static void *xm_role(void *arg)
{
  struct xm_arg *a = arg;
  return a->batches ? xm_producer(a) : xm_consumer();
}

static void xmalloc_test(void)
{
  struct xm_arg args[XM_PRODUCERS + XM_CONSUMERS] = {{0}};
  for (int t = 0; t < XM_PRODUCERS; t++) {
    args[t].rng = 0xd1b54a32d192ed03u * (uint64_t)(t + 1);
    args[t].batches = scaled(5000);
  }
  run_threads(XM_PRODUCERS + XM_CONSUMERS, xm_role, args, sizeof args[0]);
}

/* ---- glibc-simple, glibc-thread ------------------------------------------ */

static void glibc_simple(void)
{
  static const size_t sizes[] = {16, 32, 48, 64, 128, 256, 512, 1024};
  static const int counts[] = {25, 100, 400, 1600};
  static void *blk[1600];
  long iters = scaled(900);
  for (long it = 0; it < iters; it++)
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
      for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
        for (int i = 0; i < counts[c]; i++)
          blk[i] = touched(xmalloc(sizes[s]), sizes[s]);
        for (int i = 0; i < counts[c]; i++)
          free(blk[i]);
      }
}

enum { GT_THREADS = 2, GT_SET = 4096 };

struct gt_arg {
  alignas(64) uint64_t rng;
  long ops;
};

/* Sizes skewed small: 60% 16-128 bytes, 30% up to 1 KiB, 9% up to 8 KiB,
 * 1% up to 32 KiB. */
static size_t skewed_size(uint64_t *r)
{
  uint64_t x = rnd(r), pct = x % 100, y = x >> 8;
  if (pct < 60)
    return 16 + y % 113;
  if (pct < 90)
    return 128 + y % 897;
  if (pct < 99)
    return 1024 + y % 7169;
  return 8192 + y % 24577;
}

static void *gt_thread(void *arg)
{
  struct gt_arg *a = arg;
  char **set = calloc(GT_SET, sizeof *set);
  for (long i = 0; i < a->ops; i++) {
    size_t k = rnd(&a->rng) % GT_SET, n = skewed_size(&a->rng);
    free(set[k]);
    set[k] = touched(xmalloc(n), n);
  }
  for (int k = 0; k < GT_SET; k++)
    free(set[k]);
  free(set);
  return NULL;
}

static void glibc_thread(void)
{
  struct gt_arg args[GT_THREADS];
  for (int t = 0; t < GT_THREADS; t++) {
    args[t].rng = 0x9fb21c651e98df25u * (uint64_t)(t + 1);
    args[t].ops = scaled(15000000);
  }
  run_threads(GT_THREADS, gt_thread, args, sizeof args[0]);
}

/* ---- alloc-test ---------------------------------------------------------- */

enum { AT_SLOTS = 1 << 17 };

struct at_arg {
  alignas(64) uint64_t rng;
  long ops;
};

/* Sizes for alloc-test: 80% 8-128 bytes, 15% up to 2 KiB, 5% up to 64 KiB. */
static size_t at_size(uint64_t *r)
{
  uint64_t x = rnd(r), pct = x % 100, y = x >> 8;
  if (pct < 80)
    return 8 + y % 121;
  if (pct < 95)
    return 128 + y % 1921;
  return 2048 + y % 63489;
}

static void *at_thread(void *arg)
{
  struct at_arg *a = arg;
  char **slot = calloc(AT_SLOTS, sizeof *slot);
  for (long i = 0; i < a->ops; i++) {
    uint64_t x = rnd(&a->rng);
    size_t k = x % AT_SLOTS;
    if ((x >> 40) % 20000 == 0) {
      /* Now and then a run of slots is emptied at once. */
      size_t end = k + 4096 < AT_SLOTS ? k + 4096 : AT_SLOTS;
      for (size_t j = k; j < end; j++) {
        free(slot[j]);
        slot[j] = NULL;
      }
    } else if (slot[k]) {
      free(slot[k]);
      slot[k] = NULL;
    } else {
      size_t n = at_size(&a->rng);
      slot[k] = touched(xmalloc(n), n);
    }
  }
  for (size_t k = 0; k < AT_SLOTS; k++)
    free(slot[k]);
  free(slot);
  return NULL;
}

static void alloc_test(int threads)
{
  struct at_arg args[2];
  for (int t = 0; t < threads; t++) {
    args[t].rng = 0xbf58476d1ce4e5b9u * (uint64_t)(t + 1);
    args[t].ops = scaled(12000000);
  }
  run_threads(threads, at_thread, args, sizeof args[0]);
}

/* ---- cache-scratch, cache-thrash ---------------------------------------- */

enum { CACHE_THREADS = 2, CACHE_OBJ = 8 };

struct cache_arg {
  char *given; /* cache-scratch: freed first */
  long iters, writes;
};

static void *cache_thread(void *arg)
{
  struct cache_arg *a = arg;
  free(a->given);
  for (long i = 0; i < a->iters; i++) {
    volatile char *p = xmalloc(CACHE_OBJ);
    for (long w = 0; w < a->writes; w++)
      for (int j = 0; j < CACHE_OBJ; j++)
        p[j]++;
    free((void *)p);
  }
  return NULL;
}

static void cache_probe(int scratch)
{
  struct cache_arg args[CACHE_THREADS];
  for (int t = 0; t < CACHE_THREADS; t++) {
    /* Allocated one after the other by this thread: on one cache line
     * in most allocators. */
    args[t].given = scratch ? xmalloc(CACHE_OBJ) : NULL;
    args[t].iters = 1000;
    args[t].writes = scaled(240000);
  }
  run_threads(CACHE_THREADS, cache_thread, args, sizeof args[0]);
}

/* ---- cfrac --------------------------------------------------------------- */

/* A number: LEN 32-bit limbs, least significant first, in one block. */
struct num {
  uint32_t len;
  uint32_t limb[];
};

static struct num *num_new(uint32_t len)
{
  struct num *n = xmalloc(sizeof *n + len * sizeof(uint32_t));
  n->len = len;
  return n;
}

static struct num *num_add(const struct num *a, const struct num *b)
{
  if (a->len < b->len) {
    const struct num *t = a;
    a = b;
    b = t;
  }
  struct num *s = num_new(a->len + 1);
  uint64_t carry = 0;
  for (uint32_t i = 0; i < a->len; i++) {
    carry += (uint64_t)a->limb[i] + (i < b->len ? b->limb[i] : 0);
    s->limb[i] = (uint32_t)carry;
    carry >>= 32;
  }
  s->limb[a->len] = (uint32_t)carry;
  if (carry == 0)
    s->len--;
  return s;
}

/* A * B, keeping at most MAX limbs (the low ones). */
static struct num *num_mul(const struct num *a, const struct num *b,
                           uint32_t max)
{
  uint32_t len = a->len + b->len < max ? a->len + b->len : max;
  uint64_t *acc = calloc(len + 1, sizeof *acc);
  for (uint32_t i = 0; i < a->len && i < len; i++) {
    uint64_t carry = 0;
    for (uint32_t j = 0; j < b->len && i + j < len; j++) {
      uint64_t t = (uint64_t)a->limb[i] * b->limb[j] + acc[i + j] + carry;
      acc[i + j] = (uint32_t)t;
      carry = t >> 32;
    }
    if (i + b->len < len)
      acc[i + b->len] += carry;
  }
  struct num *p = num_new(len);
  for (uint32_t i = 0; i < len; i++)
    p->limb[i] = (uint32_t)acc[i];
  free(acc);
  while (p->len > 1 && p->limb[p->len - 1] == 0)
    p->len--;
  return p;
}

static void cfrac(void)
{
  enum { TABLE = 512 };
  struct num *t[TABLE];
  uint64_t r = 0x94d049bb133111ebu;
  for (int i = 0; i < TABLE; i++) {
    t[i] = num_new(1 + (uint32_t)(rnd(&r) % 4));
    for (uint32_t j = 0; j < t[i]->len; j++)
      t[i]->limb[j] = (uint32_t)rnd(&r) | 1;
  }
  long steps = scaled(12000000);
  for (long s = 0; s < steps; s++) {
    uint64_t x = rnd(&r);
    size_t i = x % TABLE, j = (x >> 12) % TABLE, k = (x >> 24) % TABLE;
    struct num *p = num_mul(t[i], t[j], 1 + (uint32_t)((x >> 36) % 12));
    struct num *q = num_add(p, t[k]);
    free(p);
    free(t[i]);
    t[i] = q;
  }
  for (int i = 0; i < TABLE; i++)
    free(t[i]);
}

/* ---- espresso ------------------------------------------------------------ */

/* A cover: a growable array of sets, each a small block of WORDS words. */
struct cover {
  size_t n, cap, words;
  uint64_t **set;
};

static void cover_push(struct cover *c, uint64_t *s)
{
  if (c->n == c->cap) {
    c->cap = c->cap ? c->cap * 2 : 4;
    c->set = realloc(c->set, c->cap * sizeof *c->set);
    if (c->set == NULL) {
      fprintf(stderr, "suite_work: out of memory\n");
      exit(1);
    }
  }
  c->set[c->n++] = s;
}

static uint64_t *set_new(size_t words, uint64_t *r)
{
  uint64_t *s = xmalloc(words * sizeof *s);
  for (size_t w = 0; w < words; w++)
    s[w] = rnd(r);
  return s;
}

static void cover_clear(struct cover *c)
{
  for (size_t i = 0; i < c->n; i++)
    free(c->set[i]);
  free(c->set);
  c->set = NULL;
  c->n = c->cap = 0;
}

/* A new cover from A: each set and-ed or or-ed with a random set of B,
 * dropping the empty ones. */
static void cover_combine(struct cover *out, const struct cover *a,
                          const struct cover *b, uint64_t *r)
{
  out->words = a->words;
  for (size_t i = 0; i < a->n; i++) {
    const uint64_t *x = a->set[i];
    const uint64_t *y = b->n ? b->set[rnd(r) % b->n] : x;
    int and = rnd(r) & 1;
    uint64_t *s = xmalloc(a->words * sizeof *s), any = 0;
    for (size_t w = 0; w < a->words; w++) {
      uint64_t yw = w < b->words ? y[w] : 0;
      s[w] = and ? x[w] & yw : x[w] | yw;
      any |= s[w];
    }
    if (any)
      cover_push(out, s);
    else
      free(s);
  }
}

static void espresso(void)
{
  enum { COVERS = 24 };
  struct cover c[COVERS] = {{0}};
  uint64_t r = 0xa0761d6478bd642fu;
  for (int i = 0; i < COVERS; i++) {
    c[i].words = 1 + i % 6;
    for (int k = 0; k < 200; k++)
      cover_push(&c[i], set_new(c[i].words, &r));
  }
  long steps = scaled(26000);
  for (long s = 0; s < steps; s++) {
    size_t i = rnd(&r) % COVERS, j = rnd(&r) % COVERS;
    struct cover out = {0};
    cover_combine(&out, &c[i], &c[j], &r);
    /* Keep the cover from growing without bound, as minimisation does. */
    while (out.n > 2000)
      free(out.set[--out.n]);
    for (int k = 0; k < 20; k++)
      cover_push(&out, set_new(out.words, &r));
    cover_clear(&c[i]);
    c[i] = out;
  }
  for (int i = 0; i < COVERS; i++)
    cover_clear(&c[i]);
}

/* ---- main ---------------------------------------------------------------- */

static void alloc_test1(void) { alloc_test(1); }
static void alloc_testN(void) { alloc_test(2); }
static void cache_scratch(void) { cache_probe(1); }
static void cache_thrash(void) { cache_probe(0); }

static const struct {
  const char *name;
  void (*run)(void);
} workloads[] = {
    {"larson", larson},
    {"mstress", mstress},
    {"xmalloc", xmalloc_test},
    {"glibc-simple", glibc_simple},
    {"glibc-thread", glibc_thread},
    {"alloc-test1", alloc_test1},
    {"alloc-testN", alloc_testN},
    {"cache-scratch", cache_scratch},
    {"cache-thrash", cache_thrash},
    {"cfrac", cfrac},
    {"espresso", espresso},
};

int main(int argc, char **argv)
{
  if (argc > 2)
    scale = atof(argv[2]);
  for (size_t i = 0; argc > 1 && i < sizeof workloads / sizeof *workloads; i++)
    if (strcmp(argv[1], workloads[i].name) == 0) {
      double t0 = now();
      workloads[i].run();
      printf("%.6f\n", now() - t0);
      return 0;
    }
  fprintf(stderr, "usage: suite_work WORKLOAD [SCALE]; workloads:");
  for (size_t i = 0; i < sizeof workloads / sizeof *workloads; i++)
    fprintf(stderr, " %s", workloads[i].name);
  fprintf(stderr, "\n");
  return 2;
}
