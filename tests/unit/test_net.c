/* test_net.c — name resolution, address formatting and the resolver cache.
 *
 * No network: only numeric addresses, "localhost" from /etc/hosts, and
 * names under the reserved ".invalid" domain, which never reach a name
 * server.  Lookups that could fall through to DNS (a long non-numeric name,
 * "localhost" as IPv6 without a ::1 line in /etc/hosts) are made numeric or
 * skipped.
 *
 * The test program interposes getaddrinfo() (the library's calls bind to
 * the executable's definition first) to count the real lookups and, for
 * the single-flight tests, to make them slow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netdb.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <locale.h>
#include <string.h>
#include <ctype.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <runtime.h>

static void sleep_ms(long ms);

static atomic_int gai_calls;   /* getaddrinfo() calls made */
static atomic_int gai_delay_ms; /* added to each call when not 0 */
static atomic_int gai_inside;  /* calls under way */

typedef int gai_fn(const char *, const char *, const struct addrinfo *,
                   struct addrinfo **);
static gai_fn *real_getaddrinfo;
static pthread_once_t real_once = PTHREAD_ONCE_INIT;

static void find_real_getaddrinfo(void)
{
  real_getaddrinfo = (gai_fn *)dlsym(RTLD_NEXT, "getaddrinfo");
}

int getaddrinfo(const char *node, const char *service,
                const struct addrinfo *hints, struct addrinfo **res)
{
  pthread_once(&real_once, find_real_getaddrinfo);
  atomic_fetch_add(&gai_calls, 1);
  atomic_fetch_add(&gai_inside, 1);
  int delay = atomic_load(&gai_delay_ms);
  if (delay > 0)
    sleep_ms(delay);
  int rc = real_getaddrinfo(node, service, hints, res);
  atomic_fetch_sub(&gai_inside, 1);
  return rc;
}

static struct rt_net_stats stats(void)
{
  struct rt_net_stats st;
  assert_int_equal(rt_net_stats(&st), 0);
  return st;
}

static void sleep_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Each test starts from an empty cache with the default settings. */
static int reset_cache(void **state)
{
  (void)state;
  rt_resolve_cache_flush();
  return rt_resolve_cache_configure(RT_RESOLVE_CACHE_CAPACITY,
                                    RT_RESOLVE_CACHE_TTL_MS,
                                    RT_RESOLVE_CACHE_NEGATIVE_TTL_MS);
}

static void assert_first_addr(const rt_addrlist *l, const char *want)
{
  char text[RT_ADDR_STRLEN];
  socklen_t len = 0;
  const struct sockaddr *sa = rt_addrlist_get(l, 0, &len);
  assert_non_null(sa);
  assert_int_equal(rt_addr_format(sa, len, text, sizeof text), 0);
  assert_string_equal(text, want);
}

/* True if /etc/hosts maps "localhost" to ::1, so an IPv6 lookup of it is
 * answered locally. */
static bool hosts_has_ipv6_localhost(void)
{
  FILE *f = fopen("/etc/hosts", "r");
  if (f == NULL)
    return false;
  char line[512];
  bool found = false;
  while (!found && fgets(line, sizeof line, f)) {
    char *save = NULL, *tok = strtok_r(line, " \t\n", &save);
    if (tok == NULL || strcmp(tok, "::1") != 0)
      continue;
    while (!found && (tok = strtok_r(NULL, " \t\n", &save)) && tok[0] != '#')
      found = strcmp(tok, "localhost") == 0;
  }
  fclose(f);
  return found;
}

/* ---- lookups ----------------------------------------------------------- */

static void test_localhost_ipv4(void **state)
{
  (void)state;
  rt_addrlist *l = NULL;
  assert_int_equal(rt_resolve("localhost", "80", RT_RESOLVE_IPV4, &l), 0);
  assert_true(rt_addrlist_count(l) >= 1);
  assert_first_addr(l, "127.0.0.1:80");
  for (size_t i = 0; i < rt_addrlist_count(l); i++)
    assert_int_equal(rt_addrlist_get(l, i, NULL)->sa_family, AF_INET);
  rt_addrlist_free(l);
}

