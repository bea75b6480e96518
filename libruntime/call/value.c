/* value.c — rt_value: clearing, text parsing and formatting. */
#include "call_int.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A returned struct with str members: free the ones it owns (see
 * RT__VALUE_STRS), then the block that starts before V.AGG. */
__attribute__((noinline)) static void free_struct_strs(void *agg)
{
  size_t n = ((size_t *)agg)[-1];
  const size_t *rec = (size_t *)agg - 1 - n;
  for (size_t i = 0; i < n; i++) {
    if (rec[i] == SIZE_MAX)
      continue;
    char *s;
    memcpy(&s, (char *)agg + rec[i], sizeof s);
    rt_free(s);
  }
  rt_free((char *)agg - RT__STR_HDR(n));
}

/* Text is read and written in the C locale whatever the process's is
 * (a decimal point, not a comma): the thread switches to it for the
 * duration of rt_value_parse/rt_value_format, for strtod and snprintf;
 * classes and case are tested with the rt__ascii_ functions, which no
 * locale changes. */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
  c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* The thread's previous locale, or 0 if the C locale is not available
 * (then the text is whatever the process's locale makes it). */
static locale_t enter_c_locale(void)
{
  pthread_once(&c_locale_once, c_locale_init);
  return c_locale ? uselocale(c_locale) : (locale_t)0;
}

static void leave_c_locale(locale_t old)
{
  if (old)
    uselocale(old);
}

/* What a value owns other than a cached result block. */
__attribute__((noinline)) static void clear_owned(rt_value *v)
{
  if (v->kind == RT_TYPE_STRUCT && (v->flags & RT__VALUE_STRS))
    free_struct_strs(v->v.agg);
  else
    rt_free(v->kind == RT_TYPE_STRUCT ? v->v.agg : v->v.owned_str);
}

/* A struct result's block goes back to the thread's cache (struct
 * rt__rcache), which its flags name; anything else owned is freed. */
void rt_value_clear(rt_value *v)
{
  if (!v)
    return;
  unsigned f = v->flags;
  unsigned rc = (f & RT__VALUE_RC) >> RT__VALUE_RC_SHIFT;
  if (RT_LIKELY(rc != 0) && v->kind == RT_TYPE_STRUCT &&
      (f & RT_VALUE_OWNED))
    rt__rc_put(v->v.agg, rc - 1);
  else if (f & RT_VALUE_OWNED)
    clear_owned(v);
  *v = (rt_value)RT_VALUE_INIT;
}

void rt__value_load(const rt_type *t, const void *src, rt_value *out)
{
  out->kind = t->kind;
  out->flags = 0;
  out->v.u64 = 0;
  if (t->kind == RT_TYPE_STRUCT)
    out->v.agg = (void *)src;
  else
    memcpy(&out->v, src, t->size);
}

void rt__value_store(const rt_type *t, const rt_value *v, void *dst)
{
  memcpy(dst, t->kind == RT_TYPE_STRUCT ? v->v.agg : (const void *)&v->v,
         t->size);
}

/* ---- parsing: integers ---------------------------------------------- */

struct int_range {
  bool is_signed;
  int64_t min;
  uint64_t max;
};

static struct int_range int_range(rt_type_kind k)
{
  switch (k) {
  case RT_TYPE_I8: return (struct int_range){true, INT8_MIN, INT8_MAX};
  case RT_TYPE_U8: return (struct int_range){false, 0, UINT8_MAX};
  case RT_TYPE_I16: return (struct int_range){true, INT16_MIN, INT16_MAX};
  case RT_TYPE_U16: return (struct int_range){false, 0, UINT16_MAX};
  case RT_TYPE_I32: return (struct int_range){true, INT32_MIN, INT32_MAX};
  case RT_TYPE_U32: return (struct int_range){false, 0, UINT32_MAX};
  case RT_TYPE_I64: return (struct int_range){true, INT64_MIN, INT64_MAX};
  case RT_TYPE_SSIZE:
    return (struct int_range){true, -(int64_t)SSIZE_MAX - 1, SSIZE_MAX};
  case RT_TYPE_SIZE: return (struct int_range){false, 0, SIZE_MAX};
  case RT_TYPE_PTR: return (struct int_range){false, 0, UINTPTR_MAX};
  default: return (struct int_range){false, 0, UINT64_MAX};
  }
}

/* Magnitude and sign of a decimal or 0x-hex integer.  Returns RT_ETYPE
 * for text that is not one, RT_ERANGE past 64 bits. */
static int scan_int(const char *s, bool *neg, uint64_t *mag)
{
  *neg = *s == '-';
  if (*s == '-' || *s == '+')
    s++;
  unsigned base = 10;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s += 2;
  }
  if (!*s)
    return RT_ETYPE;
  uint64_t m = 0;
  bool over = false;
  for (; *s; s++) {
    if (base == 16 ? !rt__ascii_xdigit((unsigned char)*s) : !rt__ascii_digit((unsigned char)*s))
      return RT_ETYPE;
    unsigned d = rt__ascii_digit((unsigned char)*s) ? (unsigned)(*s - '0')
                                            : (unsigned)(rt__ascii_lower((unsigned char)*s) - 'a' + 10);
    if (m > (UINT64_MAX - d) / base)
      over = true;
    m = m * base + d;
  }
  *mag = m;
  return over ? RT_ERANGE : 0;
}

