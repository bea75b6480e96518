/*
 * resolve.c — name resolution behind one process-wide cache.
 *
 * The cache is a hash table of entries threaded on an LRU list, guarded by
 * one mutex (lookups hold it for a hash probe and a reference count bump,
 * never across getaddrinfo()).  A miss registers a "flight" for its key;
 * other threads missing on the same key wait for that flight instead of
 * calling getaddrinfo() themselves (single-flight).  Answers are immutable
 * reference-counted rt_addrlists, so a hit hands out the cached list itself
 * without copying.
 */
/* EAI_NODATA and EAI_ADDRFAMILY are GNU extensions of <netdb.h>. */
#define _GNU_SOURCE 1
#include "../internal.h"

#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "net_int.h"
#include "../list.h"

#define LABEL_MAX 63
#define SERVICE_MAX 63
#define CAPACITY_MAX (1u << 20)
/* "host\0service\0" of the longest accepted names (host with its dot). */
#define KEY_MAX (RT_HOST_NAME_MAX + 2 + SERVICE_MAX + 1)
#define KNOWN_FLAGS                                                           \
  (RT_RESOLVE_IPV4 | RT_RESOLVE_IPV6 | RT_RESOLVE_NUMERIC |                   \
   RT_RESOLVE_NOCACHE | RT_RESOLVE_PASSIVE)
/* The flags that change the answer, and so belong to the cache key. */
#define KEY_FLAGS (KNOWN_FLAGS & ~(unsigned)RT_RESOLVE_NOCACHE)

/* A lookup key: the lower-cased host, the service, the flags that matter. */
struct key {
  char text[KEY_MAX];
  size_t len;
  unsigned flags;
  uint32_t hash;
};

/* The outcome of one getaddrinfo(): a list, or the gai code (and errno for
 * EAI_SYSTEM) of its failure. */
struct answer {
  rt_addrlist *list;
  int gai;
  int sys_errno;
};

struct entry {
  struct entry *chain;      /* next in the hash bucket */
  struct entry *newer, *older; /* LRU list */
  uint64_t born_ms;
  struct answer ans;        /* ans.list NULL: a cached "no such name" */
  uint32_t hash;
  unsigned flags;
  size_t len;
  char text[];
};

struct flight {
  struct flight *next;
  const struct key *key; /* the leader's key, alive until the flight lands */
  size_t refs;           /* the leader plus its waiters */
  bool done;
  struct answer ans;
};

static struct {
  pthread_mutex_t lock;
  pthread_cond_t landed; /* broadcast whenever a flight lands */
  struct entry **buckets;
  size_t nbuckets;       /* a power of two, or 0 before first use */
  struct entry *newest, *oldest;
  struct flight *flights;
  uint64_t generation;   /* bumped by flush: older flights do not fill */
  struct rt_net_stats st;
} cache = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .landed = PTHREAD_COND_INITIALIZER,
    .st = {.capacity = RT_RESOLVE_CACHE_CAPACITY,
           .ttl_ms = RT_RESOLVE_CACHE_TTL_MS,
           .negative_ttl_ms = RT_RESOLVE_CACHE_NEGATIVE_TTL_MS},
};

/* ---- argument checks --------------------------------------------------- */

static int check_labels(const char *host, size_t len)
{
  const char *p = host, *end = host + len;
  for (int i = 1; p < end; i++) {
    const char *dot = memchr(p, '.', (size_t)(end - p));
    size_t n = dot ? (size_t)(dot - p) : (size_t)(end - p);
    if (n == 0)
      return rt__error(RT_EINVAL, "rt_resolve: host '%s' has an empty label "
                       "(label %d): remove the extra dot", host, i);
    if (n > LABEL_MAX)
      return rt__error(RT_EINVAL, "rt_resolve: label %d of host '%.64s...' "
                       "is %zu bytes long; DNS allows at most %d", i, host, n,
                       LABEL_MAX);
    p += n + 1;
  }
  return 0;
}