static void test_localhost_any_family(void **state)
{
  (void)state;
  rt_addrlist *l = NULL;
  assert_int_equal(rt_resolve("localhost", "8080", 0, &l), 0);
  bool loopback = false;
  for (size_t i = 0; i < rt_addrlist_count(l); i++) {
    char text[RT_ADDR_STRLEN];
    socklen_t len;
    const struct sockaddr *sa = rt_addrlist_get(l, i, &len);
    assert_int_equal(rt_addr_format(sa, len, text, sizeof text), 0);
    loopback |= strcmp(text, "127.0.0.1:8080") == 0 ||
                strcmp(text, "[::1]:8080") == 0;
  }
  assert_true(loopback);
  rt_addrlist_free(l);
}

static void test_localhost_ipv6(void **state)
{
  (void)state;
  SKIP_UNLESS(ipv6_loopback_usable(), "::1 is not available");
  SKIP_UNLESS(hosts_has_ipv6_localhost(),
              "/etc/hosts does not map localhost to ::1 (asking DNS instead "
              "would leave the machine)");
  rt_addrlist *l = NULL;
  assert_int_equal(rt_resolve("localhost", "443", RT_RESOLVE_IPV6, &l), 0);
  assert_first_addr(l, "[::1]:443");
  rt_addrlist_free(l);
}

static void test_numeric_ipv6(void **state)
{
  (void)state;
  SKIP_UNLESS(ipv6_loopback_usable(), "::1 is not available");
  rt_addrlist *l = NULL;
  assert_int_equal(rt_resolve("::1", "80", RT_RESOLVE_NUMERIC, &l), 0);
  assert_int_equal(rt_addrlist_count(l), 1);
  assert_first_addr(l, "[::1]:80");
  rt_addrlist_free(l);
  /* An IPv6 literal asked for as IPv4 only has no answer. */
  assert_int_equal(rt_resolve("::1", NULL, RT_RESOLVE_IPV4 | RT_RESOLVE_NUMERIC, &l), RT_ERESOLVE);
  assert_null(l);
}

static void test_numeric_ipv4(void **state)
{
  (void)state;
  rt_addrlist *l = NULL;
  assert_int_equal(rt_resolve("127.0.0.1", "65535", RT_RESOLVE_NUMERIC, &l),
                   0);
  assert_int_equal(rt_addrlist_count(l), 1);
  assert_first_addr(l, "127.0.0.1:65535");
  assert_null(rt_addrlist_get(l, 1, NULL));
  rt_addrlist_free(l);
  assert_int_equal(rt_resolve("127.0.0.1", NULL, 0, &l), 0);
  assert_first_addr(l, "127.0.0.1:0");
  rt_addrlist_free(l);
}

static void test_numeric_flag_refuses_names(void **state)
{
  (void)state;
  rt_addrlist *l = NULL;
  assert_int_equal(rt_resolve("localhost", "80", RT_RESOLVE_NUMERIC, &l),
                   RT_ERESOLVE);
  assert_null(l);
  assert_non_null(strstr(rt_last_error(), "resolving 'localhost' service "
                                          "'80': Name or service not known"));
  assert_non_null(strstr(rt_last_error(), "RT_RESOLVE_NUMERIC"));
  assert_int_equal(rt_resolve("127.0.0.1", "http", RT_RESOLVE_NUMERIC, &l),
                   RT_ERESOLVE);
}

static void test_service_names(void **state)
{
  (void)state;
  rt_addrlist *l = NULL;
  SKIP_UNLESS(access("/etc/services", R_OK) == 0, "no /etc/services");
  assert_int_equal(rt_resolve("127.0.0.1", "http", 0, &l), 0);
  assert_first_addr(l, "127.0.0.1:80");
  rt_addrlist_free(l);
  assert_int_equal(rt_resolve("127.0.0.1", "no-such-service-x", 0, &l),
                   RT_ERESOLVE);
  assert_non_null(strstr(rt_last_error(),
                         "resolving '127.0.0.1' service 'no-such-service-x'"));
  assert_non_null(strstr(rt_last_error(), "/etc/services"));
}