static int range_error(const rt_type *t, const char *text)
{
  struct int_range r = int_range(t->kind);
  if (r.is_signed)
    return rt__error(RT_ERANGE, "'%s' is out of range for %s (%" PRId64
                     "..%" PRIu64 ")", text, t->name, r.min, r.max);
  return rt__error(RT_ERANGE, "'%s' is out of range for %s (0..%" PRIu64 ")",
                   text, t->name, r.max);
}

static int type_error(const rt_type *t, const char *text, const char *want)
{
  return rt__error(RT_ETYPE, "'%s' is not a valid %s (expected %s)", text,
                   t->name, want);
}

/* Any integer kind into a 64-bit pattern, range-checked for T. */
static int parse_int_bits(const rt_type *t, const char *text, uint64_t *bits)
{
  bool neg;
  uint64_t mag;
  int rc = scan_int(text, &neg, &mag);
  if (rc == RT_ETYPE)
    return type_error(t, text, "a decimal or 0x hex integer");
  struct int_range r = int_range(t->kind);
  if (rc == 0 && !neg && mag <= r.max) {
    *bits = mag;
    return 0;
  }
  if (rc == 0 && neg && r.is_signed && mag <= (uint64_t)0 - (uint64_t)r.min) {
    *bits = (uint64_t)0 - mag;
    return 0;
  }
  if (rc == 0 && neg && mag == 0) {
    *bits = 0;
    return 0;
  }
  return range_error(t, text);
}

static int parse_int(const rt_type *t, const char *text, rt_value *out)
{
  uint64_t bits = 0;
  int rc = parse_int_bits(t, text, &bits);
  if (rc < 0)
    return rc;
  out->kind = t->kind;
  rt__narrow(t->kind, bits, out);
  return 0;
}

/* ---- parsing: other scalars ----------------------------------------- */

static bool text_is_inf(const char *s)
{
  if (*s == '-' || *s == '+')
    s++;
  return rt__ascii_ncasecmp(s, "inf", 3) == 0;
}

/* strtod/strtof over the whole text; a finite text that overflows is out
 * of range, an underflow to a denormal or zero is the nearest value. */
static int parse_float(const rt_type *t, const char *text, rt_value *out)
{
  char *end;
  errno = 0;
  double d = 0;
  float f = 0;
  if (t->kind == RT_TYPE_F32)
    f = strtof(text, &end);
  else
    d = strtod(text, &end);
  if (end == text || *end || rt__ascii_space((unsigned char)*text))
    return type_error(t, text, "a number, nan, inf or a hex float");
  bool inf = t->kind == RT_TYPE_F32 ? isinf(f) : isinf(d);
  if (errno == ERANGE && inf && !text_is_inf(text))
    return rt__error(RT_ERANGE, "'%s' is out of range for %s (magnitude up "
                     "to %g)", text, t->name,
                     t->kind == RT_TYPE_F32 ? (double)FLT_MAX : DBL_MAX);
  out->kind = t->kind;
  if (t->kind == RT_TYPE_F32)
    out->v.f32 = f;
  else
    out->v.f64 = d;
  return 0;
}

