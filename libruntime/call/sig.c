/* sig.c — types, the signature parser, and rt_sig (with its libffi cif
 * and its call plan, both made once when the signature is parsed). */
#include "call_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(bool) == 1, "bool is passed as a uint8");
_Static_assert(sizeof(ssize_t) == sizeof(size_t), "ssize is size-wide");

#if CHAR_MIN < 0
#define RT_FFI_CHAR ffi_type_sint8
#else
#define RT_FFI_CHAR ffi_type_uint8
#endif
#if SIZE_MAX == UINT64_MAX
#define RT_FFI_SIZE ffi_type_uint64
#define RT_FFI_SSIZE ffi_type_sint64
#else
#define RT_FFI_SIZE ffi_type_uint32
#define RT_FFI_SSIZE ffi_type_sint32
#endif

#define SCALAR(k, name, ctype, ffit)                                          \
  [k] = {k, sizeof(ctype), _Alignof(ctype), 0, NULL, NULL, name, &ffit, {0}}

/* The scalar types are shared by every signature; only structs are built. */
static const rt_type scalars[] = {
    [RT_TYPE_VOID] = {RT_TYPE_VOID, 0, 1, 0, NULL, NULL, "void",
                      &ffi_type_void, {0}},
    SCALAR(RT_TYPE_BOOL, "bool", bool, ffi_type_uint8),
    SCALAR(RT_TYPE_CHAR, "char", char, RT_FFI_CHAR),
    SCALAR(RT_TYPE_I8, "i8", int8_t, ffi_type_sint8),
    SCALAR(RT_TYPE_U8, "u8", uint8_t, ffi_type_uint8),
    SCALAR(RT_TYPE_I16, "i16", int16_t, ffi_type_sint16),
    SCALAR(RT_TYPE_U16, "u16", uint16_t, ffi_type_uint16),
    SCALAR(RT_TYPE_I32, "i32", int32_t, ffi_type_sint32),
    SCALAR(RT_TYPE_U32, "u32", uint32_t, ffi_type_uint32),
    SCALAR(RT_TYPE_I64, "i64", int64_t, ffi_type_sint64),
    SCALAR(RT_TYPE_U64, "u64", uint64_t, ffi_type_uint64),
    SCALAR(RT_TYPE_F32, "f32", float, ffi_type_float),
    SCALAR(RT_TYPE_F64, "f64", double, ffi_type_double),
    SCALAR(RT_TYPE_SIZE, "size", size_t, RT_FFI_SIZE),
    SCALAR(RT_TYPE_SSIZE, "ssize", ssize_t, RT_FFI_SSIZE),
    SCALAR(RT_TYPE_PTR, "ptr", void *, ffi_type_pointer),
    SCALAR(RT_TYPE_STR, "str", char *, ffi_type_pointer),
};

/* ---- types ---------------------------------------------------------- */

rt_type_kind rt_type_kind_of(const rt_type *t) { return t->kind; }
size_t rt_type_size(const rt_type *t) { return t->size; }
size_t rt_type_align(const rt_type *t) { return t->align; }
size_t rt_type_nmembers(const rt_type *t) { return t->nmembers; }
const char *rt_type_name(const rt_type *t) { return t->name; }

const rt_type *rt_type_member(const rt_type *t, size_t i)
{
  return i < t->nmembers ? t->members[i] : NULL;
}

size_t rt_type_offset(const rt_type *t, size_t i)
{
  return i < t->nmembers ? t->offsets[i] : 0;
}

int rt_type_format(const rt_type *t, rt_buf *out)
{
  return rt_buf_append_str(out, t->name);
}

const char *rt_type_kind_name(rt_type_kind kind)
{
  if (kind == RT_TYPE_STRUCT)
    return "struct";
  if ((unsigned)kind < RT_ARRAY_LEN(scalars))
    return scalars[kind].name;
  return "?";
}

bool rt__kind_is_int(rt_type_kind k)
{
  return k != RT_TYPE_VOID && k != RT_TYPE_F32 && k != RT_TYPE_F64 &&
         k != RT_TYPE_STRUCT;
}

static void type_free(const rt_type *t)
{
  if (t->kind != RT_TYPE_STRUCT)
    return;
  for (size_t i = 0; i < t->nmembers; i++)
    type_free(t->members[i]);
  rt_free((void *)t);
}

/* The C layout: each member at the next multiple of its alignment, the
 * whole rounded up to the largest alignment (what libffi assumes too). */