static void test_passive_wildcard(void **state)
{
  (void)state;
  rt_addrlist *l = NULL;
  assert_int_equal(
      rt_resolve(NULL, "8080", RT_RESOLVE_PASSIVE | RT_RESOLVE_IPV4, &l), 0);
  assert_first_addr(l, "0.0.0.0:8080");
  rt_addrlist_free(l);
}

static void test_invalid_tld_fails_without_lookup(void **state)
{
  (void)state;
  struct rt_net_stats before = stats();
  int calls = atomic_load(&gai_calls);
  rt_addrlist *l = (rt_addrlist *)&l;
  assert_int_equal(rt_resolve("nosuch.invalid", NULL, 0, &l), RT_ERESOLVE);
  assert_null(l);
  assert_int_equal(rt_last_error_code(), RT_ERESOLVE);
  assert_true(rt_str_has_prefix(
      rt_last_error(), "resolving 'nosuch.invalid': Name or service not known"));
  assert_int_equal(rt_resolve("A.B.INVALID.", "80", 0, &l), RT_ERESOLVE);
  assert_int_equal(rt_resolve("invalid", NULL, 0, &l), RT_ERESOLVE);
  struct rt_net_stats after = stats();
  assert_int_equal(after.misses, before.misses);
  assert_int_equal(after.hits, before.hits);
  assert_int_equal(atomic_load(&gai_calls), calls);
  /* "notinvalid" is an ordinary name; checked numerically to stay local. */
  assert_int_equal(rt_resolve("notinvalid", NULL, RT_RESOLVE_NUMERIC, &l),
                   RT_ERESOLVE);
  assert_int_equal(stats().misses, before.misses + 1);
}

/* Under tr_TR.UTF-8 strncasecmp() does not match "INVALID" with
 * "invalid" (I folds to a dotless i): a name under the reserved domain
 * in capitals went to the resolver in a program that had set that
 * locale.  The locale is put back by the teardown, whatever fails. */
static void test_invalid_tld_under_turkish_locale(void **state)
{
  (void)state;
  if (!setlocale(LC_ALL, "tr_TR.UTF-8"))
    fail_msg("locale tr_TR.UTF-8 is not installed (Debian: locales-all)");
  /* In effect: i has no one-byte capital.  (Not strncasecmp: the
   * sanitizers replace it with an ASCII one of their own.) */
  assert_int_equal(toupper('i'), 'i');
  struct rt_net_stats before = stats();
  int calls = atomic_load(&gai_calls);
  rt_addrlist *l = (rt_addrlist *)&l;
  assert_int_equal(rt_resolve("A.B.INVALID.", "80", 0, &l), RT_ERESOLVE);
  assert_null(l);
  assert_int_equal(atomic_load(&gai_calls), calls);
  assert_int_equal(stats().misses, before.misses);
}

static int c_locale(void **state)
{
  (void)state;
  setlocale(LC_ALL, "C");
  return 0;
}

/* ---- argument checks --------------------------------------------------- */

static void test_null_and_empty_arguments(void **state)
{
  (void)state;
  rt_addrlist *l = NULL;
  assert_int_equal(rt_resolve(NULL, "80", 0, &l), RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "HOST is NULL"));
  assert_int_equal(rt_resolve("", "80", 0, &l), RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "empty"));
  assert_int_equal(rt_resolve("localhost", "", 0, &l), RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "service"));
  assert_int_equal(rt_resolve("localhost", "80", 0, NULL), RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "OUT is NULL"));
  assert_int_equal(rt_resolve("localhost", "80", 1u << 20, &l), RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "unknown flags 0x100000"));
  assert_int_equal(rt_resolve("local host", "80", 0, &l), RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "space or control character"));
  assert_null(l);
}

static void fill_labels(char *name, size_t len, size_t label)
{
  memset(name, 'a', len);
  for (size_t i = label; i < len; i += label + 1)
    name[i] = '.';
  name[len] = '\0';
}