static int parse_bool(const rt_type *t, const char *text, rt_value *out)
{
  static const char *const words[] = {"false", "no", "0", "true", "yes", "1"};
  for (size_t i = 0; i < RT_ARRAY_LEN(words); i++) {
    if (rt__ascii_casecmp(text, words[i]) == 0) {
      out->kind = RT_TYPE_BOOL;
      out->v.b = i >= 3;
      return 0;
    }
  }
  return type_error(t, text, "true, false, yes, no, 1 or 0");
}

static int parse_char(const rt_type *t, const char *text, rt_value *out)
{
  out->kind = RT_TYPE_CHAR;
  if (text[0] && !text[1]) {
    out->v.c = text[0];
    return 0;
  }
  bool neg;
  uint64_t code;
  int rc = scan_int(text, &neg, &code);
  if (rc == RT_ETYPE || neg || !rt__ascii_digit((unsigned char)text[0])) {
    out->kind = RT_TYPE_VOID;
    return type_error(t, text, "one character or a decimal code 0..255");
  }
  if (rc || code > UCHAR_MAX) {
    out->kind = RT_TYPE_VOID;
    return rt__error(RT_ERANGE, "'%s' is out of range for char (0..255)",
                     text);
  }
  out->v.c = (char)(unsigned char)code;
  return 0;
}

static int parse_ptr(const rt_type *t, const char *text, rt_value *out)
{
  if (rt__ascii_casecmp(text, "NULL") == 0) {
    out->kind = RT_TYPE_PTR;
    out->v.ptr = NULL;
    return 0;
  }
  if (text[0] == '-' || text[0] == '+')
    return type_error(t, text, "0x hex, decimal or NULL");
  return parse_int(t, text, out);
}

static int parse_str(const char *text, size_t n, rt_value *out)
{
  char *s = rt_strndup(text, n);
  if (!s)
    return rt__error_context("parsing a str argument");
  out->kind = RT_TYPE_STR;
  out->flags = RT_VALUE_OWNED;
  out->v.owned_str = s;
  return 0;
}

/* A scalar other than str, from a NUL-terminated token. */
static int parse_scalar(const rt_type *t, const char *text, rt_value *out)
{
  switch (t->kind) {
  case RT_TYPE_BOOL: return parse_bool(t, text, out);
  case RT_TYPE_CHAR: return parse_char(t, text, out);
  case RT_TYPE_F32:
  case RT_TYPE_F64: return parse_float(t, text, out);
  case RT_TYPE_PTR: return parse_ptr(t, text, out);
  default: return parse_int(t, text, out);
  }
}

/* ---- parsing: structs and the entry point ----------------------------- */

struct vparser {
  const char *text;
  const char *p;
  char *tail; /* where the next str member's bytes go */
};

static void vskip(struct vparser *vp)
{
  while (rt__ascii_space((unsigned char)*vp->p))
    vp->p++;
}

static int syntax_error(const struct vparser *vp, const rt_type *t,
                        const char *want)
{
  return rt__error(RT_ETYPE, "'%s' is not a valid %s: expected %s at column "
                   "%zu", vp->text, t->name, want,
                   (size_t)(vp->p - vp->text) + 1);
}

static bool has_str(const rt_type *t)
{
  if (t->kind == RT_TYPE_STR)
    return true;
  for (size_t i = 0; i < t->nmembers; i++)
    if (has_str(t->members[i]))
      return true;
  return false;
}

/* A scalar token: from here to the next ',' or '}', spaces trimmed. */
static size_t token_len(struct vparser *vp)
{
  size_t n = strcspn(vp->p, ",}");
  while (n && rt__ascii_space((unsigned char)vp->p[n - 1]))
    n--;
  return n;
}

static int parse_token(const rt_type *t, const char *s, size_t n,
                       rt_value *v)
{
  char *tok = rt_strndup(s, n);
  if (!tok)
    return RT_ENOMEM;
  int rc = parse_scalar(t, tok, v);
  rt_free(tok);
  return rc;
}

static int parse_agg(struct vparser *vp, const rt_type *t, char *dst);

