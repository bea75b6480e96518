/*
 * strings — text functions that return new strings on the runtime heap.
 * The caller (rthost, or any other module) frees them with rt_free():
 * possible only because every module shares the one heap.
 */
#include <runtime.h>

#include <string.h>

/* A NULL argument can come from a C caller, never from rthost. */
static bool present(const char *s, const char *fn)
{
  if (s == NULL)
    rt_set_error(RT_EINVAL, "%s: the string argument is NULL", fn);
  return s != NULL;
}

static char *upper(const char *s)
{
  char *out = present(s, "upper") ? rt_strdup(s) : NULL;
  for (char *p = out; p != NULL && *p != '\0'; p++)
    if (*p >= 'a' && *p <= 'z')
      *p = (char)(*p - 'a' + 'A');
  return out;
}

/* Length of the UTF-8 sequence starting with byte C (1 for stray bytes),
 * so that reversing keeps multi-byte characters whole. */
static size_t seq_len(unsigned char c)
{
  if (c >= 0xf0 && c <= 0xf4)
    return 4;
  if (c >= 0xe0)
    return c <= 0xef ? 3 : 1;
  return c >= 0xc2 ? 2 : 1;
}

static char *reverse(const char *s)
{
  if (!present(s, "reverse"))
    return NULL;
  size_t n = strlen(s);
  char *out = rt_alloc(n + 1);
  if (out == NULL)
    return NULL;
  out[n] = '\0';
  for (size_t i = 0; i < n;) {
    size_t len = seq_len((unsigned char)s[i]);
    if (len > n - i)
      len = 1;
    memcpy(out + n - i - len, s + i, len);
    i += len;
  }
  return out;
}

static char *concat(const char *a, const char *b)
{
  if (!present(a, "concat") || !present(b, "concat"))
    return NULL;
  char *out = NULL;
  return rt_asprintf(&out, "%s%s", a, b) < 0 ? NULL : out;
}

static size_t length(const char *s)
{
  return present(s, "length") ? strlen(s) : 0;
}

RT_PLUGIN("strings", "1.0.0", "Strings made on the runtime heap",
          RT_EXPORT(upper, "(str) -> str", "ASCII upper-case copy"),
          RT_EXPORT(reverse, "(str) -> str",
                    "reversed copy (UTF-8 characters kept whole)"),
          RT_EXPORT(concat, "(str, str) -> str", "the two strings joined"),
          RT_EXPORT(length, "(str) -> size", "length in bytes"));