static void test_long_names(void **state)
{
  (void)state;
  char name[400];
  rt_addrlist *l = NULL;
  struct rt_net_stats before = stats();
  int calls = atomic_load(&gai_calls);
  fill_labels(name, 254, 50);
  assert_int_equal(rt_resolve(name, NULL, 0, &l), RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "longer than 253 bytes"));
  fill_labels(name, 399, 50);
  assert_int_equal(rt_resolve(name, NULL, 0, &l), RT_EINVAL);
  fill_labels(name, 100, 64);
  assert_int_equal(rt_resolve(name, NULL, 0, &l), RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "label 1"));
  assert_non_null(strstr(rt_last_error(), "64 bytes long"));
  assert_int_equal(rt_resolve("a..b", NULL, 0, &l), RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "empty label (label 2)"));
  assert_int_equal(rt_resolve(".a", NULL, 0, &l), RT_EINVAL);
  assert_int_equal(stats().misses, before.misses);
  assert_int_equal(atomic_load(&gai_calls), calls);
  /* At the limits (253 bytes plus a final dot, 63-byte labels) the name is
   * accepted and handed to getaddrinfo, numeric-only to stay local. */
  fill_labels(name, 253, 63);
  strcat(name, ".");
  assert_int_equal(rt_resolve(name, NULL, RT_RESOLVE_NUMERIC, &l),
                   RT_ERESOLVE);
  assert_non_null(strstr(rt_last_error(), "Name or service not known"));
  assert_int_equal(stats().misses, before.misses + 1);
  memset(name, 'x', 64);
  name[64] = '\0';
  assert_int_equal(rt_resolve("localhost", name, 0, &l), RT_EINVAL);
}

/* ---- address lists and formatting -------------------------------------- */

static void test_addrlist_null_safe(void **state)
{
  (void)state;
  assert_int_equal(rt_addrlist_count(NULL), 0);
  assert_null(rt_addrlist_get(NULL, 0, NULL));
  rt_addrlist_free(NULL);
}

static void test_format_ipv4_and_ipv6(void **state)
{
  (void)state;
  char text[RT_ADDR_STRLEN];
  struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(80)};
  inet_pton(AF_INET, "192.0.2.7", &in.sin_addr);
  assert_int_equal(
      rt_addr_format((struct sockaddr *)&in, sizeof in, text, sizeof text), 0);
  assert_string_equal(text, "192.0.2.7:80");
  struct sockaddr_in6 in6 = {.sin6_family = AF_INET6,
                             .sin6_port = htons(443)};
  inet_pton(AF_INET6, "2001:db8::1", &in6.sin6_addr);
  assert_int_equal(
      rt_addr_format((struct sockaddr *)&in6, sizeof in6, text, sizeof text),
      0);
  assert_string_equal(text, "[2001:db8::1]:443");
  unsigned lo = if_nametoindex("lo");
  SKIP_UNLESS(lo != 0, "no interface named lo for a scoped address");
  inet_pton(AF_INET6, "fe80::1", &in6.sin6_addr);
  in6.sin6_scope_id = lo;
  assert_int_equal(
      rt_addr_format((struct sockaddr *)&in6, sizeof in6, text, sizeof text),
      0);
  assert_string_equal(text, "[fe80::1%lo]:443");
}

static void test_format_errors(void **state)
{
  (void)state;
  char text[RT_ADDR_STRLEN];
  struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(8080)};
  inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
  const struct sockaddr *sa = (struct sockaddr *)&in;
  char small[8];
  assert_int_equal(rt_addr_format(sa, sizeof in, small, sizeof small),
                   RT_ERANGE);
  assert_string_equal(small, "127.0.0");
  assert_non_null(strstr(rt_last_error(), "RT_ADDR_STRLEN"));
  assert_int_equal(rt_addr_format(sa, 4, text, sizeof text), RT_EINVAL);
  assert_string_equal(text, "");
  struct sockaddr un = {.sa_family = AF_UNIX};
  assert_int_equal(rt_addr_format(&un, sizeof un, text, sizeof text),
                   RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "not an IPv4 or IPv6"));
  assert_int_equal(rt_addr_format(NULL, 0, text, sizeof text), RT_EINVAL);
  assert_int_equal(rt_addr_format(sa, sizeof in, NULL, 0), RT_EINVAL);
}

/* ---- the cache --------------------------------------------------------- */