static int parse_member(struct vparser *vp, const rt_type *t, char *dst)
{
  vskip(vp);
  if (t->kind == RT_TYPE_STRUCT)
    return parse_agg(vp, t, dst);
  size_t n = token_len(vp);
  const char *s = vp->p;
  vp->p += n;
  if (t->kind == RT_TYPE_STR) {
    memcpy(vp->tail, s, n);
    vp->tail[n] = '\0';
    memcpy(dst, &vp->tail, sizeof vp->tail);
    vp->tail += n + 1;
    return 0;
  }
  rt_value v = RT_VALUE_INIT;
  int rc = parse_token(t, s, n, &v);
  if (rc == 0)
    rt__value_store(t, &v, dst);
  return rc;
}

static int parse_agg(struct vparser *vp, const rt_type *t, char *dst)
{
  vskip(vp);
  if (*vp->p != '{')
    return syntax_error(vp, t, "'{'");
  vp->p++;
  for (size_t i = 0; i < t->nmembers; i++) {
    vskip(vp);
    if (i > 0 && *vp->p++ != ',') {
      vp->p--;
      return syntax_error(vp, t, "','");
    }
    int rc = parse_member(vp, t->members[i], dst + t->offsets[i]);
    if (rc < 0)
      return rt__error_context("member %zu of %s", i + 1, t->name);
  }
  vskip(vp);
  if (*vp->p != '}')
    return syntax_error(vp, t, "'}'");
  vp->p++;
  return 0;
}

static int parse_struct(const rt_type *t, const char *text, rt_value *out)
{
  size_t extra = has_str(t) ? strlen(text) + 1 : 0;
  char *mem = rt_calloc(1, t->size + extra);
  if (!mem)
    return rt__error_context("parsing a %s value", t->name);
  struct vparser vp = {text, text, mem + t->size};
  int rc = parse_agg(&vp, t, mem);
  vskip(&vp);
  if (rc == 0 && *vp.p)
    rc = syntax_error(&vp, t, "end of text");
  if (rc < 0) {
    rt_free(mem);
    return rc;
  }
  out->kind = RT_TYPE_STRUCT;
  out->flags = RT_VALUE_OWNED;
  out->v.agg = mem;
  return 0;
}

static int parse_trimmed(const rt_type *t, const char *text, rt_value *out)
{
  while (rt__ascii_space((unsigned char)*text))
    text++;
  size_t n = strlen(text);
  while (n && rt__ascii_space((unsigned char)text[n - 1]))
    n--;
  return parse_token(t, text, n, out);
}

static int parse_value(const rt_type *t, const char *text, rt_value *out)
{
  int rc;
  switch (t->kind) {
  case RT_TYPE_VOID:
    return rt__error(RT_EINVAL, "rt_value_parse: void has no values ('%s')",
                     text);
  case RT_TYPE_STR: return parse_str(text, strlen(text), out);
  case RT_TYPE_CHAR:
    if (text[0] && !text[1])
      return parse_char(t, text, out);
    break;
  case RT_TYPE_STRUCT: return parse_struct(t, text, out);
  default: break;
  }
  rc = parse_trimmed(t, text, out);
  if (rc < 0)
    *out = (rt_value)RT_VALUE_INIT;
  return rc;
}

int rt_value_parse(const rt_type *t, const char *text, rt_value *out)
{
  if (out)
    *out = (rt_value)RT_VALUE_INIT;
  if (!t || !text || !out)
    return rt__error(RT_EINVAL, "rt_value_parse: %s is NULL",
                     !t ? "T" : !text ? "TEXT" : "OUT");
  locale_t old = enter_c_locale();
  int rc = parse_value(t, text, out);
  leave_c_locale(old);
  return rc;
}

/* ---- formatting ------------------------------------------------------ */

/* The fewest significant digits that read back as the same value. */
static int shortest_digits(double d, bool f32)
{
  char tmp[40];
  int maxp = f32 ? 9 : 17;
  for (int p = 1; p < maxp; p++) {
    snprintf(tmp, sizeof tmp, "%.*e", p - 1, d);
    if (f32 ? strtof(tmp, NULL) == (float)d : strtod(tmp, NULL) == d)
      return p;
  }
  return maxp;
}