static void struct_layout(rt_type *t)
{
  size_t off = 0, align = 1;
  for (size_t i = 0; i < t->nmembers; i++) {
    const rt_type *m = t->members[i];
    off = rt__align_up(off, m->align);
    t->offsets[i] = off;
    off += m->size;
    if (m->align > align)
      align = m->align;
  }
  t->size = rt__align_up(off, align);
  t->align = align;
}

static size_t names_len(const rt_type *const *ts, size_t n)
{
  size_t len = 0;
  for (size_t i = 0; i < n; i++)
    len += strlen(ts[i]->name) + (i ? 2 : 0);
  return len;
}

static char *join_names(char *dst, const rt_type *const *ts, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if (i) {
      memcpy(dst, ", ", 2);
      dst += 2;
    }
    size_t l = strlen(ts[i]->name);
    memcpy(dst, ts[i]->name, l);
    dst += l;
  }
  return dst;
}

/* One block: the type, its member/offset/ffi element arrays and name. */
static int struct_new(const rt_type **members, size_t n, rt_type **out)
{
  size_t namelen = names_len(members, n) + 2;
  size_t bytes = sizeof(rt_type) + n * sizeof(rt_type *) +
                 n * sizeof(size_t) + (n + 1) * sizeof(ffi_type *) + namelen +
                 1;
  rt_type *t = rt_calloc(1, bytes);
  if (!t)
    return RT_ENOMEM;
  t->kind = RT_TYPE_STRUCT;
  t->nmembers = n;
  t->members = (const rt_type **)(t + 1);
  t->offsets = (size_t *)(t->members + n);
  ffi_type **elems = (ffi_type **)(t->offsets + n);
  char *name = (char *)(elems + n + 1);
  memcpy(t->members, members, n * sizeof *members);
  for (size_t i = 0; i < n; i++)
    elems[i] = members[i]->ffi;
  name[0] = '{';
  *join_names(name + 1, members, n) = '}';
  t->name = name;
  struct_layout(t);
  t->ffi_agg.size = t->size;
  t->ffi_agg.alignment = (unsigned short)t->align;
  t->ffi_agg.type = FFI_TYPE_STRUCT;
  t->ffi_agg.elements = elems;
  t->ffi = &t->ffi_agg;
  *out = t;
  return 0;
}

/* ---- signature parser ----------------------------------------------- */

struct parser {
  const char *text;
  const char *p;
  int depth;
};

static size_t column(const struct parser *ps, const char *at)
{
  return (size_t)(at - ps->text) + 1;
}

static void skip_ws(struct parser *ps)
{
  while (rt__ascii_space((unsigned char)*ps->p))
    ps->p++;
}

static int expected(const struct parser *ps, const char *what)
{
  return rt__error(RT_ESIG, "expected %s at column %zu%s in '%s'", what,
                   column(ps, ps->p), *ps->p ? "" : " (end of text)",
                   ps->text);
}

/* Tokens are one character, or "->"; compared in place (signatures are
 * parsed for every export when a plugin is opened). */
static bool take_tok(struct parser *ps, const char *tok)
{
  skip_ws(ps);
  if (ps->p[0] != tok[0] || (tok[1] && ps->p[1] != tok[1]))
    return false;
  ps->p += tok[1] ? 2 : 1;
  return true;
}

static size_t word_len(const char *p)
{
  size_t n = 0;
  while (rt__ascii_alnum((unsigned char)p[n]) || p[n] == '_')
    n++;
  return n;
}

/* The first byte rules out most names before any string comparison
 * (signatures are parsed for every export when a plugin is opened). */
static int lookup_scalar(const char *w, size_t n)
{
  for (size_t k = 0; k < RT_ARRAY_LEN(scalars); k++) {
    const char *name = scalars[k].name;
    if (name[0] == w[0] && strncmp(name, w, n) == 0 && name[n] == '\0')
      return (int)k;
  }
  return -1;
}

static int parse_type(struct parser *ps, bool allow_void, const rt_type **out);

static void free_types(const rt_type **ts, size_t n)
{
  for (size_t i = 0; i < n; i++)
    type_free(ts[i]);
}

/* Members go into a growing heap array: a struct may have any number. */
static int push_type(const rt_type ***arr, size_t *n, size_t *cap,
                     const rt_type *t)
{
  if (*n == *cap) {
    size_t ncap = *cap ? *cap * 2 : 8;
    const rt_type **a = rt_realloc(*arr, ncap * sizeof *a);
    if (!a)
      return RT_ENOMEM;
    *arr = a;
    *cap = ncap;
  }
  (*arr)[(*n)++] = t;
  return 0;
}

