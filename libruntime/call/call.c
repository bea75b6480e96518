/* call.c — types, signature parsing, rt_fn and rt_call through libffi. */
#include "call_int.h"

#include <ctype.h>
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

static size_t align_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

/* The C layout: each member at the next multiple of its alignment, the
 * whole rounded up to the largest alignment (what libffi assumes too). */
static void struct_layout(rt_type *t)
{
  size_t off = 0, align = 1;
  for (size_t i = 0; i < t->nmembers; i++) {
    const rt_type *m = t->members[i];
    off = align_up(off, m->align);
    t->offsets[i] = off;
    off += m->size;
    if (m->align > align)
      align = m->align;
  }
  t->size = align_up(off, align);
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
  while (isspace((unsigned char)*ps->p))
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
  while (isalnum((unsigned char)p[n]) || p[n] == '_')
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
    if (rc)
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
  if (rc)
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
    if (rc)
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
  if (rc)
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
  rt_free(s->ret_strs);
  for (size_t i = 0; i < s->nargs; i++)
    type_free(s->args[i]);
  if (s->ret)
    type_free(s->ret);
  rt_free(s->text);
  rt_free(s);
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
  s->refs = 1;
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
  if (rc) {
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
  if (rc) {
    free_types(args, n);
    if (ret)
      type_free(ret);
    return rc;
  }
  return sig_build(text, args, n, ret, out);
}

rt_sig *rt_sig_ref(rt_sig *sig)
{
  __atomic_add_fetch(&sig->refs, 1, __ATOMIC_RELAXED);
  return sig;
}

void rt_sig_free(rt_sig *sig)
{
  if (sig && __atomic_sub_fetch(&sig->refs, 1, __ATOMIC_ACQ_REL) == 0)
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

/* ---- functions ------------------------------------------------------ */

int rt_fn_new_sig(void (*fnptr)(void), rt_sig *sig, rt_fn **out)
{
  if (out)
    *out = NULL;
  if (!fnptr || !sig || !out)
    return rt__error(RT_EINVAL, "rt_fn_new_sig: %s is NULL",
                     !fnptr ? "FNPTR" : !sig ? "SIG" : "OUT");
  rt_fn *fn = rt_calloc(1, sizeof *fn);
  if (!fn)
    return RT_ENOMEM;
  fn->fp = fnptr;
  fn->sig = rt_sig_ref(sig);
  fn->nargs = sig->nargs;
  fn->plan = sig->plan;
  rt__fast_fn(fn);
  *out = fn;
  return 0;
}

int rt_fn_new(void (*fnptr)(void), const char *sig_text, rt_fn **out)
{
  if (out)
    *out = NULL;
  if (!fnptr || !out)
    return rt__error(RT_EINVAL, "rt_fn_new: %s is NULL",
                     !fnptr ? "FNPTR" : "OUT");
  rt_sig *sig;
  int rc = rt_sig_parse(sig_text, &sig);
  if (rc)
    return rc;
  rc = rt_fn_new_sig(fnptr, sig, out);
  rt_sig_free(sig);
  return rc;
}

void rt_fn_free(rt_fn *fn)
{
  if (!fn)
    return;
  rt_sig_free(fn->sig);
  rt_free(fn);
}

const rt_sig *rt_fn_sig(const rt_fn *fn) { return fn->sig; }
void (*rt_fn_ptr(const rt_fn *fn))(void) { return fn->fp; }

/* ---- rt_call -------------------------------------------------------- */

int rt__bad_args(const rt_sig *s, const rt_value *args, size_t nargs)
{
  if (nargs != s->nargs)
    return rt__error(RT_EINVAL, "rt_call %s: %zu argument%s given, the "
                     "signature takes %zu", s->text, nargs,
                     nargs == 1 ? "" : "s", s->nargs);
  size_t i = 0;
  while (args[i].kind == s->args[i]->kind)
    i++;
  return rt__error(RT_EINVAL, "rt_call %s: argument %zu is %s, expected %s",
                   s->text, i + 1, rt_type_kind_name(args[i].kind),
                   s->args[i]->name);
}

int rt__no_agg(const rt_sig *s, size_t i)
{
  return rt__error(RT_EINVAL, "rt_call %s: argument %zu (%s) has no struct "
                   "memory (v.agg is NULL)", s->text, i + 1, s->args[i]->name);
}

/* libffi widens small integer results into an ffi_arg; 64-bit results
 * on a 32-bit ffi_arg platform fill the whole 8-byte buffer instead. */
union ffi_ret {
  ffi_arg a;
  uint64_t u64;
  double f64;
  float f32;
};

static void ffi_ret_set(const rt_type *t, const union ffi_ret *r,
                        rt_value *ret)
{
  if (t->kind == RT_TYPE_F32)
    rt__set_f32(r->f32, ret);
  else if (t->kind == RT_TYPE_F64)
    ret->v.f64 = r->f64;
  else if (t->size > sizeof(ffi_arg))
    rt__narrow(t->kind, r->u64, ret);
  else if (t->kind != RT_TYPE_VOID)
    rt__narrow(t->kind, (uint64_t)r->a, ret);
}

/* Struct results need their own storage; libffi and the fast path may
 * store whole registers, so it is at least two of them. */
void *rt__ret_struct_alloc(const rt_sig *s)
{
  size_t n = s->nret_strs, hdr = n ? RT__STR_HDR(n) : 0;
  size_t size = s->ret->size;
  /* Not zeroed: the callee or the result registers fill it. */
  char *mem = rt_alloc(hdr + align_up(size > 16 ? size : 16, 8));
  if (!mem) {
    rt__error_context("rt_call %s: struct result", s->text);
    return NULL;
  }
  return mem + hdr;
}

/* The str members that are runtime-heap strings become the caller's
 * like a str result (rt__str_owned); the record goes before MEM. */
void rt__ret_struct_take(const rt_sig *s, void *mem, rt_value *ret)
{
  ret->kind = RT_TYPE_STRUCT;
  ret->flags = RT_VALUE_OWNED;
  ret->v.agg = mem;
  size_t n = s->nret_strs;
  if (RT_LIKELY(n == 0))
    return;
  size_t *rec = (size_t *)mem - 1 - n;
  rec[n] = n;
  for (size_t i = 0; i < n; i++) {
    const char *str;
    memcpy(&str, (char *)mem + s->ret_strs[i], sizeof str);
    rec[i] = rt__str_owned(str) ? s->ret_strs[i] : SIZE_MAX;
  }
  ret->flags |= RT__VALUE_STRS;
}

static int call_ffi_struct(const rt_fn *fn, void **av, rt_value *ret)
{
  void *mem = rt__ret_struct_alloc(fn->sig);
  if (!mem)
    return rt__last_code;
  memset(mem, 0, 16); /* the bytes past the struct that libffi may skip */
  ffi_call((ffi_cif *)&fn->sig->cif, FFI_FN(fn->fp), mem, av);
  rt__ret_struct_take(fn->sig, mem, ret);
  return rt__last_code;
}

/* Struct arguments are passed by the address of their memory, which
 * must be there. */
static int agg_args(const rt_sig *s, const rt_value *args, void **av)
{
  for (size_t i = 0; i < s->nargs; i++) {
    if (s->kinds[i] != RT_TYPE_STRUCT)
      continue;
    if (RT_UNLIKELY(args[i].v.agg == NULL))
      return rt__no_agg(s, i);
    av[i] = args[i].v.agg;
  }
  return 0;
}

/* Through libffi.  All the tags are checked with one branch while the
 * argument addresses are collected; struct arguments (rare) are fixed up
 * after.  A result that libffi stores as a whole 8-byte word of the right
 * value (ret_direct) is stored straight into RET. */
int rt__call_ffi(const rt_fn *fn, const rt_value *args, rt_value *ret)
{
  const rt_sig *s = fn->sig;
  size_t n = s->nargs;
  void *av[RT_SIG_MAX_ARGS];
  unsigned bad = 0;
  for (size_t i = 0; i < n; i++) {
    bad |= (unsigned)args[i].kind ^ s->kinds[i];
    av[i] = (void *)&args[i].v;
  }
  if (RT_UNLIKELY(bad))
    return rt__bad_args(s, args, n);
  if (RT_UNLIKELY(s->agg_args)) {
    int rc = agg_args(s, args, av);
    if (rc)
      return rc;
  }
  const rt_type *t = s->ret;
  if (RT_UNLIKELY(t->kind == RT_TYPE_STRUCT))
    return call_ffi_struct(fn, av, ret);
  ret->kind = t->kind;
  ret->flags = 0;
  if (RT_LIKELY(s->ret_direct)) {
    ffi_call((ffi_cif *)&s->cif, FFI_FN(fn->fp), &ret->v, av);
    return rt__last_code;
  }
  union ffi_ret r;
  ffi_call((ffi_cif *)&s->cif, FFI_FN(fn->fp), &r, av);
  ret->v.u64 = 0;
  ffi_ret_set(t, &r, ret);
  return rt__last_code;
}

static int call_discard(const rt_fn *fn, const rt_value *args, size_t nargs)
{
  rt_value discard = RT_VALUE_INIT;
  int rc = rt_call(fn, args, nargs, &discard);
  rt_value_clear(&discard);
  return rc;
}

/* Every call starts with no error, and a function that reports one with
 * rt_set_error makes the call return it (issue 18): the code is a
 * static-TLS word, cleared here with one store (with a zero code there
 * is no error, whatever the message buffer holds: rt_last_error), and
 * every invoker returns it after the call (so that this is a tail call). */
int rt_call(const rt_fn *fn, const rt_value *args, size_t nargs, rt_value *ret)
{
  rt__last_code = 0;
  if (RT_UNLIKELY(!fn || (nargs && !args)))
    return rt__error(RT_EINVAL, "rt_call: %s is NULL", fn ? "ARGS" : "FN");
  if (RT_UNLIKELY(nargs != fn->nargs))
    return rt__bad_args(fn->sig, args, nargs);
  if (RT_UNLIKELY(ret == NULL))
    return call_discard(fn, args, nargs);
  return fn->invoke(fn, args, ret);
}