static void test_hit_after_miss(void **state)
{
  (void)state;
  struct rt_net_stats s0 = stats();
  assert_int_equal(s0.entries, 0);
  rt_addrlist *a = NULL, *b = NULL, *c = NULL;
  assert_int_equal(rt_resolve("localhost", "80", RT_RESOLVE_IPV4, &a), 0);
  struct rt_net_stats s1 = stats();
  assert_int_equal(s1.misses, s0.misses + 1);
  assert_int_equal(s1.hits, s0.hits);
  assert_int_equal(s1.entries, 1);
  assert_int_equal(rt_resolve("LocalHost", "80", RT_RESOLVE_IPV4, &b), 0);
  struct rt_net_stats s2 = stats();
  assert_int_equal(s2.hits, s1.hits + 1);
  assert_int_equal(s2.misses, s1.misses);
  assert_int_equal(s1.misses - s0.misses, 1);
  assert_ptr_equal(a, b); /* the cached list itself, shared */
  /* Another port, family or flag set is another key. */
  assert_int_equal(rt_resolve("localhost", "81", RT_RESOLVE_IPV4, &c), 0);
  assert_first_addr(c, "127.0.0.1:81");
  assert_int_equal(stats().misses, s2.misses + 1);
  rt_addrlist_free(a);
  rt_addrlist_free(b);
  rt_addrlist_free(c);
}

static void test_expiry(void **state)
{
  (void)state;
  assert_int_equal(rt_resolve_cache_configure(16, 40, 40), 0);
  assert_int_equal(stats().ttl_ms, 40);
  rt_addrlist *l = NULL;
  assert_int_equal(rt_resolve("127.0.0.1", "1", RT_RESOLVE_NUMERIC, &l), 0);
  rt_addrlist_free(l);
  struct rt_net_stats s0 = stats();
  sleep_ms(60);
  assert_int_equal(rt_resolve("127.0.0.1", "1", RT_RESOLVE_NUMERIC, &l), 0);
  assert_first_addr(l, "127.0.0.1:1");
  rt_addrlist_free(l);
  struct rt_net_stats s1 = stats();
  assert_int_equal(s1.expirations, s0.expirations + 1);
  assert_int_equal(s1.misses, s0.misses + 1);
  assert_int_equal(s1.hits, s0.hits);
  assert_int_equal(s1.entries, 1);
}

static void test_flush(void **state)
{
  (void)state;
  rt_addrlist *kept = NULL, *l = NULL;
  assert_int_equal(rt_resolve("localhost", "22", RT_RESOLVE_IPV4, &kept), 0);
  assert_int_equal(stats().entries, 1);
  rt_resolve_cache_flush();
  assert_int_equal(stats().entries, 0);
  assert_first_addr(kept, "127.0.0.1:22"); /* still owned by the caller */
  struct rt_net_stats s0 = stats();
  assert_int_equal(rt_resolve("localhost", "22", RT_RESOLVE_IPV4, &l), 0);
  assert_int_equal(stats().misses, s0.misses + 1);
  assert_ptr_not_equal(l, kept);
  rt_addrlist_free(l);
  rt_addrlist_free(kept);
}

static int resolve_port(int port, unsigned flags)
{
  char service[8];
  snprintf(service, sizeof service, "%d", port);
  rt_addrlist *l = NULL;
  int rc = rt_resolve("127.0.0.1", service, RT_RESOLVE_NUMERIC | flags, &l);
  rt_addrlist_free(l);
  return rc;
}