static int check_host(const char *host, unsigned flags)
{
  if (host == NULL)
    return (flags & RT_RESOLVE_PASSIVE)
               ? 0
               : rt__error(RT_EINVAL, "rt_resolve: HOST is NULL; pass a name "
                           "or an address (NULL means the wildcard address "
                           "only with RT_RESOLVE_PASSIVE)");
  size_t len = strnlen(host, RT_HOST_NAME_MAX + 2);
  if (len == 0)
    return rt__error(RT_EINVAL, "rt_resolve: host name is empty");
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)host[i] <= ' ' || host[i] == 0x7f)
      return rt__error(RT_EINVAL, "rt_resolve: host '%.64s' contains a space "
                       "or control character at offset %zu", host, i);
  size_t stem = host[len - 1] == '.' ? len - 1 : len;
  if (stem > RT_HOST_NAME_MAX)
    return rt__error(RT_EINVAL, "rt_resolve: host name '%.64s...' is longer "
                     "than %d bytes", host, RT_HOST_NAME_MAX);
  return check_labels(host, stem);
}

static int check_args(const char *host, const char *service, unsigned flags,
                      rt_addrlist **out)
{
  if (out == NULL)
    return rt__error(RT_EINVAL, "rt_resolve: OUT is NULL");
  *out = NULL;
  if (flags & ~KNOWN_FLAGS)
    return rt__error(RT_EINVAL, "rt_resolve: unknown flags 0x%x",
                     flags & ~KNOWN_FLAGS);
  if (service != NULL && (service[0] == '\0' ||
                          strnlen(service, SERVICE_MAX + 1) > SERVICE_MAX))
    return rt__error(RT_EINVAL, "rt_resolve: service '%.64s' is empty or "
                     "longer than %d bytes; pass NULL for port 0", service,
                     SERVICE_MAX);
  return check_host(host, flags);
}

/* RFC 6761: names under "invalid." never resolve, and resolver libraries
 * should say so without asking anyone. */
static bool reserved_invalid(const char *host)
{
  size_t len = strlen(host);
  if (len > 0 && host[len - 1] == '.')
    len--;
  if (len < 7 || rt__ascii_ncasecmp(host + len - 7, "invalid", 7) != 0)
    return false;
  return len == 7 || host[len - 8] == '.';
}

/* ---- errors ------------------------------------------------------------ */

static int gai_status(int gai)
{
  switch (gai) {
  case EAI_AGAIN:
    return RT_EAGAIN;
  case EAI_MEMORY:
    return RT_ENOMEM;
  case EAI_FAMILY:
    return RT_EAFNOSUPPORT;
  case EAI_BADFLAGS:
    return RT_EINVAL;
  default:
    return RT_ERESOLVE;
  }
}

static const char *gai_hint(int gai, unsigned flags)
{
  if (gai == EAI_AGAIN)
    return "; the name server may be unreachable, try again later";
  if ((flags & RT_RESOLVE_NUMERIC) && gai == EAI_NONAME)
    return " (RT_RESOLVE_NUMERIC accepts numeric addresses and ports only)";
  if (gai == EAI_SERVICE)
    return "; use a port number or a name listed in /etc/services";
  return "; check the spelling, /etc/hosts and the DNS settings";
}

/* Set the thread's error for a failed lookup and return its status. */
static int answer_error(const struct answer *a, const char *host,
                        const char *service, unsigned flags)
{
  char what[RT_HOST_NAME_MAX + SERVICE_MAX + 32];
  snprintf(what, sizeof what, "resolving '%s'%s%s%s", host ? host : "*",
           service ? " service '" : "", service ? service : "",
           service ? "'" : "");
  if (a->gai == EAI_SYSTEM)
    return rt__syserror(a->sys_errno, "%s", what);
  return rt__error(gai_status(a->gai), "%s: %s%s", what, gai_strerror(a->gai),
                   gai_hint(a->gai, flags));
}

/* ---- getaddrinfo ------------------------------------------------------- */

