/* buf.c — growable byte buffers on the runtime heap. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

void rt_buf_init(rt_buf *b)
{
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
}

void rt_buf_free(rt_buf *b)
{
  if (b == NULL)
    return;
  rt_free(b->data);
  rt_buf_init(b);
}

int rt_buf_reserve(rt_buf *b, size_t extra)
{
  if (extra > SIZE_MAX - b->len - 1)
    return rt__error(RT_EOVERFLOW, "rt_buf_reserve: %zu more bytes after %zu "
                     "would overflow size_t", extra, b->len);
  size_t need = b->len + extra + 1;
  if (need <= b->cap)
    return 0;
  size_t cap = b->cap ? b->cap : 32;
  while (cap < need)
    cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  char *p = rt_realloc(b->data, cap);
  if (p == NULL)
    return rt__error(RT_ENOMEM, "rt_buf_reserve: cannot grow a buffer to %zu "
                     "bytes: out of memory", cap);
  p[b->len] = '\0';
  b->data = p;
  b->cap = cap;
  return 0;
}

int rt_buf_append(rt_buf *b, const void *data, size_t n)
{
  int rc = rt_buf_reserve(b, n);
  if (rc < 0)
    return rc;
  if (n > 0)
    memcpy(b->data + b->len, data, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

int rt_buf_append_str(rt_buf *b, const char *s)
{
  return rt_buf_append(b, s, strlen(s));
}

int rt_buf_append_char(rt_buf *b, char c) { return rt_buf_append(b, &c, 1); }

int rt_buf_vprintf(rt_buf *b, const char *fmt, va_list ap)
{
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0)
    return rt__error(RT_EINVAL, "rt_buf_printf: bad format string '%s'", fmt);
  int rc = rt_buf_reserve(b, (size_t)n);
  if (rc < 0)
    return rc;
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
  return 0;
}

int rt_buf_printf(rt_buf *b, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int rc = rt_buf_vprintf(b, fmt, ap);
  va_end(ap);
  return rc;
}

void rt_buf_clear(rt_buf *b) { rt_buf_truncate(b, 0); }

void rt_buf_truncate(rt_buf *b, size_t len)
{
  if (len >= b->len)
    return;
  b->len = len;
  b->data[len] = '\0';
}

void rt_buf_consume(rt_buf *b, size_t n)
{
  if (n >= b->len) {
    rt_buf_truncate(b, 0);
    return;
  }
  memmove(b->data, b->data + n, b->len - n);
  rt_buf_truncate(b, b->len - n);
}

const char *rt_buf_cstr(const rt_buf *b) { return b->data ? b->data : ""; }

char *rt_buf_detach(rt_buf *b)
{
  if (b->data == NULL && rt_buf_reserve(b, 0) < 0)
    return NULL;
  char *s = b->data;
  rt_buf_init(b);
  return s;
}

int rt_asprintf(char **out, const char *fmt, ...)
{
  if (out == NULL)
    return rt__error(RT_EINVAL, "rt_asprintf: OUT is NULL");
  rt_buf b = RT_BUF_INIT;
  va_list ap;
  va_start(ap, fmt);
  int rc = rt_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  if (rc < 0) {
    rt_buf_free(&b);
    return rc;
  }
  size_t len = b.len;
  *out = rt_buf_detach(&b);
  if (*out == NULL)
    return RT_ENOMEM;
  return len > INT32_MAX ? INT32_MAX : (int)len;
}

bool rt_str_has_prefix(const char *s, const char *prefix)
{
  return s && prefix && strncmp(s, prefix, strlen(prefix)) == 0;
}

bool rt_str_has_suffix(const char *s, const char *suffix)
{
  if (s == NULL || suffix == NULL)
    return false;
  size_t n = strlen(s), m = strlen(suffix);
  return m <= n && memcmp(s + n - m, suffix, m) == 0;
}