static void test_eviction_at_capacity(void **state)
{
  (void)state;
  assert_int_equal(rt_resolve_cache_configure(4, 60000, 1000), 0);
  struct rt_net_stats s0 = stats();
  for (int port = 1; port <= 4; port++)
    assert_int_equal(resolve_port(port, 0), 0);
  assert_int_equal(resolve_port(1, 0), 0); /* 1 is now the most recent */
  assert_int_equal(resolve_port(5, 0), 0); /* evicts 2, the oldest */
  assert_int_equal(resolve_port(6, 0), 0); /* evicts 3 */
  struct rt_net_stats s1 = stats();
  assert_int_equal(s1.entries, 4);
  assert_int_equal(s1.capacity, 4);
  assert_int_equal(s1.evictions, s0.evictions + 2);
  assert_int_equal(s1.misses, s0.misses + 6);
  assert_int_equal(resolve_port(1, 0), 0);
  assert_int_equal(resolve_port(4, 0), 0);
  assert_int_equal(stats().hits, s1.hits + 2);
  assert_int_equal(resolve_port(2, 0), 0);
  assert_int_equal(stats().misses, s1.misses + 1);
  /* Shrinking evicts at once; capacity 0 stops caching. */
  assert_int_equal(rt_resolve_cache_configure(1, 60000, 1000), 0);
  assert_int_equal(stats().entries, 1);
  assert_int_equal(rt_resolve_cache_configure(0, 60000, 1000), 0);
  assert_int_equal(resolve_port(7, 0), 0);
  assert_int_equal(resolve_port(7, 0), 0);
  assert_int_equal(stats().entries, 0);
  assert_int_equal(rt_resolve_cache_configure((1u << 20) + 1, 1, 1),
                   RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "capacity"));
}

static void test_negative_answers(void **state)
{
  (void)state;
  rt_addrlist *l = NULL;
  struct rt_net_stats s0 = stats();
  assert_int_equal(rt_resolve("localhost", NULL, RT_RESOLVE_NUMERIC, &l),
                   RT_ERESOLVE);
  assert_int_equal(rt_resolve("localhost", NULL, RT_RESOLVE_NUMERIC, &l),
                   RT_ERESOLVE);
  /* The cached failure carries the same message. */
  assert_true(rt_str_has_prefix(
      rt_last_error(), "resolving 'localhost': Name or service not known"));
  struct rt_net_stats s1 = stats();
  assert_int_equal(s1.misses, s0.misses + 1);
  assert_int_equal(s1.failures, s0.failures + 1);
  assert_int_equal(s1.hits, s0.hits + 1);
  /* negative_ttl_ms 0: failures are not remembered. */
  assert_int_equal(rt_resolve_cache_configure(16, 60000, 0), 0);
  rt_resolve_cache_flush();
  assert_int_equal(rt_resolve("localhost", NULL, RT_RESOLVE_NUMERIC, &l),
                   RT_ERESOLVE);
  assert_int_equal(rt_resolve("localhost", NULL, RT_RESOLVE_NUMERIC, &l),
                   RT_ERESOLVE);
  assert_int_equal(stats().misses, s1.misses + 2);
  assert_int_equal(stats().entries, 0);
}

static void test_nocache_bypasses(void **state)
{
  (void)state;
  struct rt_net_stats s0 = stats();
  assert_int_equal(resolve_port(99, RT_RESOLVE_NOCACHE), 0);
  assert_int_equal(resolve_port(99, RT_RESOLVE_NOCACHE), 0);
  struct rt_net_stats s1 = stats();
  assert_int_equal(s1.uncached, s0.uncached + 2);
  assert_int_equal(s1.misses, s0.misses);
  assert_int_equal(s1.hits, s0.hits);
  assert_int_equal(s1.entries, 0);
}

static void test_out_of_memory(void **state)
{
  (void)state;
  rt_addrlist *l = NULL;
  rt_heap_fail_after(0);
  int rc = rt_resolve("127.0.0.1", "5", RT_RESOLVE_NUMERIC, &l);
  rt_heap_fail_after(-1);
  assert_int_equal(rc, RT_ENOMEM);
  assert_null(l);
  assert_non_null(strstr(rt_last_error(), "resolving '127.0.0.1'"));
  /* Nothing half-made was cached: the next lookup works. */
  assert_int_equal(resolve_port(5, 0), 0);
  assert_int_equal(rt_net_stats(NULL), RT_EINVAL);
}

/* A child process inherits the cache and can use it at once (the lock is
 * not left held by fork). */
static int child_lookups(void)
{
  struct rt_net_stats s0 = stats();
  rt_addrlist *l = NULL;
  if (rt_resolve("localhost", "80", RT_RESOLVE_IPV4, &l) != 0)
    return 1;
  rt_addrlist_free(l);
  if (resolve_port(9, 0) != 0)
    return 2;
  struct rt_net_stats s1 = stats();
  return s1.hits == s0.hits + 1 && s1.misses == s0.misses + 1 ? 0 : 3;
}

