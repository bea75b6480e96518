/*
 * dns — name resolution through libruntime's process-wide cache.  The
 * cache lives in libruntime.so, so the plugin's lookups fill the same
 * cache the host and every other plugin read: `cache` shows the hits.
 */
#include <runtime.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

/* The address of SA without its port ("127.0.0.1", "::1"). */
static int address_text(const struct sockaddr *sa, char *buf, size_t size)
{
  const void *addr =
      sa->sa_family == AF_INET6
          ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
          : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
  if (inet_ntop(sa->sa_family, addr, buf, (socklen_t)size) == NULL)
    return rt_set_error(RT_EAFNOSUPPORT,
                        "resolve: cannot print an "
                        "address of family %d",
                        sa->sa_family);
  return 0;
}

/* Append TEXT to OUT unless it is there already (getaddrinfo may list an
 * address once per protocol). */
static int add_unique(rt_buf *out, const char *text)
{
  size_t n = strlen(text);
  for (const char *p = rt_buf_cstr(out); (p = strstr(p, text)) != NULL; p += n)
    if ((p == out->data || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
      return 0;
  if (out->len > 0 && rt_buf_append_char(out, ' ') != 0)
    return RT_ENOMEM;
  return rt_buf_append(out, text, n);
}

static int join_addresses(const rt_addrlist *list, rt_buf *out)
{
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < rt_addrlist_count(list); i++) {
    char text[INET6_ADDRSTRLEN];
    rc = address_text(rt_addrlist_get(list, i, NULL), text, sizeof text);
    if (rc == 0)
      rc = add_unique(out, text);
  }
  return rc;
}

static char *resolve(const char *name)
{
  rt_addrlist *list;
  if (rt_resolve(name, NULL, 0, &list) != 0)
    return NULL;
  rt_buf out = RT_BUF_INIT;
  int rc = join_addresses(list, &out);
  rt_addrlist_free(list);
  char *text = rc == 0 ? rt_buf_detach(&out) : NULL;
  rt_buf_free(&out);
  return text;
}

static char *cache(void)
{
  struct rt_net_stats st;
  char *text = NULL;
  if (rt_net_stats(&st) != 0)
    return NULL;
  if (rt_asprintf(&text, "%zu entries, %llu hits, %llu misses", st.entries,
                  (unsigned long long)st.hits,
                  (unsigned long long)st.misses) < 0)
    return NULL;
  return text;
}

RT_PLUGIN("dns", "1.0.0", "Name resolution through the shared cache",
          RT_EXPORT(resolve, "(str) -> str",
                    "the addresses of a host name, space-separated"),
          RT_EXPORT(cache, "() -> str",
                    "entries, hits and misses of the process-wide cache"));
