/* bench_net.c — a cached rt_resolve() against a raw getaddrinfo() of
 * "localhost" (answered from /etc/hosts, never the network), in one run. */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <runtime.h>

#define ITERS_GAI 20000
#define ITERS_CACHED 2000000

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double bench_getaddrinfo(void)
{
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
  double t0 = now_s();
  for (int i = 0; i < ITERS_GAI; i++) {
    struct addrinfo *res = NULL;
    if (getaddrinfo("localhost", "80", &hints, &res) != 0) {
      fprintf(stderr, "bench_net: getaddrinfo(localhost) failed\n");
      exit(1);
    }
    freeaddrinfo(res);
  }
  return (now_s() - t0) / ITERS_GAI;
}

static double bench_cached(void)
{
  double t0 = now_s();
  for (int i = 0; i < ITERS_CACHED; i++) {
    rt_addrlist *l = NULL;
    if (rt_resolve("localhost", "80", RT_RESOLVE_IPV4, &l) != 0) {
      fprintf(stderr, "bench_net: %s\n", rt_last_error());
      exit(1);
    }
    rt_addrlist_free(l);
  }
  return (now_s() - t0) / ITERS_CACHED;
}

int main(void)
{
  rt_addrlist *warm = NULL;
  if (rt_resolve("localhost", "80", RT_RESOLVE_IPV4, &warm) != 0) {
    fprintf(stderr, "bench_net: %s\n", rt_last_error());
    return 1;
  }
  rt_addrlist_free(warm);
  double gai = bench_getaddrinfo();
  double cached = bench_cached();
  struct rt_net_stats st;
  if (rt_net_stats(&st) != 0)
    return 1;
  printf("%-36s %10.1f ns/lookup  (%d lookups)\n", "getaddrinfo(\"localhost\")",
         gai * 1e9, ITERS_GAI);
  printf("%-36s %10.1f ns/lookup  (%d lookups)\n",
         "rt_resolve(\"localhost\"), cached", cached * 1e9, ITERS_CACHED);
  printf("cache: %llu hits, %llu misses\n", (unsigned long long)st.hits,
         (unsigned long long)st.misses);
  printf("ratio: net.resolve: getaddrinfo/rt_cached = %.1f\n", gai / cached);
  return 0;
}