static void test_fork_child_uses_cache(void **state)
{
  (void)state;
  rt_addrlist *l = NULL;
  assert_int_equal(rt_resolve("localhost", "80", RT_RESOLVE_IPV4, &l), 0);
  rt_addrlist_free(l);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0)
    _exit(child_lookups());
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  assert_int_equal(stats().entries, 1); /* the child's miss stayed there */
}

/* ---- threads ----------------------------------------------------------- */

#define THREADS 8
#define ROUNDS 200

static pthread_barrier_t start_line;

static const struct {
  const char *host, *service;
  unsigned flags;
  const char *first;
} names[] = {
    {"localhost", "80", RT_RESOLVE_IPV4, "127.0.0.1:80"},
    {"127.0.0.1", "443", RT_RESOLVE_NUMERIC, "127.0.0.1:443"},
    {"127.0.0.2", "8080", 0, "127.0.0.2:8080"},
    {"LOCALHOST", "80", RT_RESOLVE_IPV4, "127.0.0.1:80"},
};

static void *lookup_thread(void *arg)
{
  size_t bad = 0, seed = (size_t)(uintptr_t)arg;
  pthread_barrier_wait(&start_line);
  for (size_t i = 0; i < ROUNDS; i++) {
    size_t n = (i + seed) % (sizeof names / sizeof names[0]);
    rt_addrlist *l = NULL;
    char text[RT_ADDR_STRLEN] = "";
    socklen_t len = 0;
    const struct sockaddr *sa = NULL;
    if (rt_resolve(names[n].host, names[n].service, names[n].flags, &l) == 0)
      sa = rt_addrlist_get(l, 0, &len);
    if (sa == NULL || rt_addr_format(sa, len, text, sizeof text) != 0 ||
        strcmp(text, names[n].first) != 0)
      bad++;
    rt_addrlist_free(l);
  }
  return (void *)(uintptr_t)bad;
}

static void test_eight_threads(void **state)
{
  (void)state;
  pthread_t t[THREADS];
  struct rt_net_stats s0 = stats();
  pthread_barrier_init(&start_line, NULL, THREADS);
  for (uintptr_t i = 0; i < THREADS; i++)
    assert_int_equal(
        pthread_create(&t[i], NULL, lookup_thread, (void *)(i % 2)), 0);
  size_t bad = 0;
  for (int i = 0; i < THREADS; i++) {
    void *r;
    pthread_join(t[i], &r);
    bad += (size_t)(uintptr_t)r;
  }
  pthread_barrier_destroy(&start_line);
  assert_int_equal(bad, 0);
  struct rt_net_stats s1 = stats();
  /* "localhost" and "LOCALHOST" are one key: three getaddrinfo calls in
   * all, however the threads interleave. */
  assert_int_equal(s1.misses - s0.misses, 3);
  assert_int_equal((s1.hits - s0.hits) + (s1.coalesced - s0.coalesced) + 3,
                   THREADS * ROUNDS);
  assert_int_equal(s1.entries, 3);
}

/* ---- single flight ------------------------------------------------------ */

struct query {
  const char *host;
  unsigned flags;
  int rc;
  rt_addrlist *list;
  bool message_ok;
};

static pthread_barrier_t flight_start;

static void *query_thread(void *arg)
{
  struct query *q = arg;
  pthread_barrier_wait(&flight_start);
  q->rc = rt_resolve(q->host, "7000", q->flags, &q->list);
  q->message_ok = q->rc == 0 || rt_str_has_prefix(rt_last_error(),
                                                  "resolving 'localhost' "
                                                  "service '7000': Name or "
                                                  "service not known");
  return NULL;
}