static void lookup(const char *host, const char *service, unsigned flags,
                   struct answer *a)
{
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
                           .ai_protocol = IPPROTO_TCP};
  unsigned fam = flags & (RT_RESOLVE_IPV4 | RT_RESOLVE_IPV6);
  hints.ai_family = fam == RT_RESOLVE_IPV4   ? AF_INET
                    : fam == RT_RESOLVE_IPV6 ? AF_INET6
                                             : AF_UNSPEC;
  if (flags & RT_RESOLVE_NUMERIC)
    hints.ai_flags |= AI_NUMERICHOST | AI_NUMERICSERV;
  if (flags & RT_RESOLVE_PASSIVE)
    hints.ai_flags |= AI_PASSIVE;
  struct addrinfo *res = NULL;
  a->list = NULL;
  a->sys_errno = 0;
  a->gai = getaddrinfo(host, service, &hints, &res);
  if (a->gai == EAI_SYSTEM)
    a->sys_errno = errno ? errno : EIO;
  if (a->gai == 0) {
    a->gai = rt__addrlist_from_addrinfo(res, &a->list);
    freeaddrinfo(res);
  }
}

/* Permanent "does not exist" answers, which may be cached briefly. */
static bool negative_cacheable(int gai)
{
  return gai == EAI_NONAME || gai == EAI_NODATA || gai == EAI_SERVICE ||
         gai == EAI_ADDRFAMILY;
}

/* ---- the cache (all static functions below run under cache.lock) ------- */

static uint32_t hash_bytes(const char *s, size_t n, unsigned flags)
{
  uint64_t h = rt__hash_bytes(s, n, flags);
  return (uint32_t)(h ^ (h >> 32));
}

static void make_key(struct key *k, const char *host, const char *service,
                     unsigned flags)
{
  size_t n = 0;
  for (const char *p = host ? host : ""; *p; p++) /* ASCII only, as DNS */
    k->text[n++] = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
  k->text[n++] = '\0';
  size_t s = service ? strlen(service) : 0;
  memcpy(k->text + n, service ? service : "", s + 1);
  k->len = n + s + 1;
  k->flags = flags & KEY_FLAGS;
  k->hash = hash_bytes(k->text, k->len, k->flags);
}

static bool same_key(const struct key *k, uint32_t hash, unsigned flags,
                     size_t len, const char *text)
{
  return k->hash == hash && k->flags == flags && k->len == len &&
         memcmp(k->text, text, len) == 0;
}

static struct entry **bucket(uint32_t hash)
{
  return &cache.buckets[hash & (cache.nbuckets - 1)];
}

/* The LRU list runs from the newest entry to the oldest through OLDER. */
static void lru_unlink(struct entry *e)
{
  RT_QUEUE_UNLINK(cache.newest, cache.oldest, e, newer, older);
}

static void lru_push(struct entry *e)
{
  RT_QUEUE_PUSH_FRONT(cache.newest, cache.oldest, e, newer, older);
}

static void entry_remove(struct entry *e)
{
  struct entry **pp = bucket(e->hash);
  while (*pp != e)
    pp = &(*pp)->chain;
  *pp = e->chain;
  lru_unlink(e);
  cache.st.entries--;
  rt_addrlist_free(e->ans.list);
  rt_free(e);
}

static bool expired(const struct entry *e, uint64_t now)
{
  uint32_t ttl = e->ans.list ? cache.st.ttl_ms : cache.st.negative_ttl_ms;
  return now - e->born_ms >= ttl;
}

/* The entry for K, live or expired, or NULL. */
static struct entry *cache_probe(const struct key *k)
{
  if (cache.nbuckets == 0)
    return NULL;
  struct entry *e = *bucket(k->hash);
  while (e && !same_key(k, e->hash, e->flags, e->len, e->text))
    e = e->chain;
  return e;
}

/* The live entry for K (refreshed as most recently used), or NULL; an
 * expired entry is dropped on the way. */