static int parse_members(struct parser *ps, const rt_type ***ms, size_t *n)
{
  size_t cap = 0;
  for (;;) {
    const rt_type *m;
    int rc = parse_type(ps, false, &m);
    if (rc == 0 && (rc = push_type(ms, n, &cap, m)) != 0)
      type_free(m);
    if (rc < 0)
      return rc;
    if (take_tok(ps, "}"))
      return 0;
    if (!take_tok(ps, ","))
      return expected(ps, "',' or '}'");
  }
}

static int parse_struct(struct parser *ps, const rt_type **out)
{
  if (++ps->depth > RT_SIG_MAX_DEPTH)
    return rt__error(RT_ESIG,
                     "structs nested more than %d deep at column %zu in '%s'",
                     RT_SIG_MAX_DEPTH, column(ps, ps->p), ps->text);
  ps->p++; /* '{' */
  const rt_type **ms = NULL;
  size_t n = 0;
  int rc = parse_members(ps, &ms, &n);
  rt_type *t = NULL;
  if (rc == 0)
    rc = struct_new(ms, n, &t);
  if (rc < 0)
    free_types(ms, n);
  rt_free(ms);
  ps->depth--;
  *out = t;
  return rc;
}

static int unknown_type(const struct parser *ps, size_t n)
{
  return rt__error(RT_ESIG,
                   "unknown type '%.*s' at column %zu in '%s'; types are "
                   "bool char i8 u8 i16 u16 i32 u32 i64 u64 f32 f64 size "
                   "ssize ptr str, {T, ...} and void (return only)",
                   (int)n, ps->p, column(ps, ps->p), ps->text);
}

static int parse_type(struct parser *ps, bool allow_void, const rt_type **out)
{
  skip_ws(ps);
  if (*ps->p == '{')
    return parse_struct(ps, out);
  size_t n = word_len(ps->p);
  if (n == 0)
    return expected(ps, "a type");
  int k = lookup_scalar(ps->p, n);
  if (k < 0)
    return unknown_type(ps, n);
  if (k == RT_TYPE_VOID && !allow_void)
    return rt__error(RT_ESIG,
                     "void is only allowed as the return type or as (void) "
                     "at column %zu in '%s'",
                     column(ps, ps->p), ps->text);
  ps->p += n;
  *out = &scalars[k];
  return 0;
}

/* "()" or "(void)": no arguments. */
static bool no_args(struct parser *ps)
{
  const char *save = ps->p;
  if (take_tok(ps, ")"))
    return true;
  skip_ws(ps);
  if (word_len(ps->p) == 4 && strncmp(ps->p, "void", 4) == 0) {
    ps->p += 4;
    if (take_tok(ps, ")"))
      return true;
  }
  ps->p = save;
  return false;
}

static int parse_args(struct parser *ps, const rt_type **args, size_t *n)
{
  if (no_args(ps))
    return 0;
  for (;;) {
    skip_ws(ps);
    if (*n == RT_SIG_MAX_ARGS)
      return rt__error(RT_ESIG,
                       "more than %d arguments at column %zu in '%s'",
                       RT_SIG_MAX_ARGS, column(ps, ps->p), ps->text);
    int rc = parse_type(ps, false, &args[*n]);
    if (rc < 0)
      return rc;
    ++*n;
    if (take_tok(ps, ")"))
      return 0;
    if (!take_tok(ps, ","))
      return expected(ps, "',' or ')'");
  }
}

static int parse_sig(struct parser *ps, const rt_type **args, size_t *nargs,
                     const rt_type **ret)
{
  if (!take_tok(ps, "("))
    return expected(ps, "'('");
  int rc = parse_args(ps, args, nargs);
  if (rc < 0)
    return rc;
  if (!take_tok(ps, "->"))
    return expected(ps, "'->'");
  if ((rc = parse_type(ps, true, ret)) != 0)
    return rc;
  skip_ws(ps);
  return *ps->p ? expected(ps, "end of text") : 0;
}

/* ---- signatures ----------------------------------------------------- */

static char *sig_text_new(const rt_type *const *args, size_t n,
                          const rt_type *ret)
{
  size_t len = 1 + names_len(args, n) + 5 + strlen(ret->name);
  char *s = rt_alloc(len + 1);
  if (!s)
    return NULL;
  char *p = s;
  *p++ = '(';
  p = join_names(p, args, n);
  memcpy(p, ") -> ", 5);
  strcpy(p + 5, ret->name);
  return s;
}