/* Eight threads miss on one name while its (slowed) lookup is under way. */
static void run_concurrent(struct query *q, const char *host, unsigned flags)
{
  pthread_t t[THREADS];
  pthread_barrier_init(&flight_start, NULL, THREADS);
  atomic_store(&gai_delay_ms, 200);
  for (int i = 0; i < THREADS; i++) {
    q[i] = (struct query){.host = host, .flags = flags};
    assert_int_equal(pthread_create(&t[i], NULL, query_thread, &q[i]), 0);
  }
  for (int i = 0; i < THREADS; i++)
    pthread_join(t[i], NULL);
  atomic_store(&gai_delay_ms, 0);
  pthread_barrier_destroy(&flight_start);
}

static void test_concurrent_misses_share_one_lookup(void **state)
{
  (void)state;
  struct query q[THREADS];
  struct rt_net_stats s0 = stats();
  int calls = atomic_load(&gai_calls);
  run_concurrent(q, "localhost", RT_RESOLVE_IPV4);
  assert_int_equal(atomic_load(&gai_calls) - calls, 1);
  for (int i = 0; i < THREADS; i++) {
    assert_int_equal(q[i].rc, 0);
    assert_ptr_equal(q[i].list, q[0].list); /* one shared answer */
  }
  assert_first_addr(q[0].list, "127.0.0.1:7000");
  for (int i = 0; i < THREADS; i++)
    rt_addrlist_free(q[i].list);
  struct rt_net_stats s1 = stats();
  assert_int_equal(s1.misses, s0.misses + 1);
  assert_int_equal((s1.coalesced - s0.coalesced) + (s1.hits - s0.hits),
                   THREADS - 1);
  /* The lookup takes 200 ms; threads released together arrive within it. */
  assert_true(s1.coalesced > s0.coalesced);
}

static void test_waiters_share_a_failure(void **state)
{
  (void)state;
  struct query q[THREADS];
  int calls = atomic_load(&gai_calls);
  run_concurrent(q, "localhost", RT_RESOLVE_NUMERIC);
  assert_int_equal(atomic_load(&gai_calls) - calls, 1);
  for (int i = 0; i < THREADS; i++) {
    assert_int_equal(q[i].rc, RT_ERESOLVE);
    assert_null(q[i].list);
    assert_true(q[i].message_ok);
  }
}

static void *slow_query_thread(void *arg)
{
  struct query *q = arg;
  q->rc = rt_resolve(q->host, "7001", q->flags, &q->list);
  return NULL;
}

/* A lookup under way while the cache is flushed does not refill it. */
static void test_flush_during_lookup(void **state)
{
  (void)state;
  struct query q = {.host = "localhost", .flags = RT_RESOLVE_IPV4};
  pthread_t t;
  atomic_store(&gai_delay_ms, 200);
  assert_int_equal(pthread_create(&t, NULL, slow_query_thread, &q), 0);
  for (int i = 0; i < 2000 && atomic_load(&gai_inside) == 0; i++)
    sleep_ms(1);
  rt_resolve_cache_flush();
  pthread_join(t, NULL);
  atomic_store(&gai_delay_ms, 0);
  assert_int_equal(q.rc, 0);
  assert_first_addr(q.list, "127.0.0.1:7001");
  rt_addrlist_free(q.list);
  assert_int_equal(stats().entries, 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, reset_cache)
      T(test_localhost_ipv4),
      T(test_localhost_any_family),
      T(test_localhost_ipv6),
      T(test_numeric_ipv6),
      T(test_numeric_ipv4),
      T(test_numeric_flag_refuses_names),
      T(test_service_names),
      T(test_passive_wildcard),
      T(test_invalid_tld_fails_without_lookup),
      cmocka_unit_test_setup_teardown(test_invalid_tld_under_turkish_locale,
                                      reset_cache, c_locale),
      T(test_null_and_empty_arguments),
      T(test_long_names),
      T(test_addrlist_null_safe),
      T(test_format_ipv4_and_ipv6),
      T(test_format_errors),
      T(test_hit_after_miss),
      T(test_expiry),
      T(test_flush),
      T(test_eviction_at_capacity),
      T(test_negative_answers),
      T(test_nocache_bypasses),
      T(test_out_of_memory),
      T(test_fork_child_uses_cache),
      T(test_eight_threads),
      T(test_concurrent_misses_share_one_lookup),
      T(test_waiters_share_a_failure),
      T(test_flush_during_lookup),
#undef T
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