static struct entry *cache_find(const struct key *k)
{
  struct entry *e = cache_probe(k);
  if (e == NULL)
    return NULL;
  if (expired(e, rt__now_ms())) {
    entry_remove(e);
    cache.st.expirations++;
    return NULL;
  }
  lru_unlink(e);
  lru_push(e);
  return e;
}

static void evict_to(size_t capacity)
{
  while (cache.st.entries > capacity) {
    entry_remove(cache.oldest);
    cache.st.evictions++;
  }
}

/* Size the bucket array for the capacity; false if out of memory (the old
 * array is kept and still works, only with longer chains). */
static bool rehash(size_t capacity)
{
  size_t n = 16;
  while (n < capacity)
    n *= 2;
  if (n == cache.nbuckets)
    return true;
  struct entry **b = rt_calloc(n, sizeof *b);
  if (b == NULL)
    return false;
  rt_free(cache.buckets);
  cache.buckets = b;
  cache.nbuckets = n;
  for (struct entry *e = cache.oldest; e; e = e->newer) {
    e->chain = *bucket(e->hash);
    *bucket(e->hash) = e;
  }
  return true;
}

static void cache_insert(const struct key *k, const struct answer *a)
{
  if (cache.st.capacity == 0 ||
      (cache.nbuckets == 0 && !rehash(cache.st.capacity)))
    return;
  struct entry *e = rt_alloc(sizeof *e + k->len);
  if (e == NULL)
    return; /* the answer is still returned, just not remembered */
  /* Only when a flight could not be allocated can two threads race to
   * fill one key; the later answer replaces the earlier. */
  struct entry *old = cache_probe(k);
  if (old != NULL)
    entry_remove(old);
  evict_to(cache.st.capacity - 1);
  e->born_ms = rt__now_ms();
  e->ans = *a;
  rt__addrlist_ref(a->list);
  e->hash = k->hash;
  e->flags = k->flags;
  e->len = k->len;
  memcpy(e->text, k->text, k->len);
  e->chain = *bucket(e->hash);
  *bucket(e->hash) = e;
  lru_push(e);
  cache.st.entries++;
}

static bool worth_caching(const struct answer *a)
{
  if (a->list != NULL)
    return cache.st.ttl_ms > 0;
  return cache.st.negative_ttl_ms > 0 && negative_cacheable(a->gai);
}

static struct flight *flight_find(const struct key *k)
{
  struct flight *f = cache.flights;
  while (f && !same_key(k, f->key->hash, f->key->flags, f->key->len,
                        f->key->text))
    f = f->next;
  return f;
}

static void flight_unlink(struct flight *f)
{
  struct flight **pp = &cache.flights;
  while (*pp != f)
    pp = &(*pp)->next;
  *pp = f->next;
}

static void flight_release(struct flight *f)
{
  if (--f->refs == 0) {
    rt_addrlist_free(f->ans.list);
    rt_free(f);
  }
}

/* Wait for another thread's lookup of the same key and share its answer. */
static void flight_join(struct flight *f, struct answer *a)
{
  cache.st.coalesced++;
  f->refs++;
  while (!f->done)
    pthread_cond_wait(&cache.landed, &cache.lock);
  *a = f->ans;
  rt__addrlist_ref(a->list);
  flight_release(f);
}

/* ---- lookups ----------------------------------------------------------- */

/* Called with the lock held; returns with it held.  The lock is dropped
 * around getaddrinfo() only. */
static void lead_flight(const struct key *k, const char *host,
                        const char *service, unsigned flags, struct answer *a)
{
  cache.st.misses++;
  struct flight *f = rt_calloc(1, sizeof *f);
  uint64_t generation = cache.generation;
  if (f != NULL) {
    f->key = k;
    f->refs = 1;
    f->next = cache.flights;
    cache.flights = f;
  }
  pthread_mutex_unlock(&cache.lock);
  lookup(host, service, flags, a);
  pthread_mutex_lock(&cache.lock);
  if (a->gai != 0)
    cache.st.failures++;
  if (generation == cache.generation && worth_caching(a))
    cache_insert(k, a);
  if (f != NULL) {
    flight_unlink(f);
    f->ans = *a;
    rt__addrlist_ref(a->list);
    f->done = true;
    pthread_cond_broadcast(&cache.landed);
    flight_release(f);
  }
}