/* Plain notation for exponents -4..15, scientific beyond (like %g, but
 * with the shortest round-trip digits): 0.1, 100000, 1e+300, 5e-324. */
static int fmt_float(rt_buf *out, double d, bool f32)
{
  if (isnan(d))
    return rt_buf_append_str(out, "nan");
  if (isinf(d))
    return rt_buf_append_str(out, d < 0 ? "-inf" : "inf");
  int p = shortest_digits(d, f32);
  char tmp[48];
  snprintf(tmp, sizeof tmp, "%.*e", p - 1, d);
  int exp = atoi(strchr(tmp, 'e') + 1);
  if (exp < -4 || exp >= 16)
    return rt_buf_printf(out, "%.*e", p - 1, d);
  int decimals = p - 1 - exp;
  return rt_buf_printf(out, "%.*f", decimals > 0 ? decimals : 0, d);
}

static int fmt_int(rt_buf *out, rt_type_kind k, const rt_value *v)
{
  rt_value tmp = *v;
  uint64_t bits = rt__widen(&tmp);
  struct int_range r = int_range(k);
  if (r.is_signed)
    return rt_buf_printf(out, "%" PRId64, (int64_t)bits);
  return rt_buf_printf(out, "%" PRIu64, bits);
}

static int fmt_struct(const rt_type *t, const void *agg, rt_buf *out);

static int fmt_scalar(const rt_type *t, const rt_value *v, rt_buf *out)
{
  switch (t->kind) {
  case RT_TYPE_VOID: return 0;
  case RT_TYPE_BOOL: return rt_buf_append_str(out, v->v.b ? "true" : "false");
  case RT_TYPE_CHAR: return rt_buf_append_char(out, v->v.c);
  case RT_TYPE_F32: return fmt_float(out, v->v.f32, true);
  case RT_TYPE_F64: return fmt_float(out, v->v.f64, false);
  case RT_TYPE_PTR:
    return rt_buf_printf(out, "0x%" PRIxPTR, (uintptr_t)v->v.ptr);
  case RT_TYPE_STR: return rt_buf_append_str(out, v->v.str ? v->v.str : "NULL");
  case RT_TYPE_STRUCT: return fmt_struct(t, v->v.agg, out);
  default: return fmt_int(out, t->kind, v);
  }
}

/* Whether a char member C must be printed as its code for the struct to
 * read back: the member text is trimmed and ends at ',' or '}', and a NUL
 * would end the string. */
static bool char_needs_code(char c)
{
  return c == '\0' || c == ',' || c == '{' || c == '}' ||
         rt__ascii_space((unsigned char)c);
}

static int fmt_struct(const rt_type *t, const void *agg, rt_buf *out)
{
  int rc = rt_buf_append_char(out, '{');
  for (size_t i = 0; rc == 0 && i < t->nmembers; i++) {
    rt_value m;
    rt__value_load(t->members[i], (const char *)agg + t->offsets[i], &m);
    if (i > 0)
      rc = rt_buf_append_str(out, ", ");
    if (rc == 0 && m.kind == RT_TYPE_CHAR && char_needs_code(m.v.c))
      rc = rt_buf_printf(out, "%u", (unsigned)(unsigned char)m.v.c);
    else if (rc == 0)
      rc = fmt_scalar(t->members[i], &m, out);
  }
  return rc ? rc : rt_buf_append_char(out, '}');
}

int rt_value_format(const rt_type *t, const rt_value *v, rt_buf *out)
{
  if (!t || !v || !out)
    return rt__error(RT_EINVAL, "rt_value_format: %s is NULL",
                     !t ? "T" : !v ? "V" : "OUT");
  if (v->kind != t->kind)
    return rt__error(RT_ETYPE, "rt_value_format: the value is %s, expected %s",
                     rt_type_kind_name(v->kind), t->name);
  if (t->kind == RT_TYPE_STRUCT && !v->v.agg)
    return rt__error(RT_EINVAL, "rt_value_format: %s value has no struct "
                     "memory (v.agg is NULL)", t->name);
  locale_t old = enter_c_locale();
  int rc = fmt_scalar(t, v, out);
  leave_c_locale(old);
  return rc;
}