/* RT_CALL_NO_FASTPATH=1 forces libffi, to compare both paths. */
static bool fastpath_disabled(void)
{
  const char *e = getenv("RT_CALL_NO_FASTPATH");
  return e && *e && strcmp(e, "0") != 0;
}

static void sig_destroy(rt_sig *s)
{
  rt__fast_release(s);
  rt_free(s->split_cif);
  rt_free(s->split_args);
  rt_free(s->ret_strs);
  for (size_t i = 0; i < s->nargs; i++)
    type_free(s->args[i]);
  if (s->ret)
    type_free(s->ret);
  rt_free(s->text);
  rt_free(s);
}

#if defined(__x86_64__) && !defined(_WIN32)
/* Bit I set if eightbyte I of T (at BASE) holds an integer-class scalar:
 * the SysV class INTEGER, else SSE (every scalar of the grammar is
 * naturally aligned, so none straddles two eightbytes). */
static unsigned int_eightbytes(const rt_type *t, size_t base)
{
  if (t->kind != RT_TYPE_STRUCT)
    return t->kind == RT_TYPE_F32 || t->kind == RT_TYPE_F64
               ? 0
               : 1u << (base / 8);
  unsigned m = 0;
  for (size_t i = 0; i < t->nmembers; i++)
    m |= int_eightbytes(t->members[i], base + t->offsets[i]);
  return m;
}

/* The struct argument that libffi before 3.4.7 passes wrongly (libffi PR
 * #848): two eightbytes, INTEGER then SSE, in registers, the first in the
 * sixth general register (a memory result's address counts).  libffi
 * copies the struct's bytes after the first eightbyte 8 bytes too wide
 * into its register save area, over the first SSE register.  1 + its
 * index, or 0 if there is none (there can be one at most). */
static size_t libffi_848_arg(const rt_sig *s)
{
  unsigned gp = s->ret->kind == RT_TYPE_STRUCT && s->ret->size > 16;
  unsigned sse = 0;
  for (size_t i = 0; i < s->nargs; i++) {
    const rt_type *t = s->args[i];
    if (t->kind == RT_TYPE_F32 || t->kind == RT_TYPE_F64) {
      sse += sse < 8;
    } else if (t->kind != RT_TYPE_STRUCT) {
      gp += gp < 6;
    } else if (t->size <= 16) {
      unsigned m = int_eightbytes(t, 0), n8 = t->size > 8 ? 2 : 1;
      unsigned ni = (m & 1) + (n8 == 2 && (m & 2));
      if (gp + ni > 6 || sse + (n8 - ni) > 8)
        continue; /* the whole struct goes on the stack */
      if (n8 == 2 && m == 1 && gp == 5)
        return i + 1;
      gp += ni;
      sse += n8 - ni;
    }
  }
  return 0;
}
#endif

/* Where libffi would pass a struct argument wrongly, a second cif in
 * which that argument is its two eightbytes as two scalars of their
 * classes (u64 and double): they take the very registers the struct's
 * eightbytes take, so the callee sees the same call (rt__call_ffi). */
static int split_prepare(rt_sig *s, const char *text)
{
#if defined(__x86_64__) && !defined(_WIN32)
  size_t k = libffi_848_arg(s), n = s->nargs;
  if (k-- == 0)
    return 0;
  ffi_type **a = rt_alloc((n + 1) * sizeof *a);
  ffi_cif *cif = rt_alloc(sizeof *cif);
  if (!a || !cif) {
    rt_free(a);
    rt_free(cif);
    return RT_ENOMEM;
  }
  memcpy(a, s->ffi_args, k * sizeof *a);
  a[k] = &ffi_type_uint64;
  a[k + 1] = &ffi_type_double;
  memcpy(a + k + 2, s->ffi_args + k + 1, (n - k - 1) * sizeof *a);
  ffi_status st = ffi_prep_cif(cif, FFI_DEFAULT_ABI, (unsigned)n + 1,
                               s->ret->ffi, a);
  if (st != FFI_OK) {
    rt_free(a);
    rt_free(cif);
    return rt__error(RT_ENOTSUP, "libffi cannot prepare a call for '%s' "
                     "(ffi_prep_cif status %d, split argument %zu)", text,
                     (int)st, k + 1);
  }
  s->split_args = a;
  s->split_cif = cif;
  s->split = k + 1;
#else
  (void)s;
  (void)text;
#endif
  return 0;
}