static void cached_lookup(const char *host, const char *service,
                          unsigned flags, struct answer *a)
{
  struct key k;
  make_key(&k, host, service, flags);
  pthread_mutex_lock(&cache.lock);
  struct entry *e = cache_find(&k);
  struct flight *f;
  if (e != NULL) {
    cache.st.hits++;
    *a = e->ans;
    rt__addrlist_ref(a->list);
  } else if ((f = flight_find(&k)) != NULL) {
    flight_join(f, a);
  } else {
    lead_flight(&k, host, service, flags, a);
  }
  pthread_mutex_unlock(&cache.lock);
}

static void uncached_lookup(const char *host, const char *service,
                            unsigned flags, struct answer *a)
{
  pthread_mutex_lock(&cache.lock);
  cache.st.uncached++;
  pthread_mutex_unlock(&cache.lock);
  lookup(host, service, flags, a);
  if (a->gai != 0) {
    pthread_mutex_lock(&cache.lock);
    cache.st.failures++;
    pthread_mutex_unlock(&cache.lock);
  }
}

int rt_resolve(const char *host, const char *service, unsigned flags,
               rt_addrlist **out)
{
  int rc = check_args(host, service, flags, out);
  if (rc < 0)
    return rc;
  struct answer a = {.gai = EAI_NONAME};
  if (host == NULL || !reserved_invalid(host)) {
    if (flags & RT_RESOLVE_NOCACHE)
      uncached_lookup(host, service, flags, &a);
    else
      cached_lookup(host, service, flags, &a);
  }
  if (a.list == NULL)
    return answer_error(&a, host, service, flags);
  *out = a.list;
  return 0;
}

/* ---- fork -------------------------------------------------------------- */

/* The cache's lock is held across fork() so the child gets a consistent
 * copy.  Flights in the child belong to threads that do not exist there
 * and would never land: they are forgotten (their memory is abandoned in
 * the child) so that its lookups of those names do not wait forever. */
void rt__net_fork_prepare(void)
{
  rt__fork_mutex(&cache.lock, RT__FORK_PREPARE);
}

void rt__net_fork_parent(void) { rt__fork_mutex(&cache.lock, RT__FORK_PARENT); }

void rt__net_fork_child(void)
{
  cache.flights = NULL;
  pthread_cond_init(&cache.landed, NULL);
  rt__fork_mutex(&cache.lock, RT__FORK_CHILD);
}

/* ---- statistics and settings ------------------------------------------ */

int rt_net_stats(struct rt_net_stats *out)
{
  if (out == NULL)
    return rt__error(RT_EINVAL, "rt_net_stats: OUT is NULL");
  pthread_mutex_lock(&cache.lock);
  *out = cache.st;
  pthread_mutex_unlock(&cache.lock);
  return 0;
}

int rt_resolve_cache_configure(size_t capacity, uint32_t ttl_ms,
                               uint32_t negative_ttl_ms)
{
  if (capacity > CAPACITY_MAX)
    return rt__error(RT_EINVAL, "rt_resolve_cache_configure: capacity %zu is "
                     "above the limit of %u entries", capacity, CAPACITY_MAX);
  pthread_mutex_lock(&cache.lock);
  evict_to(capacity);
  cache.st.capacity = capacity;
  cache.st.ttl_ms = ttl_ms;
  cache.st.negative_ttl_ms = negative_ttl_ms;
  if (cache.nbuckets != 0)
    rehash(capacity);
  pthread_mutex_unlock(&cache.lock);
  return 0;
}

void rt_resolve_cache_flush(void)
{
  pthread_mutex_lock(&cache.lock);
  while (cache.oldest)
    entry_remove(cache.oldest);
  cache.generation++;
  pthread_mutex_unlock(&cache.lock);
}