static int sig_prepare(rt_sig *s, const char *text)
{
  for (size_t i = 0; i < s->nargs; i++)
    s->ffi_args[i] = s->args[i]->ffi;
  ffi_status st = ffi_prep_cif(&s->cif, FFI_DEFAULT_ABI, (unsigned)s->nargs,
                               s->ret->ffi, s->ffi_args);
  if (st != FFI_OK)
    return rt__error(RT_ENOTSUP, "libffi cannot prepare a call for '%s' "
                     "(ffi_prep_cif status %d)", text, (int)st);
  int rc = split_prepare(s, text);
  if (rc < 0)
    return rc;
  /* Results that libffi writes as one whole 8-byte word holding exactly
   * the value: f64, and the 8-byte integers other than str (whose
   * ownership is decided after the call). */
  rt_type_kind rk = s->ret->kind;
  s->ret_direct = sizeof(ffi_arg) == 8 && s->ret->size == 8 &&
                  (rk == RT_TYPE_F64 ||
                   (rt__kind_is_int(rk) && rk != RT_TYPE_STR));
  if (!fastpath_disabled())
    return rt__fast_prepare(s);
  return 0;
}

/* The offsets of the str leaves of T (at BASE), counted into *N and
 * stored into OUT if it is not NULL. */
static void find_strs(const rt_type *t, size_t base, size_t *out, size_t *n)
{
  if (t->kind == RT_TYPE_STR) {
    if (out)
      out[*n] = base;
    ++*n;
  }
  for (size_t i = 0; i < t->nmembers; i++)
    find_strs(t->members[i], base + t->offsets[i], out, n);
}

/* The str members of a struct result, which the caller will own. */
static int ret_strs_prepare(rt_sig *s)
{
  size_t n = 0;
  if (s->ret->kind != RT_TYPE_STRUCT)
    return 0;
  find_strs(s->ret, 0, NULL, &n);
  if (n == 0)
    return 0;
  if (!(s->ret_strs = rt_alloc(n * sizeof *s->ret_strs)))
    return RT_ENOMEM;
  s->nret_strs = 0;
  find_strs(s->ret, 0, s->ret_strs, &s->nret_strs);
  return 0;
}

static int sig_build(const char *text, const rt_type **args, size_t n,
                     const rt_type *ret, rt_sig **out)
{
  rt_sig *s = rt_calloc(1, sizeof *s + n * (sizeof *args +
                                             sizeof(ffi_type *) + 1));
  if (!s) {
    free_types(args, n);
    type_free(ret);
    return RT_ENOMEM;
  }
  rt__ref_init(&s->refs);
  s->nargs = n;
  s->ret = ret;
  s->args = (const rt_type **)(s + 1);
  s->ffi_args = (ffi_type **)(s->args + n);
  s->kinds = (unsigned char *)(s->ffi_args + n);
  memcpy(s->args, args, n * sizeof *args);
  for (size_t i = 0; i < n; i++) {
    s->kinds[i] = (unsigned char)args[i]->kind;
    s->agg_args |= args[i]->kind == RT_TYPE_STRUCT;
  }
  int rc = RT_ENOMEM;
  if ((s->text = sig_text_new(args, n, ret)) != NULL &&
      (rc = ret_strs_prepare(s)) == 0)
    rc = sig_prepare(s, text);
  if (rc < 0) {
    sig_destroy(s);
    return rc;
  }
  *out = s;
  return 0;
}

int rt_sig_parse(const char *text, rt_sig **out)
{
  if (out)
    *out = NULL;
  if (!text || !out)
    return rt__error(RT_EINVAL, "rt_sig_parse: %s is NULL",
                     text ? "OUT" : "TEXT");
  struct parser ps = {text, text, 0};
  const rt_type *args[RT_SIG_MAX_ARGS];
  const rt_type *ret = NULL;
  size_t n = 0;
  int rc = parse_sig(&ps, args, &n, &ret);
  if (rc < 0) {
    free_types(args, n);
    if (ret)
      type_free(ret);
    return rc;
  }
  return sig_build(text, args, n, ret, out);
}

rt_sig *rt_sig_ref(rt_sig *sig)
{
  rt__ref_get(&sig->refs);
  return sig;
}

void rt_sig_free(rt_sig *sig)
{
  if (sig && rt__ref_put(&sig->refs))
    sig_destroy(sig);
}

const char *rt_sig_text(const rt_sig *sig) { return sig->text; }
size_t rt_sig_nargs(const rt_sig *sig) { return sig->nargs; }
const rt_type *rt_sig_ret(const rt_sig *sig) { return sig->ret; }
bool rt_sig_fastpath(const rt_sig *sig) { return sig->fast != NULL; }

const rt_type *rt_sig_arg(const rt_sig *sig, size_t i)
{
  return i < sig->nargs ? sig->args[i] : NULL;
}
