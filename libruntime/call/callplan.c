/*
 * callplan.c — calls of any signature without libffi, through a few
 * universal prototypes (see doc/architecture.md, "call: the fast path").
 *
 * On x86-64 System V and on AAPCS64 an argument of integer class takes
 * the next free general register, one of floating class the next free
 * SSE/SIMD register, the two files counted independently, and an
 * argument that finds no register takes the next 8-byte stack slot(s)
 * in argument order.  So a call through
 *
 *   R f(u64 g0..g{G-1}, double d0..d{F-1}, u64 s0..s{S-1})
 *
 * loads every register and stack slot that any callee with G or fewer
 * integer registers, F or fewer floating registers and S or fewer stack
 * words reads, with the words the caller chose.  A per-signature plan,
 * made once when the signature is parsed, says into which word each
 * argument's bits go (extended like the value's type for integers, an
 * f32 in the low half, a struct's eightbytes where the ABI classifies
 * them, a struct in memory copied into stack words) and which prototype
 * (G, F, S rounded up to a few sizes; extra words are zero and never read;
 * stack words are u64 parameters after G = all integer registers, so F
 * may be anything that holds the floating arguments)
 * and result class to use.  At call time the invoker fills the words in
 * one pass over the arguments, checking their tags as it goes, and calls.
 *
 * A plan without structs gets an invoker per shape that does all of that
 * and calls the function itself; a plan with structs goes through one
 * invoker and a caller function per shape that returns the raw result
 * registers.  Closures of register-only scalar signatures are entered
 * through a pool of precompiled entries that decode by the plan.
 *
 * Structs by value (arguments and results) are planned on both ABIs.
 * x86-64: a struct of up to 16 bytes by the SysV classes of its
 * eightbytes, larger ones in stack words, a result over 16 bytes in
 * memory at the hidden pointer g0.  AAPCS64: a homogeneous floating
 * aggregate (HFA: 1-4 f32 or 1-4 f64 members once nested structs are
 * flattened) one member per floating word (an f32 in the low half) if
 * all of them find a register, else in stack words with every later
 * floating argument on the stack too; another struct of up to 16 bytes
 * in 1-2 general words (its memory as is) if both find one, else in
 * stack words with every later integer argument on the stack too; a
 * larger one as the address of a copy in the invoker's frame, passed as
 * an integer argument; results: an HFA in v0..v3 (a prototype returning
 * struct {double x 4}), another struct of up to 16 bytes in x0:x1, a
 * larger one in memory at x8 (a prototype returning a struct of
 * PLAN_MAX_RET bytes: the compiler passes its temporary in x8, and the
 * result is copied out of it).  A plan that needs more than
 * PLAN_MAX_STACK stack words, more than COPY_WORDS words of copies or a
 * result over PLAN_MAX_RET bytes goes to libffi.
 */
#include "call_int.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__LP64__) &&       \
    ((defined(__x86_64__) && !defined(_WIN32)) ||                             \
     (defined(__aarch64__) && !defined(__APPLE__)))
#define RT_PLAN_CALLS 1
#endif

#ifdef RT_PLAN_CALLS

typedef uint64_t u64;

#ifdef __x86_64__
#define NGP 6 /* rdi rsi rdx rcx r8 r9 */
#define RET_MEM_GP0 1 /* a struct result's address takes g0 */
#define COPY_WORDS 0
#else
#define NGP 8 /* x0..x7 */
#define RET_MEM_GP0 0 /* ... or x8, outside the prototype's words */
/* The copies of struct arguments over 16 bytes (passed by reference),
 * after the prototype's words in the invoker's word array. */
#define COPY_WORDS 64
#define PLAN_MAX_RET 512 /* the largest struct result returned at x8 */
#endif
#define NFP 8 /* xmm0..7, v0..7 */
#define SLOT_WORDS (NGP + NFP + 16) /* the largest slot invoker's shape */
#define PLAN_MAX_STACK 64
#define PLAN_WORDS (NGP + NFP + PLAN_MAX_STACK)
#define W_WORDS (PLAN_WORDS + COPY_WORDS) /* a struct invoker's word array */

/* ---- the universal prototypes ----------------------------------------- */

/* A caller loads W into the prototype's parameters and stores the raw
 * result registers into OUT (two words for a two-eightbyte struct). */
typedef void (*plan_caller)(void (*fp)(void), const u64 *w, u64 *out);

static inline double dbl(u64 x)
{
  double d;
  memcpy(&d, &x, sizeof d);
  return d;
}

/* Parameter and argument lists: T(i) for word indices O, O+1, ... */
#define PU(i) u64
#define PD(i) double
#define AW(i) w[i]
#define AD(i) dbl(w[i])
#define L2(T, o) T(o), T((o) + 1)
#define L4(T, o) L2(T, o), L2(T, (o) + 2)
#define L6(T, o) L4(T, o), L2(T, (o) + 4)
#define L8(T, o) L4(T, o), L4(T, (o) + 4)
#define L16(T, o) L8(T, o), L8(T, (o) + 8)
#define L32(T, o) L16(T, o), L16(T, (o) + 16)
#define L64(T, o) L32(T, o), L32(T, (o) + 32)
#ifdef __x86_64__
#define LG(T, o) L6(T, o)
#else
#define LG(T, o) L8(T, o)
#endif

/* The prototypes: integer words, floating words, stack words.  A shape
 * with stack words uses every integer register first.  Ordered by cost, so the
 * first that fits is the one to use. */
#define STACK_SHAPE(X, s)                                                     \
  X(gnf0s##s, NGP, 0, s, (LG(PU, 0), L##s(PU, NGP)),                          \
    (LG(AW, 0), L##s(AW, NGP)))                                               \
  X(gnf8s##s, NGP, 8, s, (LG(PU, 0), L8(PD, NGP), L##s(PU, NGP + 8)),         \
    (LG(AW, 0), L8(AD, NGP), L##s(AW, NGP + 8)))
/* The register-only shapes come first (REG_SHAPES, NREG_SHAPES of them:
 * the struct slot invokers' shapes), then those with stack words.  The
 * shapes that have slot invokers are all but the last four (more than
 * 16 stack words), whose invokers would be large (a load and a push per
 * word) for rare signatures; those keep the filling invokers. */
#define REG_SHAPES(X)                                                         \
  X(g0f0, 0, 0, 0, (void), ())                                                \
  X(g2f0, 2, 0, 0, (L2(PU, 0)), (L2(AW, 0)))                                  \
  X(g0f2, 0, 2, 0, (L2(PD, 0)), (L2(AD, 0)))                                  \
  X(g2f2, 2, 2, 0, (L2(PU, 0), L2(PD, 2)), (L2(AW, 0), L2(AD, 2)))            \
  X(g4f0, 4, 0, 0, (L4(PU, 0)), (L4(AW, 0)))                                  \
  X(g0f4, 0, 4, 0, (L4(PD, 0)), (L4(AD, 0)))                                  \
  X(g4f2, 4, 2, 0, (L4(PU, 0), L2(PD, 4)), (L4(AW, 0), L2(AD, 4)))            \
  X(g2f4, 2, 4, 0, (L2(PU, 0), L4(PD, 2)), (L2(AW, 0), L4(AD, 2)))            \
  X(g4f4, 4, 4, 0, (L4(PU, 0), L4(PD, 4)), (L4(AW, 0), L4(AD, 4)))            \
  X(gnf0, NGP, 0, 0, (LG(PU, 0)), (LG(AW, 0)))                                \
  X(gnf2, NGP, 2, 0, (LG(PU, 0), L2(PD, NGP)), (LG(AW, 0), L2(AD, NGP)))      \
  X(gnf4, NGP, 4, 0, (LG(PU, 0), L4(PD, NGP)), (LG(AW, 0), L4(AD, NGP)))      \
  X(g0f8, 0, 8, 0, (L8(PD, 0)), (L8(AD, 0)))                                  \
  X(g2f8, 2, 8, 0, (L2(PU, 0), L8(PD, 2)), (L2(AW, 0), L8(AD, 2)))            \
  X(g4f8, 4, 8, 0, (L4(PU, 0), L8(PD, 4)), (L4(AW, 0), L8(AD, 4)))            \
  X(gnf8, NGP, 8, 0, (LG(PU, 0), L8(PD, NGP)), (LG(AW, 0), L8(AD, NGP)))
#define NREG_SHAPES 16
#define SLOT_SHAPES(X)                                                        \
  REG_SHAPES(X)                                                               \
  STACK_SHAPE(X, 2)                                                           \
  STACK_SHAPE(X, 4)                                                           \
  STACK_SHAPE(X, 8)                                                           \
  STACK_SHAPE(X, 16)
#define SHAPES(X)                                                             \
  SLOT_SHAPES(X)                                                              \
  STACK_SHAPE(X, 32)                                                          \
  STACK_SHAPE(X, 64)

/* Result classes: a general register (integers, pointers, void, a struct
 * returned in memory, whose address comes back there), a floating one
 * (f64, f32 in its low half), and on x86-64 the four two-eightbyte
 * struct returns (rax:rdx, xmm0:xmm1, rax:xmm0, xmm0:rax). */
struct r_ii {
  u64 a, b;
};
struct r_dd {
  double a, b;
};
struct r_id {
  u64 a;
  double b;
};
struct r_di {
  double a;
  u64 b;
};
#ifdef __aarch64__
/* An HFA result: its members in v0..v3 (an f32 in the low half). */
struct r_hfa {
  double a, b, c, d;
};
/* A struct result over 16 bytes: in memory at x8. */
struct r_mem {
  u64 w[PLAN_MAX_RET / 8];
};
#endif
#define STORE_INT(x) out[0] = (x)
#define STORE_ANY(x)                                                          \
  do {                                                                        \
    __typeof__(x) r_ = (x);                                                   \
    memcpy(out, &r_, sizeof r_);                                              \
  } while (0)
#define CALLER(R, RT, STORE, name, g, f, s, params, args)                     \
  static void R##_##name(void (*fp)(void), const u64 *w, u64 *out)            \
  {                                                                           \
    (void)w; /* g0f0 reads no word */                                         \
    STORE(((RT(*) params)fp) args);                                           \
  }
/* RC_DD, RC_ID and RC_DI are x86-64's; RC_HFA and RC_MEM aarch64's. */
enum rclass {
  RC_INT,
  RC_F64,
  RC_II,
  RC_DD,
  RC_ID,
  RC_DI,
#ifdef __aarch64__
  RC_HFA,
  RC_MEM,
#endif
  RC_COUNT
};

#define X_INT(...) CALLER(int, u64, STORE_INT, __VA_ARGS__)
#define X_F64(...) CALLER(f64, double, STORE_ANY, __VA_ARGS__)
#define E_INT(name, ...) int_##name,
#define E_F64(name, ...) f64_##name,
SHAPES(X_INT)
SHAPES(X_F64)
#define X_II(...) CALLER(ii, struct r_ii, STORE_ANY, __VA_ARGS__)
#define E_II(name, ...) ii_##name,
SHAPES(X_II)
#ifdef __x86_64__
#define X_DD(...) CALLER(dd, struct r_dd, STORE_ANY, __VA_ARGS__)
#define X_ID(...) CALLER(id, struct r_id, STORE_ANY, __VA_ARGS__)
#define X_DI(...) CALLER(di, struct r_di, STORE_ANY, __VA_ARGS__)
#define E_DD(name, ...) dd_##name,
#define E_ID(name, ...) id_##name,
#define E_DI(name, ...) di_##name,
SHAPES(X_DD)
SHAPES(X_ID)
SHAPES(X_DI)
#endif

#define NSHAPES (sizeof shape_dims / sizeof *shape_dims)
#define DIMS(name, g, f, s, ...) {g, f, s},
static const unsigned char shape_dims[][3] = {SHAPES(DIMS)};

static const plan_caller callers[][NSHAPES] = {
    [RC_INT] = {SHAPES(E_INT)},
    [RC_F64] = {SHAPES(E_F64)},
    [RC_II] = {SHAPES(E_II)},
#ifdef __x86_64__
    [RC_DD] = {SHAPES(E_DD)},
    [RC_ID] = {SHAPES(E_ID)},
    [RC_DI] = {SHAPES(E_DI)},
#endif
    /* (aarch64's RC_HFA and RC_MEM have none: their plans' CALL is NULL,
     * and rt__plan_invoke hands them to their struct invoker.) */
};

/* ---- plans -------------------------------------------------------------- */

/* A scalar's word is its value's 8 bytes masked and extended (struct
 * rt__ext): an integer as its type extends, an f64 as is, an f32 with
 * the upper half zero.  One operation for all of them, no branch. */
enum op_code { OP_SCALAR, OP_AGG, OP_AGG_MEM, OP_HFA, OP_REF };

/* Where one argument goes: the word of its value (a struct's first
 * eightbyte, or its first stack word) and of a struct's second
 * eightbyte, with an integer's extension.  aarch64: an HFA (OP_HFA) in
 * the floating words DST.. (one per member), DST2 its members' size; a
 * struct passed by reference (OP_REF) as the address of its copy in DST,
 * the copy at word DST2 of the invoker's word array. */
struct op {
  unsigned char kind, code;
  uint16_t dst, dst2;
  uint16_t edst; /* the word in a closure entry's layout (NGP + 8) */
  uint32_t size;
  struct rt__ext ext;
};

/* How a closure entry finds the arguments: argument I in general
 * register I (EF_GP), in floating register I (EF_FP), or anywhere
 * (EF_MEM: through each op's word in the entry's layout). */
enum eform { EF_MEM, EF_GP, EF_GP_SHORT, EF_FP };

/* A parameter word of a slot invoker: the byte offset of its value in
 * the argument array and the kind that argument must have. */
struct slot {
  uint32_t off, kind;
};

/* A parameter word of a struct slot invoker: as a slot (the byte offset
 * of the argument's value, the kind it must have), and for a word of a
 * struct argument, the word's byte offset IN in the struct's memory
 * (-1: the value itself is the word). */
struct aslot {
  uint32_t off;
  uint16_t kind;
  int16_t in;
};
_Static_assert(sizeof(struct aslot) == sizeof(struct slot),
               "a plan keeps either in the same array");

/* What comes back: a value narrowed by its extension, a str, a floating
 * value, nothing, or a struct (in registers, or in memory at w[0]). */
enum ret_use { RU_INT, RU_STR, RU_F64, RU_F32, RU_VOID, RU_STRUCT };

struct rt__plan {
  plan_caller call;
  unsigned char use;
  bool ret_mem;
  bool has_agg; /* some argument is a struct */
  bool entry_ok; /* a closure may use an entry: registers only, no struct */
  unsigned char ret_kind;
  uint32_t ret_size;
  /* aarch64: an HFA result's member count and size (in the padding
   * before RET_EXT: the plan's layout is x86-64's). */
  unsigned char ret_hfa_n, ret_hfa_size;
  struct rt__ext ret_ext;
  /* Scalar plans without a narrow argument (the slot invokers): per
   * parameter word of the shape, where its value is in ARGS and the kind
   * that argument must have (a word no argument fills repeats the first
   * argument: the callee never reads it); the result's first 8 bytes
   * (kind, no flags). */
  /* Kept in the plan itself, not behind a pointer: the invokers' loads
   * of a word's place, and of the argument after it, wait for the plan
   * only (bench_call: mixed6 6.13 -> 5.57 ns, mixed16 17.6 -> 17.0). */
  union {
    struct slot slot[SLOT_WORDS];
    /* Register-only plans with struct arguments of whole eightbytes or
     * a struct result in registers (the struct slot invokers): per
     * parameter word, where it is. */
    struct aslot aslot[SLOT_WORDS];
  };
  unsigned char kinds[RT_SIG_MAX_ARGS]; /* the argument kinds */
  uint32_t kinds32[RT_SIG_MAX_ARGS]; /* the same, as rt_value.kind is */
  uint64_t ret_word;
  bool slots;
  unsigned char eform; /* how a closure entry decodes (enum eform) */
  /* A struct result's cache class plus 1 (rt__rc_take), 0 when the
   * result has str members or no cache class fits it. */
  unsigned char ret_rc;
  size_t nops;
  struct op ops[];
};

/* Words are numbered in three files while planning, mapped to the
 * prototype's parameter positions once its shape is known. */
enum { F_GP = 0x0000, F_FP = 0x4000, F_STK = 0x8000, F_IDX = 0x3fff };

struct planner {
  unsigned gp, fp, stk;
  bool ok;
  unsigned copy; /* aarch64: words of copies (COPY_WORDS at most) */
};

static bool kind_is_float(rt_type_kind k)
{
  return k == RT_TYPE_F32 || k == RT_TYPE_F64;
}

static uint16_t take_gp(struct planner *pl) { return (uint16_t)(F_GP | pl->gp++); }
static uint16_t take_fp(struct planner *pl) { return (uint16_t)(F_FP | pl->fp++); }

static uint16_t take_stack(struct planner *pl, size_t words)
{
  uint16_t w = (uint16_t)(F_STK | pl->stk);
  pl->stk += (unsigned)words;
  if (pl->stk > PLAN_MAX_STACK)
    pl->ok = false;
  return w;
}

#ifdef __x86_64__
/* The SysV classes of a struct's eightbytes (size <= 16): INTEGER if any
 * integer-class scalar lies in it, else SSE.  Every scalar of the grammar
 * is naturally aligned, so none straddles two eightbytes. */
enum { C_NONE = 0, C_SSE = 1, C_INT = 2 };

static void classify(const rt_type *t, size_t base, unsigned cls[2])
{
  if (t->kind != RT_TYPE_STRUCT) {
    cls[base / 8] |= kind_is_float(t->kind) ? C_SSE : C_INT;
    return;
  }
  for (size_t i = 0; i < t->nmembers; i++)
    classify(t->members[i], base + t->offsets[i], cls);
}

static bool is_int_class(unsigned c) { return (c & C_INT) != 0; }

/* A struct argument: its eightbytes in registers if all of them find
 * one, else the whole struct in stack words. */
static void plan_struct_arg(struct planner *pl, const rt_type *t,
                            struct op *op)
{
  op->size = (uint32_t)t->size;
  size_t n8 = (t->size + 7) / 8;
  if (t->size <= 16) {
    unsigned cls[2] = {C_NONE, C_NONE}, ni = 0;
    classify(t, 0, cls);
    for (size_t i = 0; i < n8; i++)
      ni += is_int_class(cls[i]);
    if (pl->gp + ni <= NGP && pl->fp + (n8 - ni) <= NFP) {
      op->code = OP_AGG;
      op->dst = is_int_class(cls[0]) ? take_gp(pl) : take_fp(pl);
      if (n8 == 2)
        op->dst2 = is_int_class(cls[1]) ? take_gp(pl) : take_fp(pl);
      return;
    }
  }
  op->code = OP_AGG_MEM;
  op->dst = take_stack(pl, n8);
}

/* A struct result: in memory (address in the first integer register)
 * above 16 bytes, else in the register pair its eightbytes classify to.
 * False if not planned (never here). */
static bool plan_struct_ret(const rt_type *t, struct rt__plan *p,
                            enum rclass *rc)
{
  p->ret_mem = t->size > 16;
  if (p->ret_mem) {
    *rc = RC_INT;
    return true;
  }
  unsigned cls[2] = {C_NONE, C_NONE};
  classify(t, 0, cls);
  bool i0 = is_int_class(cls[0]), i1 = is_int_class(cls[1]);
  if (t->size <= 8)
    *rc = i0 ? RC_INT : RC_F64;
  else
    *rc = i0 ? (i1 ? RC_II : RC_ID) : (i1 ? RC_DI : RC_DD);
  return true;
}
#else /* AAPCS64 (the parameter passing rules' stages B and C) */
/* Walk T's leaves: true while they are all floats of one kind (*K) and
 * at most 4 of them (*N). */
static bool hfa_walk(const rt_type *t, rt_type_kind *k, unsigned *n)
{
  if (t->kind == RT_TYPE_STRUCT) {
    for (size_t i = 0; i < t->nmembers; i++)
      if (!hfa_walk(t->members[i], k, n))
        return false;
    return true;
  }
  if (!kind_is_float(t->kind) || (*n && t->kind != *k))
    return false;
  *k = t->kind;
  return ++*n <= 4;
}

/* T's member count (1..4) if it is a homogeneous floating aggregate,
 * and their size in *MSIZE; else 0.  The members, of one type, lie one
 * after the other with no padding: member I at I * *MSIZE. */
static unsigned hfa_of(const rt_type *t, unsigned *msize)
{
  rt_type_kind k = RT_TYPE_VOID;
  unsigned n = 0;
  if (t->kind != RT_TYPE_STRUCT || !hfa_walk(t, &k, &n) || n == 0)
    return 0;
  *msize = k == RT_TYPE_F32 ? 4 : 8;
  return t->size == (size_t)n * *msize ? n : 0;
}

/* A struct argument.  An HFA: one floating word per member if all of
 * them find a register (C.2), else the struct in stack words and no
 * floating register for any later argument (C.3, C.6).  Over 16 bytes
 * otherwise: a copy made by the caller, its address an integer argument
 * (B.4, then C.7 or C.14).  Else: 1 or 2 general words holding its
 * memory if both find a register (C.10), else stack words and no
 * general register for any later argument (C.11, C.13).  The grammar's
 * alignments are at most 8, so no register pair or slot is rounded. */
static void plan_struct_arg(struct planner *pl, const rt_type *t,
                            struct op *op)
{
  op->size = (uint32_t)t->size;
  size_t n8 = (t->size + 7) / 8;
  unsigned msize, n = hfa_of(t, &msize);
  if (n) {
    if (pl->fp + n <= NFP) {
      op->code = OP_HFA;
      op->dst = take_fp(pl);
      op->dst2 = (uint16_t)msize;
      pl->fp += n - 1;
      return;
    }
    pl->fp = NFP;
  } else if (t->size > 16) {
    op->code = OP_REF;
    op->dst = pl->gp < NGP ? take_gp(pl) : take_stack(pl, 1);
    op->dst2 = (uint16_t)(PLAN_WORDS + pl->copy);
    pl->copy += (unsigned)n8;
    if (pl->copy > COPY_WORDS)
      pl->ok = false;
    return;
  } else if (pl->gp + n8 <= NGP) {
    op->code = OP_AGG;
    op->dst = take_gp(pl);
    if (n8 == 2)
      op->dst2 = take_gp(pl);
    return;
  } else {
    pl->gp = NGP;
  }
  op->code = OP_AGG_MEM;
  op->dst = take_stack(pl, n8);
}

/* A struct result: an HFA in v0..v3 (one member: the f64 class, the
 * member in the low bytes of d0), another of up to 16 bytes in x0 or
 * x0:x1, a larger one in memory at x8 (up to PLAN_MAX_RET bytes). */
static bool plan_struct_ret(const rt_type *t, struct rt__plan *p,
                            enum rclass *rc)
{
  unsigned msize, n = hfa_of(t, &msize);
  if (n) {
    p->ret_hfa_n = (unsigned char)n;
    p->ret_hfa_size = (unsigned char)msize;
    *rc = n == 1 ? RC_F64 : RC_HFA;
    return true;
  }
  p->ret_mem = t->size > 16;
  *rc = p->ret_mem ? RC_MEM : t->size > 8 ? RC_II : RC_INT;
  return t->size <= PLAN_MAX_RET;
}
#endif

static void plan_arg(struct planner *pl, const rt_type *t, struct op *op)
{
  op->kind = (unsigned char)t->kind;
  op->code = OP_SCALAR;
  op->ext = rt__ext_of(t);
  if (kind_is_float(t->kind)) {
    op->ext.b = 0; /* the bits as they are, an f32's upper half zero */
    op->dst = pl->fp < NFP ? take_fp(pl) : take_stack(pl, 1);
  } else if (t->kind == RT_TYPE_STRUCT) {
    plan_struct_arg(pl, t, op);
  } else {
    op->dst = pl->gp < NGP ? take_gp(pl) : take_stack(pl, 1);
  }
}

/* The result's class and how to take it; false if not planned. */
static bool plan_ret(const rt_type *t, struct rt__plan *p, enum rclass *rc)
{
  p->ret_kind = (unsigned char)t->kind;
  p->ret_ext = rt__ext_of(t);
  p->ret_size = (uint32_t)t->size;
  *rc = RC_INT;
  switch (t->kind) {
  case RT_TYPE_VOID:
    p->use = RU_VOID;
    p->ret_ext.m = 0; /* the slot invokers' void value: extend(x) = 0 */
    return true;
  case RT_TYPE_STR: p->use = RU_STR; return true;
  case RT_TYPE_F64: p->use = RU_F64; *rc = RC_F64; return true;
  case RT_TYPE_F32: p->use = RU_F32; *rc = RC_F64; return true;
  case RT_TYPE_STRUCT:
    p->use = RU_STRUCT;
    return plan_struct_ret(t, p, rc);
  default: p->use = RU_INT; return true;
  }
}

/* The first shape that holds the plan's words. */
static int pick_shape(const struct planner *pl)
{
  for (size_t i = 0; i < NSHAPES; i++) {
    const unsigned char *d = shape_dims[i];
    if (d[0] >= pl->gp && d[1] >= pl->fp &&
        (pl->stk ? d[2] >= pl->stk : d[2] == 0))
      return (int)i;
  }
  return -1;
}

/* A word's place in a closure entry's layout: every general register,
 * then every floating one (stack words never go there). */
static uint16_t entry_place(uint16_t w)
{
  unsigned i = w & F_IDX;
  return (uint16_t)((w & ~F_IDX) == F_FP ? NGP + i : i);
}

static uint16_t place(uint16_t w, const unsigned char *d)
{
  unsigned i = w & F_IDX;
  if ((w & ~F_IDX) == F_GP)
    return (uint16_t)i;
  if ((w & ~F_IDX) == F_FP)
    return (uint16_t)(d[0] + i);
  return (uint16_t)(d[0] + d[1] + i);
}

/* Map the ops' words to the shape.  The shape's words that no argument
 * fills are passed as they are: the callee never reads them.  (Zeroing
 * them, through a list of their indices, cost the struct invokers a
 * store to a computed address before the loads of the call: rec24
 * 14.1 -> 12.2 ns without it, a 24-byte struct to a sum 13.6 -> 9.0.) */
static void place_words(struct rt__plan *p, const unsigned char *d)
{
  for (size_t i = 0; i < p->nops; i++) {
    struct op *op = &p->ops[i];
    op->edst = entry_place(op->dst);
    op->dst = place(op->dst, d);
    if (op->code == OP_AGG && op->size > 8)
      op->dst2 = place(op->dst2, d);
  }
}

static const rt__invoker scalar_invokers[RC_COUNT][NSHAPES];
static rt__invoker struct_invoker(enum rclass rc, int shape);

static enum eform entry_form(const struct rt__plan *p)
{
  bool gp = true, fp = true;
  for (size_t i = 0; i < p->nops; i++) {
    /* (NGP + 0 is the first floating register: an argument after NGP
     * integers there is not "in order in the general registers".) */
    gp &= i < NGP && p->ops[i].edst == i;
    fp &= p->ops[i].edst == NGP + i;
  }
  if (gp)
    return p->nops < NGP ? EF_GP_SHORT : EF_GP;
  return fp ? EF_FP : EF_MEM;
}

/* The slot invokers' result classes: a whole integer register (64-bit
 * kinds), one extended by the type (i32, u32, narrow kinds, void), f64,
 * f32, str. */
enum slot_class { SC_I64, SC_IEXT, SC_F64, SC_F32, SC_STR, SC_COUNT };
static const rt__invoker slot_invokers[SC_COUNT][NSHAPES];
static rt__invoker exact_invoker(const struct rt__plan *p,
                                 const unsigned char *d);

static enum slot_class slot_class(const struct rt__plan *p)
{
  switch (p->use) {
  case RU_STR: return SC_STR;
  case RU_F64: return SC_F64;
  case RU_F32: return SC_F32;
  case RU_VOID: return SC_IEXT;
  default: return p->ret_size >= 8 ? SC_I64 : SC_IEXT;
  }
}

/* A scalar plan whose integer arguments are all 32 or 64 bits wide can
 * load every word straight from its argument's union: on both ABIs the
 * callee reads only the low 32 bits of a 32-bit integer and the low 32
 * of an SSE/SIMD register holding an f32, so nothing needs masking or
 * extending (bool, char, 8- and 16-bit arguments do: they keep the
 * filling invokers).  Sets up P's slots (the shape D's words); false
 * if the plan does not qualify. */
static bool plan_slots(struct rt__plan *p, const unsigned char *d)
{
  struct slot *slot = p->slot;
  for (size_t i = 0; i < p->nops; i++)
    if (!kind_is_float(p->ops[i].kind) && p->ops[i].ext.m != ~(u64)0 &&
        p->ops[i].ext.m != 0xffffffffu)
      return false;
  unsigned nw = (unsigned)d[0] + d[1] + d[2];
  for (unsigned w = 0; w < nw; w++) {
    slot[w].off = (uint32_t)offsetof(rt_value, v);
    slot[w].kind = p->nops ? p->ops[0].kind : 0;
  }
  for (size_t i = 0; i < p->nops; i++) {
    slot[p->ops[i].dst].off =
        (uint32_t)(i * sizeof(rt_value) + offsetof(rt_value, v));
    slot[p->ops[i].dst].kind = p->ops[i].kind;
  }
  p->slots = true;
  return true;
}

/* Whether a plan with structs can use a struct slot invoker (below):
 * registers only, no str member in the result, every integer argument
 * 32 or 64 bits wide (as for the slot invokers), every struct argument
 * whole eightbytes, 8 or 16 bytes (its words are loaded straight from
 * its memory: a 12-byte struct's second word would read past it); a
 * struct result in registers, or (x86-64) in memory, its address in the
 * first integer word.  Sets up P's aslots in AS, one per word of the
 * shape D (a word no argument fills repeats the first argument's value:
 * the callee never reads it; the invoker puts the result's address in
 * its word).  (Stack words, tried: a struct in stack words, loaded word
 * by word through its aslots, was slower than the struct invoker's copy:
 * bench_call's rec24 12.2 -> 13.9 ns.) */
static bool plan_aslots(struct rt__plan *p, const rt_sig *s,
                        const unsigned char *d)
{
  struct aslot *as = p->aslot;
  unsigned nw = (unsigned)d[0] + d[1];
  if (d[2] != 0 || (p->ret_mem && !RET_MEM_GP0) || s->nret_strs != 0 ||
      (p->nops == 0 && nw != 0))
    return false;
  for (size_t i = 0; i < p->nops; i++) {
    const struct op *op = &p->ops[i];
    bool ok = op->code == OP_SCALAR
                  ? kind_is_float(op->kind) || op->ext.m == ~(u64)0 ||
                        op->ext.m == 0xffffffffu
                  : (op->code == OP_AGG && (op->size == 8 || op->size == 16)) ||
                        (op->code == OP_HFA && op->dst2 == 8);
    if (!ok)
      return false;
  }
  for (unsigned w = 0; w < nw; w++)
    as[w] = (struct aslot){(uint32_t)offsetof(rt_value, v),
                           p->nops ? p->ops[0].kind : 0, -1};
  for (size_t i = 0; i < p->nops; i++) {
    const struct op *op = &p->ops[i];
    uint32_t off = (uint32_t)(i * sizeof(rt_value) + offsetof(rt_value, v));
    if (op->code == OP_HFA) { /* aarch64, f64 members: one word each */
      for (unsigned k = 0; k < op->size / 8; k++)
        as[op->dst + k] = (struct aslot){off, op->kind, (int16_t)(8 * k)};
      continue;
    }
    bool agg = op->code == OP_AGG;
    as[op->dst] = (struct aslot){off, op->kind, (int16_t)(agg ? 0 : -1)};
    if (agg && op->size == 16)
      as[op->dst2] = (struct aslot){off, op->kind, 8};
  }
  return true;
}

static const rt__invoker aslot_invokers[RC_COUNT][NREG_SHAPES];

int rt__plan_prepare(rt_sig *s)
{
  size_t bytes = sizeof(struct rt__plan) + s->nargs * sizeof(struct op);
  struct rt__plan *p = rt_calloc(1, bytes);
  if (!p)
    return RT_ENOMEM;
  enum rclass rc;
  struct planner pl = {0, 0, 0, plan_ret(s->ret, p, &rc), 0};
  if (RET_MEM_GP0 && p->ret_mem)
    pl.gp = 1;
  p->nops = s->nargs;
  memcpy(p->kinds, s->kinds, s->nargs);
  for (size_t i = 0; i < s->nargs; i++)
    p->kinds32[i] = s->kinds[i];
  for (size_t i = 0; i < s->nargs && pl.ok; i++)
    plan_arg(&pl, s->args[i], &p->ops[i]);
  p->has_agg = s->agg_args;
  int shape = pl.ok ? pick_shape(&pl) : -1;
  if (shape < 0) {
    rt_free(p);
    return 0;
  }
  place_words(p, shape_dims[shape]);
  p->entry_ok = pl.stk == 0 && !p->has_agg && p->use != RU_STRUCT;
  p->ret_word = rt__kind_word(s->ret->kind);
  p->eform = entry_form(p);
  p->call = callers[rc][shape];
  unsigned rcc = rt__rc_class(p->ret_size);
  if (p->use == RU_STRUCT && s->nret_strs == 0 && rcc < RT__RC_CLASSES)
    p->ret_rc = (unsigned char)(rcc + 1);
  s->plan = p;
  s->plan_bytes = s->plan_size = bytes;
  /* Scalars only: an invoker that calls the function itself. */
  bool scalar = !p->has_agg && p->use != RU_STRUCT;
  s->fast = scalar ? scalar_invokers[rc][shape] : struct_invoker(rc, shape);
  if (scalar && slot_invokers[slot_class(p)][shape] &&
      plan_slots(p, shape_dims[shape])) {
    rt__invoker x = exact_invoker(p, shape_dims[shape]);
    s->fast = x ? x : slot_invokers[slot_class(p)][shape];
  } else if (!scalar && shape < NREG_SHAPES && aslot_invokers[rc][shape] &&
             plan_aslots(p, s, shape_dims[shape])) {
    s->fast = aslot_invokers[rc][shape];
  }
  return 0;
}

/* ---- calls -------------------------------------------------------------- */

/* Storage for P's struct result (FN's): from the result cache when the
 * plan has a class for it, with no look at the signature. */
static inline RT_ALWAYS_INLINE void *plan_ret_block(const rt_fn *fn,
                                                    const struct rt__plan *p,
                                                    unsigned *flags)
{
  if (RT_LIKELY(p->ret_rc != 0))
    return rt__rc_take(fn->sig, p->ret_rc - 1u, flags);
  return rt__ret_block(fn->sig, p->ret_size, flags);
}

/* The plan of a function whose invoker is the plan's: the copy in the
 * rt_fn, at a constant offset (no load). */
static inline const struct rt__plan *fn_plan(const rt_fn *fn)
{
  return (const struct rt__plan *)(const void *)fn->tail;
}

static inline u64 extend(u64 x, struct rt__ext e)
{
  return ((x & e.m) ^ e.b) - e.b;
}

/* Up to 8 bytes into a zeroed word, without a call to memcpy: two
 * copies of a constant size that may overlap. */
static inline void copy_upto8(u64 *dst, const void *src, size_t n)
{
  char *d = (char *)dst;
  const char *s = src;
  if (n == 8) {
    memcpy(d, s, 8);
  } else if (n >= 4) {
    memcpy(d, s, 4);
    memcpy(d + n - 4, s + n - 4, 4);
  } else if (n >= 2) {
    memcpy(d, s, 2);
    memcpy(d + n - 2, s + n - 2, 2);
  } else {
    d[0] = s[0];
  }
}

#ifdef __aarch64__
/* A struct's memory into whole words: its whole words, then the tail
 * (the rest of the last word zero).  (OP_AGG_MEM's copy below is
 * the same, kept inline as it was for x86-64's code layout.) */
static inline void copy_words(u64 *d, const char *s, size_t size)
{
  size_t n = size / 8;
  for (size_t i = 0; i < n; i++)
    memcpy(&d[i], s + 8 * i, 8);
  if (size % 8) {
    d[n] = 0;
    copy_upto8(&d[n], s + 8 * n, size % 8);
  }
}
#endif

static inline RT_ALWAYS_INLINE void copy_agg(const struct op *op,
                                              const void *src, u64 *w)
{
  size_t size = op->size;
  /* The common cases, one or two whole eightbytes in registers, as
   * plain 8-byte loads and stores. */
  if (RT_LIKELY(op->code == OP_AGG && (size == 16 || size == 8))) {
    memcpy(&w[op->dst], src, 8);
    if (size == 16)
      memcpy(&w[op->dst2], (const char *)src + 8, 8);
    return;
  }
  if (op->code == OP_AGG_MEM) { /* whole words, then the tail */
    u64 *d = &w[op->dst];
    const char *s = src;
    size_t n = size / 8;
    for (size_t i = 0; i < n; i++) {
      u64 x;
      memcpy(&x, s + 8 * i, 8);
      /* An empty barrier (no instruction): without it gcc turns the loop
       * into a call to memcpy (a call, and overlapping 16-byte stores
       * under the 8-byte loads that pass these words on), measured slower:
       * a 24-byte struct in and out, in a loop of calls, 13.1-14.2 ns
       * with memcpy, 10.9 without. */
      __asm__("" : "+r"(x));
      d[i] = x;
    }
    if (size % 8) {
      d[n] = 0;
      copy_upto8(&d[n], s + 8 * n, size % 8);
    }
    return;
  }
#ifdef __aarch64__
  if (op->code == OP_HFA) { /* a member a word, an f32 in the low half */
    const char *s = src;
    if (op->dst2 == 8) {
      memcpy(&w[op->dst], s, size);
    } else {
      for (size_t i = 0; i < size / 4; i++) {
        uint32_t x;
        memcpy(&x, s + 4 * i, 4);
        w[op->dst + i] = x;
      }
    }
    return;
  }
  if (op->code == OP_REF) { /* a copy the callee may write to */
    copy_words(&w[op->dst2], src, size);
    w[op->dst] = (uintptr_t)&w[op->dst2];
    return;
  }
#endif
  w[op->dst] = 0;
  copy_upto8(&w[op->dst], src, size < 8 ? size : 8);
  if (size > 8) {
    w[op->dst2] = 0;
    copy_upto8(&w[op->dst2], (const char *)src + 8, size - 8);
  }
}

/* Fill W from the arguments, checking every tag: 0, or the error.
 * Inlined into the struct invokers; an out-of-line copy for fill(). */
static inline RT_ALWAYS_INLINE int fill_aggs_in(const rt_fn *fn,
                                                const struct rt__plan *p,
                                                const rt_value *a, u64 *w)
{
  unsigned bad = 0;
  const struct op *op = p->ops;
  for (size_t i = 0; i < p->nops; i++, op++) {
    bad |= (unsigned)a[i].kind ^ op->kind;
    if (op->code == OP_SCALAR) {
      w[op->dst] = extend(a[i].v.u64, op->ext);
      continue;
    }
    /* The memory behind a struct value is read only once its tag is
     * known to be right. */
    if (RT_UNLIKELY(bad))
      break;
    if (RT_UNLIKELY(!a[i].v.agg))
      return rt__no_agg(fn->sig, i);
    copy_agg(op, a[i].v.agg, w);
  }
  return RT_UNLIKELY(bad) ? rt__bad_args(fn->sig, a, p->nops) : 0;
}

__attribute__((noinline)) static int fill_aggs(const rt_fn *fn,
                                               const struct rt__plan *p,
                                               const rt_value *a, u64 *w)
{
  return fill_aggs_in(fn, p, a, w);
}

static inline int fill(const rt_fn *fn, const struct rt__plan *p,
                       const rt_value *a, u64 *w)
{
  if (RT_UNLIKELY(p->has_agg))
    return fill_aggs(fn, p, a, w);
  unsigned bad = 0;
  const struct op *op = p->ops;
  size_t n = p->nops; /* W cannot alias P, but the compiler cannot tell */
  for (size_t i = 0; i < n; i++, op++) {
    bad |= (unsigned)a[i].kind ^ op->kind;
    w[op->dst] = extend(a[i].v.u64, op->ext);
  }
  return RT_UNLIKELY(bad) ? rt__bad_args(fn->sig, a, n) : 0;
}

static void take_result(const rt_fn *fn, const struct rt__plan *p,
                        const u64 *out, void *mem, unsigned fl,
                        rt_value *ret)
{
  ret->kind = (rt_type_kind)p->ret_kind;
  ret->flags = 0;
  switch (p->use) {
  case RU_INT: ret->v.u64 = extend(out[0], p->ret_ext); break;
  case RU_F64: ret->v.u64 = out[0]; break;
  case RU_F32: ret->v.u64 = (uint32_t)out[0]; break;
  case RU_VOID: ret->v.u64 = 0; break;
  case RU_STR:
    ret->v.owned_str = (char *)(uintptr_t)out[0];
    ret->flags = rt__str_owned(ret->v.owned_str);
    break;
  default:
    if (!p->ret_mem) /* storage of at least 16 bytes: both registers */
      memcpy(mem, out, 16);
    rt__ret_block_take(fn->sig, mem, fl, ret);
    break;
  }
}

int rt__plan_invoke(const rt_fn *fn, const rt_value *a, rt_value *ret)
{
  const struct rt__plan *p = fn_plan(fn);
  if (!p->call) /* aarch64's HFA and memory results: no caller */
    return fn->sig->fast(fn, a, ret);
  u64 w[W_WORDS], out[2];
  int rc = fill(fn, p, a, w);
  if (RT_UNLIKELY(rc))
    return rc;
  void *mem = NULL;
  unsigned fl = 0;
  if (RT_UNLIKELY(p->use == RU_STRUCT)) {
    if (!(mem = plan_ret_block(fn, p, &fl)))
      return rt__last_code;
    if (p->ret_mem)
      w[0] = (uintptr_t)mem;
  }
  p->call(fn->fp, w, out);
  take_result(fn, p, out, mem, fl, ret);
  return rt__last_code;
}

/* ---- closure entries ------------------------------------------------------ */

/* A pool of precompiled entry points per result class (a general or a
 * floating register), each tied to the closure in its slot.  An entry is
 * called by C code through the closure's real prototype; it receives
 * every argument register as the universal prototype's parameters (the
 * ones the caller did not set hold garbage that is never read: the plan
 * decodes only the words it placed) and returns the result extended to
 * the whole register. */
#define ENTRIES 64
enum { E_INT, E_F64, E_CLASSES };
/* Taken by compare-and-swap, given back by a store: no lock, so nothing
 * for fork to worry about. */
static rt_closure *entry_slots[E_CLASSES][ENTRIES];

static inline u64 bits(double d)
{
  u64 x;
  memcpy(&x, &d, sizeof x);
  return x;
}

#ifdef __x86_64__
#define EGP u64 g0, u64 g1, u64 g2, u64 g3, u64 g4, u64 g5
#define EGW g0, g1, g2, g3, g4, g5
#define EGP_SHORT u64 g0, u64 g1, u64 g2, u64 g3, u64 g4
#define EGW_SHORT g0, g1, g2, g3, g4
#else
#define EGP u64 g0, u64 g1, u64 g2, u64 g3, u64 g4, u64 g5, u64 g6, u64 g7
#define EGW g0, g1, g2, g3, g4, g5, g6, g7
#define EGP_SHORT u64 g0, u64 g1, u64 g2, u64 g3, u64 g4, u64 g5, u64 g6
#define EGW_SHORT g0, g1, g2, g3, g4, g5, g6
#endif
#define EFP                                                                   \
  double d0, double d1, double d2, double d3, double d4, double d5,           \
      double d6, double d7
#define EFW d0, d1, d2, d3, d4, d5, d6, d7
#define EFB                                                                   \
  bits(d0), bits(d1), bits(d2), bits(d3), bits(d4), bits(d5), bits(d6),       \
      bits(d7)

/* GCC merges a decoder's two 8-byte stores of an argument (kind word,
 * value) into one 16-byte store, from which the handler's narrower load
 * of the value cannot be forwarded (a stall per argument, measured): the
 * decoders are compiled without SLP vectorisation.  Clang has no such
 * attribute (and warns about optimize). */
#if defined(__GNUC__) && !defined(__clang__)
#define RT_NO_SLP __attribute__((optimize("no-tree-slp-vectorize")))
#else
#define RT_NO_SLP
#endif

/* The plan of a closure with an entry: its copy in the closure, at a
 * constant offset (no load). */
static inline const struct rt__plan *closure_plan(const rt_closure *c)
{
  return (const struct rt__plan *)(const void *)c->tail;
}

/* Argument I of a closure call, decoded from its register word X: the
 * kind and no flags (one 8-byte store), the value extended by its type
 * (which also drops the upper bits the C caller leaves unspecified). */
static inline void entry_arg(rt_value *args, const struct op *op, size_t i,
                             u64 x)
{
  rt__set_word(&args[i], rt__kind_word((rt_type_kind)op->kind));
  args[i].v.u64 = extend(x, op->ext);
}

/* The handler's part of every entry: call it with ARGS, and return the
 * result extended to the whole register. */
static inline RT_ALWAYS_INLINE u64 entry_finish(const rt_closure *c,
                                                const struct rt__plan *p,
                                                const rt_value *args, size_t n)
{
  rt_value ret;
  rt__set_word(&ret, p->ret_word);
  ret.v.u64 = 0;
  int rc = c->handler(c->sig, args, n, &ret, c->userdata);
  if (RT_UNLIKELY(rc != 0 || ret.kind != (rt_type_kind)p->ret_kind)) {
    rt__closure_check(c, &ret, rc);
    return 0;
  }
  /* Read the result at the width the handler wrote it: an 8-byte load of
   * a value just stored as 4 bytes cannot be forwarded from the store
   * and stalls (most of a closure call's time, measured). */
  switch (p->ret_size) {
  case 0: return 0;
  case 1: return extend(ret.v.u8, p->ret_ext);
  case 2: return extend(ret.v.u16, p->ret_ext);
  case 4: return extend(ret.v.u32, p->ret_ext);
  default: return ret.v.u64;
  }
}

/* The three decoders.  A plan whose arguments sit in order in the
 * general registers (EF_GP) or in the floating ones (EF_FP) gets them as
 * its parameters and stores each once, into its rt_value; any other
 * plan gets every register spilled by the entry and decodes through each
 * argument's word. */
#define GA(i, x) entry_arg(args, &op[i], i, x)
/* The same for N < NGP arguments, with the closure in the last general
 * register (which no argument uses): the entry then jumps here without
 * a frame of its own, and this returns to the C caller.  One decoder per
 * count (the closure keeps its own: no dispatch on the count). */
#define DEC_0 args[0] = (rt_value)RT_VALUE_INIT; /* never read */
#define DEC_1 GA(0, g0);
#define DEC_2 DEC_1 GA(1, g1);
#define DEC_3 DEC_2 GA(2, g2);
#define DEC_4 DEC_3 GA(3, g3);
#define DEC_5 DEC_4 GA(4, g4);
#define DEC_6 DEC_5 GA(5, g5);
#define DEC_7 DEC_6 GA(6, g6);
typedef u64 (*gp_short_dec)(EGP_SHORT, const rt_closure *c);
#define GP_SHORT(n_)                                                          \
  __attribute__((noinline, aligned(64))) RT_NO_SLP static u64 egs_##n_(       \
      EGP_SHORT, const rt_closure *c)                                         \
  {                                                                           \
    const struct rt__plan *p = closure_plan(c);                               \
    const struct op *op = p->ops;                                             \
    rt_value args[(n_) ? (n_) : 1];                                           \
    (void)op;                                                                 \
    DEC_##n_                                                                  \
    return entry_finish(c, p, args, n_);                                      \
  }
GP_SHORT(0)
GP_SHORT(1)
GP_SHORT(2)
GP_SHORT(3)
GP_SHORT(4)
GP_SHORT(5)
#ifdef __x86_64__
static const gp_short_dec gp_short_decs[NGP] = {egs_0, egs_1, egs_2,
                                                egs_3, egs_4, egs_5};
#else
GP_SHORT(6)
GP_SHORT(7)
static const gp_short_dec gp_short_decs[NGP] = {
    egs_0, egs_1, egs_2, egs_3, egs_4, egs_5, egs_6, egs_7};
#endif

__attribute__((noinline, aligned(64))) RT_NO_SLP static u64 entry_gp(EGP, const rt_closure *c)
{
  const struct rt__plan *p = closure_plan(c);
  const struct op *op = p->ops;
  size_t n = p->nops;
  rt_value args[NGP];
  switch (n) {
#ifndef __x86_64__
  case 8: GA(7, g7); /* fall through */
  case 7: GA(6, g6);
    __attribute__((fallthrough)); /* (a comment would not reach past #endif) */
#endif
  case 6: GA(5, g5); /* fall through */
  case 5: GA(4, g4); /* fall through */
  case 4: GA(3, g3); /* fall through */
  case 3: GA(2, g2); /* fall through */
  case 2: GA(1, g1); /* fall through */
  case 1: GA(0, g0); /* fall through */
  default: break;
  }
  return entry_finish(c, p, args, n);
}

__attribute__((noinline)) RT_NO_SLP static u64 entry_fp(EFP, const rt_closure *c)
{
  const struct rt__plan *p = closure_plan(c);
  const struct op *op = p->ops;
  size_t n = p->nops;
  rt_value args[NFP];
  switch (n) {
  case 8: GA(7, bits(d7)); /* fall through */
  case 7: GA(6, bits(d6)); /* fall through */
  case 6: GA(5, bits(d5)); /* fall through */
  case 5: GA(4, bits(d4)); /* fall through */
  case 4: GA(3, bits(d3)); /* fall through */
  case 3: GA(2, bits(d2)); /* fall through */
  case 2: GA(1, bits(d1)); /* fall through */
  case 1: GA(0, bits(d0)); /* fall through */
  default: break;
  }
  return entry_finish(c, p, args, n);
}

__attribute__((noinline)) static u64 entry_mem(const u64 *w,
                                               const rt_closure *c)
{
  const struct rt__plan *p = closure_plan(c);
  const struct op *op = p->ops;
  size_t n = p->nops;
  rt_value args[NGP + NFP];
  for (size_t i = 0; i < n; i++)
    GA(i, w[op[i].edst]);
  return entry_finish(c, p, args, n);
}
#undef GA

static inline RT_ALWAYS_INLINE u64 entry_run(EGP, const rt_closure *c, EFP)
{
  switch (c->eform) {
  case EF_GP_SHORT: return ((gp_short_dec)c->dec)(EGW_SHORT, c);
  case EF_GP: return entry_gp(EGW, c);
  case EF_FP: return entry_fp(EFW, c);
  default: {
    const u64 w[] = {EGW, EFB};
    return entry_mem(w, c);
  }
  }
}

/* Entry K of class CLS: its closure from the slot, then the decoder its
 * plan uses, with the registers as they came. */
#define ENTRY_INT(b, d)                                                       \
  RT_CALL_ALIGN static u64 eint_##b##d(EGP, EFP)                              \
  {                                                                           \
    const rt_closure *c =                                                     \
        __atomic_load_n(&entry_slots[E_INT][b * 8 + d], __ATOMIC_ACQUIRE);    \
    return entry_run(EGW, c, EFW);                                            \
  }
#define ENTRY_F64(b, d)                                                       \
  RT_CALL_ALIGN static double ef64_##b##d(EGP, EFP)                           \
  {                                                                           \
    const rt_closure *c =                                                     \
        __atomic_load_n(&entry_slots[E_F64][b * 8 + d], __ATOMIC_ACQUIRE);    \
    return dbl(entry_run(EGW, c, EFW));                                       \
  }
#define NAME_INT(b, d) (void (*)(void)) eint_##b##d,
#define NAME_F64(b, d) (void (*)(void)) ef64_##b##d,
#define OCT(X, b) X(b, 0) X(b, 1) X(b, 2) X(b, 3) X(b, 4) X(b, 5) X(b, 6) X(b, 7)
#define ALL64(X)                                                              \
  OCT(X, 0) OCT(X, 1) OCT(X, 2) OCT(X, 3) OCT(X, 4) OCT(X, 5) OCT(X, 6) OCT(X, 7)
ALL64(ENTRY_INT)
ALL64(ENTRY_F64)
static void (*const entry_fns[E_CLASSES][ENTRIES])(void) = {
    {ALL64(NAME_INT)}, {ALL64(NAME_F64)}};

int rt__plan_entry_take(rt_closure *c, void (**fnptr)(void))
{
  const struct rt__plan *p = c->sig->plan;
  if (!p || !p->entry_ok)
    return -1;
  unsigned cls = p->use == RU_F64 || p->use == RU_F32 ? E_F64 : E_INT;
  memcpy(c->tail, p, c->sig->plan_size); /* rt_closure_new made room */
  c->eform = p->eform;
  if (p->eform == EF_GP_SHORT)
    c->dec = (void (*)(void))gp_short_decs[p->nops];
  for (unsigned k = 0; k < ENTRIES; k++) {
    rt_closure *none = NULL;
    if (__atomic_compare_exchange_n(&entry_slots[cls][k], &none, c, false,
                                    __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
      *fnptr = entry_fns[cls][k];
      return (int)(cls * ENTRIES + k);
    }
  }
  return -1;
}

void rt__plan_entry_release(int entry)
{
  __atomic_store_n(&entry_slots[entry / ENTRIES][entry % ENTRIES], NULL,
                   __ATOMIC_RELEASE);
}

/* The invokers of plans without structs: fill the words, call the
 * function through the shape's prototype directly (no caller function,
 * no result spill), take the scalar result.  One per shape for the two
 * scalar result classes. */
static inline void take_scalar(const struct rt__plan *p, u64 raw,
                               rt_value *ret)
{
  ret->kind = (rt_type_kind)p->ret_kind;
  ret->flags = 0;
  switch (p->use) {
  case RU_INT: ret->v.u64 = extend(raw, p->ret_ext); break;
  case RU_F32: ret->v.u64 = (uint32_t)raw; break;
  case RU_VOID: ret->v.u64 = 0; break;
  case RU_STR:
    ret->v.owned_str = (char *)(uintptr_t)raw;
    ret->flags = rt__str_owned(ret->v.owned_str);
    break;
  default: ret->v.u64 = raw; break; /* f64 */
  }
}

static inline u64 raw_of_u64(u64 x) { return x; }
static inline u64 raw_of_double(double d)
{
  u64 x;
  memcpy(&x, &d, sizeof x);
  return x;
}

#define INVOKER(R, RT, name, g, f, s, params, args)                           \
  static int inv_##R##_##name(const rt_fn *fn, const rt_value *a,             \
                              rt_value *ret)                                  \
  {                                                                           \
    const struct rt__plan *p = fn_plan(fn);                                   \
    u64 w[PLAN_WORDS];                                                        \
    int rc = fill(fn, p, a, w);                                               \
    if (RT_UNLIKELY(rc))                                                      \
      return rc;                                                              \
    RT r_ = ((RT(*) params)fn->fp) args;                                      \
    take_scalar(p, raw_of_##RT(r_), ret);                                     \
    return rt__last_code;                                                     \
  }
#define I_INT(...) INVOKER(int, u64, __VA_ARGS__)
#define I_F64(...) INVOKER(f64, double, __VA_ARGS__)
#define IE_INT(name, ...) inv_int_##name,
#define IE_F64(name, ...) inv_f64_##name,
SHAPES(I_INT)
SHAPES(I_F64)
static const rt__invoker scalar_invokers[RC_COUNT][NSHAPES] = {
    [RC_INT] = {SHAPES(IE_INT)},
    [RC_F64] = {SHAPES(IE_F64)},
};

/* ---- struct invokers ------------------------------------------------------ */

/* Plans with a struct argument or a struct result get an invoker per
 * shape and result class too: the words filled by fill_aggs_in (the
 * struct arguments copied straight into their words), the result storage
 * taken before the call (the function is not called without it), the
 * function called through the shape's prototype and the result registers
 * stored straight into the storage, or, for a struct returned in memory,
 * the storage's address passed as the hidden first argument. */

/* The integer and floating classes: a scalar result (struct arguments),
 * a struct of up to 8 bytes in the register, or (integer class) a struct
 * in memory whose address comes back in the register. */
#define SINVOKER1(R, RT, name, g, f, s, params, args)                         \
  RT_CALL_ALIGN static int sinv_##R##_##name(const rt_fn *fn,              \
                                             const rt_value *a,            \
                               rt_value *ret)                                 \
  {                                                                           \
    const struct rt__plan *p = fn_plan(fn);                                   \
    u64 w[W_WORDS];                                                           \
    int rc = fill_aggs_in(fn, p, a, w);                                       \
    if (RT_UNLIKELY(rc))                                                      \
      return rc;                                                              \
    if (p->use != RU_STRUCT) {                                                \
      RT r_ = ((RT(*) params)fn->fp) args;                                    \
      take_scalar(p, raw_of_##RT(r_), ret);                                   \
      return rt__last_code;                                                   \
    }                                                                         \
    const rt_sig *sig = fn->sig;                                              \
    unsigned fl_;                                                             \
    void *mem = plan_ret_block(fn, p, &fl_);                                  \
    if (RT_UNLIKELY(!mem))                                                    \
      return rt__last_code;                                                   \
    if (p->ret_mem) {                                                         \
      w[0] = (uintptr_t)mem;                                                  \
      ((RT(*) params)fn->fp) args;                                            \
    } else {                                                                  \
      RT r_ = ((RT(*) params)fn->fp) args;                                    \
      memcpy(mem, &r_, sizeof r_);                                            \
    }                                                                         \
    rt__ret_block_take(sig, mem, fl_, ret);                                   \
    return rt__last_code;                                                     \
  }
/* The struct results taken whole from the result registers: TAKE
 * stores R_ (the prototype's result) into MEM. */
#define SINVOKER_TAKE(R, RT, TAKE, name, g, f, s, params, args)              \
  RT_CALL_ALIGN static int sinv_##R##_##name(const rt_fn *fn,              \
                                             const rt_value *a,            \
                               rt_value *ret)                                 \
  {                                                                           \
    const struct rt__plan *p = fn_plan(fn);                                   \
    u64 w[W_WORDS];                                                           \
    int rc = fill_aggs_in(fn, p, a, w);                                       \
    if (RT_UNLIKELY(rc))                                                      \
      return rc;                                                              \
    const rt_sig *sig = fn->sig;                                              \
    unsigned fl_;                                                             \
    void *mem = plan_ret_block(fn, p, &fl_);                                  \
    if (RT_UNLIKELY(!mem))                                                    \
      return rt__last_code;                                                   \
    RT r_ = ((RT(*) params)fn->fp) args;                                      \
    TAKE;                                                                     \
    rt__ret_block_take(sig, mem, fl_, ret);                                   \
    return rt__last_code;                                                     \
  }
/* The two-eightbyte struct returns: both registers into the storage. */
#define TAKE_ALL memcpy(mem, &r_, sizeof r_)
#define SINVOKER2(R, RT, ...) SINVOKER_TAKE(R, RT, TAKE_ALL, __VA_ARGS__)

#ifdef __aarch64__
/* An HFA result: member I from the low bytes of d[I]. */
static inline void take_hfa(const struct rt__plan *p, const struct r_hfa *r,
                            void *mem)
{
  const double d[4] = {r->a, r->b, r->c, r->d};
  char *m = mem;
  for (unsigned i = 0; i < p->ret_hfa_n; i++) {
    u64 x = bits(d[i]);
    if (p->ret_hfa_size == 8) {
      memcpy(m + 8 * i, &x, 8);
    } else {
      uint32_t lo = (uint32_t)x;
      memcpy(m + 4 * i, &lo, 4);
    }
  }
}

/* aarch64: an HFA of 2-4 members (v0..v3), or a struct over 16 bytes
 * returned at x8 (the prototype's struct is the compiler's temporary,
 * whose first RET_SIZE bytes the callee wrote): SINVOKER_TAKE with
 * TAKE_HFA or TAKE_MEM. */
#define TAKE_HFA take_hfa(p, &r_, mem)
#define TAKE_MEM memcpy(mem, &r_, p->ret_size)
#endif

#define S_INT(...) SINVOKER1(int, u64, __VA_ARGS__)
#define S_F64(...) SINVOKER1(f64, double, __VA_ARGS__)
#define S_II(...) SINVOKER2(ii, struct r_ii, __VA_ARGS__)
#define SE_INT(name, ...) sinv_int_##name,
#define SE_F64(name, ...) sinv_f64_##name,
#define SE_II(name, ...) sinv_ii_##name,
SHAPES(S_INT)
SHAPES(S_F64)
SHAPES(S_II)
#ifdef __x86_64__
#define S_DD(...) SINVOKER2(dd, struct r_dd, __VA_ARGS__)
#define S_ID(...) SINVOKER2(id, struct r_id, __VA_ARGS__)
#define S_DI(...) SINVOKER2(di, struct r_di, __VA_ARGS__)
#define SE_DD(name, ...) sinv_dd_##name,
#define SE_ID(name, ...) sinv_id_##name,
#define SE_DI(name, ...) sinv_di_##name,
SHAPES(S_DD)
SHAPES(S_ID)
SHAPES(S_DI)
static const rt__invoker struct_invokers[RC_COUNT][NSHAPES] = {
    [RC_INT] = {SHAPES(SE_INT)}, [RC_F64] = {SHAPES(SE_F64)},
    [RC_II] = {SHAPES(SE_II)},   [RC_DD] = {SHAPES(SE_DD)},
    [RC_ID] = {SHAPES(SE_ID)},   [RC_DI] = {SHAPES(SE_DI)},
};
#else
#define S_HFA(...) SINVOKER_TAKE(hfa, struct r_hfa, TAKE_HFA, __VA_ARGS__)
#define S_MEM(...) SINVOKER_TAKE(mem, struct r_mem, TAKE_MEM, __VA_ARGS__)
#define SE_HFA(name, ...) sinv_hfa_##name,
#define SE_MEM(name, ...) sinv_mem_##name,
SHAPES(S_HFA)
SHAPES(S_MEM)
static const rt__invoker struct_invokers[RC_COUNT][NSHAPES] = {
    [RC_INT] = {SHAPES(SE_INT)}, [RC_F64] = {SHAPES(SE_F64)},
    [RC_II] = {SHAPES(SE_II)},   [RC_HFA] = {SHAPES(SE_HFA)},
    [RC_MEM] = {SHAPES(SE_MEM)},
};
#endif

static rt__invoker struct_invoker(enum rclass rc, int shape)
{
  return struct_invokers[rc][shape];
}

/* ---- slot invokers ---------------------------------------------------- */

/* The tags of a plan's N arguments that differ from its kinds: nonzero
 * if any does; MAX bounds N (every argument takes a word).  With SSE2,
 * four tags at a time, gathered into a vector and compared with the
 * plan's kinds as 32-bit words, one branch in all (a compare and a
 * branch per tag was the slowest part of a call with stack words:
 * bench_call mixed16 17.0 -> 12.9 ns); else unrolled for up to 16
 * arguments (entered by the count), a loop beyond. */
#ifdef __SSE2__
static inline RT_ALWAYS_INLINE unsigned plan_tags(const struct rt__plan *p,
                                                  const rt_value *a,
                                                  size_t max)
{
  size_t n = p->nops;
  if (n > max)
    __builtin_unreachable();
  const uint32_t *k = p->kinds32;
  __m128i acc = _mm_setzero_si128();
  size_t i = 0;
#pragma GCC unroll 16
  for (; i + 4 <= n; i += 4) {
    __m128i x0 = _mm_cvtsi32_si128((int)a[i].kind);
    __m128i x1 = _mm_cvtsi32_si128((int)a[i + 1].kind);
    __m128i x2 = _mm_cvtsi32_si128((int)a[i + 2].kind);
    __m128i x3 = _mm_cvtsi32_si128((int)a[i + 3].kind);
    __m128i v = _mm_unpacklo_epi64(_mm_unpacklo_epi32(x0, x1),
                                   _mm_unpacklo_epi32(x2, x3));
    acc = _mm_or_si128(acc, _mm_xor_si128(v, _mm_loadu_si128(
                                                 (const __m128i *)&k[i])));
  }
  unsigned d = 0;
  for (; i < n; i++)
    d |= (unsigned)a[i].kind ^ k[i];
  return d | (unsigned)(_mm_movemask_epi8(_mm_cmpeq_epi8(
                            acc, _mm_setzero_si128())) ^ 0xffff);
}
#else
static inline RT_ALWAYS_INLINE unsigned plan_tags(const struct rt__plan *p,
                                                  const rt_value *a,
                                                  size_t max)
{
  const unsigned char *k = p->kinds;
  size_t n = p->nops;
  if (n > max)
    __builtin_unreachable();
  unsigned d = 0;
#define T_(i)                                                                 \
  if (RT_UNLIKELY((unsigned)a[i].kind != k[i]))                               \
  return 1
  for (size_t i = 16; i < n; i++)
    T_(i);
  switch (n < 16 ? n : 16) {
  case 16: T_(15); /* fall through */
  case 15: T_(14); /* fall through */
  case 14: T_(13); /* fall through */
  case 13: T_(12); /* fall through */
  case 12: T_(11); /* fall through */
  case 11: T_(10); /* fall through */
  case 10: T_(9); /* fall through */
  case 9: T_(8); /* fall through */
  case 8: T_(7); /* fall through */
  case 7: T_(6); /* fall through */
  case 6: T_(5); /* fall through */
  case 5: T_(4); /* fall through */
  case 4: T_(3); /* fall through */
  case 3: T_(2); /* fall through */
  case 2: T_(1); /* fall through */
  case 1: T_(0); /* fall through */
  default: break;
  }
#undef T_
  return d;
}
#endif

static inline u64 slot_word(const rt_value *a, uint32_t off)
{
  u64 x;
  memcpy(&x, (const char *)a + off, sizeof x);
  return x;
}

/* The tag of the argument whose value is at OFF, XORed with the kind it
 * must have: nonzero if it differs. */
static inline unsigned slot_tag(const rt_value *a, const struct slot *sl)
{
  unsigned k;
  memcpy(&k, (const char *)a + sl->off - offsetof(rt_value, v), sizeof k);
  return k ^ sl->kind;
}

/* Nonzero if an argument of the N words at O has the wrong tag (the
 * differences ORed together: one branch). */
static inline RT_ALWAYS_INLINE unsigned slot_tags(const struct slot *o,
                                                  const rt_value *a, int n)
{
  unsigned d = 0;
#pragma GCC unroll 16
  for (int i = 0; i < n; i++)
    d |= slot_tag(a, &o[i]);
  return d;
}

/* Parameter I of the shape is the word at the byte offset o[I].off of
 * ARGS, loaded into w[I] (registers, once unrolled); its tag is checked
 * in the same pass (every argument has a word; the words no argument
 * fills check the first argument again). */
/* The tags, with one branch for all of them.  A register-only shape
 * checks them per word (a few words, no dispatch: a word no argument
 * fills checks the first argument again); a shape with stack words, in
 * argument order against the plan's kinds, the unrolled sequence entered
 * by the count (fewer loads per argument than through the words). */
#define SLOT_TAGS(g, f, s)                                                    \
  bad = (s) == 0 ? slot_tags(o, a, (g) + (f)) : plan_tags(p, a, (g) + (f) + (s));

#define SPRE_I64 rt__set_word(ret, p->ret_word);
#define SPRE_IEXT SPRE_I64
#define SPRE_F64 SPRE_I64
#define SPRE_F32 SPRE_I64
#define SPRE_STR
#define SPOST_I64(r) ret->v.u64 = (r);
#define SPOST_IEXT(r) ret->v.u64 = extend(r, p->ret_ext);
#define SPOST_F64(r) ret->v.f64 = (r);
#define SPOST_F32(r) ret->v.u64 = (uint32_t)bits(r);
#define SPOST_STR(r)                                                          \
  ret->kind = RT_TYPE_STR;                                                    \
  ret->v.owned_str = (char *)(uintptr_t)(r);                                  \
  ret->flags = rt__str_owned(ret->v.owned_str);
#define SRT_I64 u64
#define SRT_IEXT u64
#define SRT_STR u64
#define SRT_F64 double
#define SRT_F32 double

/* One per shape and result class: check the tags (one branch), load each
 * parameter word from its argument, store RET's kind, call, take the
 * result.  No intermediate array, no zeroing. */
#define SLOT_INVOKER(C, name, g, f, s, params, args)                          \
  RT_CALL_ALIGN static int slinv_##C##_##name(const rt_fn *fn,               \
                                             const rt_value *a,            \
                               rt_value *ret)                                 \
  {                                                                           \
    const struct rt__plan *p = fn_plan(fn);                                   \
    const struct slot *o = p->slot;                                           \
    unsigned bad = 0;                                                         \
    (void)o;                                                                  \
    SLOT_TAGS(g, f, s)                                                        \
    if (RT_UNLIKELY(bad))                                                     \
      return rt__bad_args(fn->sig, a, p->nops);                               \
    SPRE_##C                                                                  \
    SRT_##C r_ = ((SRT_##C(*) params)fn->fp) args;                            \
    SPOST_##C(r_)                                                             \
    return rt__last_code;                                                     \
  }
/* The shapes' argument lists, reading the slots (after the tags). */
#undef AW
#undef AD
#define AW(i) slot_word(a, o[i].off)
#define AD(i) dbl(slot_word(a, o[i].off))
#define SL_I64(...) SLOT_INVOKER(I64, __VA_ARGS__)
#define SL_IEXT(...) SLOT_INVOKER(IEXT, __VA_ARGS__)
#define SL_F64(...) SLOT_INVOKER(F64, __VA_ARGS__)
#define SL_F32(...) SLOT_INVOKER(F32, __VA_ARGS__)
#define SL_STR(...) SLOT_INVOKER(STR, __VA_ARGS__)
SLOT_SHAPES(SL_I64)
SLOT_SHAPES(SL_IEXT)
SLOT_SHAPES(SL_F64)
SLOT_SHAPES(SL_F32)
SLOT_SHAPES(SL_STR)
#define SLE_I64(name, ...) slinv_I64_##name,
#define SLE_IEXT(name, ...) slinv_IEXT_##name,
#define SLE_F64(name, ...) slinv_F64_##name,
#define SLE_F32(name, ...) slinv_F32_##name,
#define SLE_STR(name, ...) slinv_STR_##name,
static const rt__invoker slot_invokers[SC_COUNT][NSHAPES] = {
    [SC_I64] = {SLOT_SHAPES(SLE_I64)},   [SC_IEXT] = {SLOT_SHAPES(SLE_IEXT)},
    [SC_F64] = {SLOT_SHAPES(SLE_F64)},   [SC_F32] = {SLOT_SHAPES(SLE_F32)},
    [SC_STR] = {SLOT_SHAPES(SLE_STR)},
};

/* ---- struct slot invokers ------------------------------------------------ */

/* Register-only plans with struct arguments of whole eightbytes, or a
 * struct result in registers (plan_aslots): like the slot invokers, one
 * per shape and result class that checks the tags (one branch), then
 * takes each parameter word straight from where it is, the argument's
 * value or the struct's memory (no word array, no copy), checks that
 * every struct argument has its memory (one branch), and calls through
 * the shape's prototype; a struct result goes from the registers into
 * the storage taken before the call. */
static inline u64 ld64(const char *src)
{
  u64 x;
  memcpy(&x, src, sizeof x);
  return x;
}

/* The first struct argument without memory (there is one). */
__attribute__((noinline, cold)) static int aslot_no_agg(const rt_fn *fn,
                                                        const rt_value *a)
{
  const struct rt__plan *p = fn_plan(fn);
  size_t i = 0;
  while (p->ops[i].code == OP_SCALAR || a[i].v.agg != NULL)
    i++;
  return rt__no_agg(fn->sig, i);
}

/* SRC[I] := where parameter word I is, for the N words (computed with
 * the tags, read only after them); 0, or the error (a wrong tag, a
 * struct argument without memory). */
static inline RT_ALWAYS_INLINE int aslot_srcs(const rt_fn *fn,
                                              const struct rt__plan *p,
                                              const rt_value *a,
                                              const char **src, int n)
{
  const struct aslot *o = p->aslot;
  unsigned bad = 0;
  bool nul = false;
#pragma GCC unroll 16
  for (int i = 0; i < n; i++) {
    const char *v = (const char *)a + o[i].off;
    unsigned k;
    memcpy(&k, v - offsetof(rt_value, v), sizeof k);
    bad |= k ^ o[i].kind;
    if (o[i].in >= 0) {
      uintptr_t agg = (uintptr_t)ld64(v);
      nul |= agg == 0;
      v = (const char *)(agg + (uintptr_t)o[i].in);
    }
    src[i] = v;
  }
  if (RT_UNLIKELY(bad))
    return rt__bad_args(fn->sig, a, p->nops);
  return RT_UNLIKELY(nul) ? aslot_no_agg(fn, a) : 0;
}

#undef AW
#undef AD
#define AW(i) ld64(src[i])
#define AD(i) dbl(ld64(src[i]))
#define ASLOT_HEAD(R, name, g, f)                                             \
  RT_CALL_ALIGN static int ainv_##R##_##name(const rt_fn *fn,                \
                                             const rt_value *a,             \
                                             rt_value *ret)                 \
  {                                                                           \
    const struct rt__plan *p = fn_plan(fn);                                   \
    const char *src[(g) + (f) + 1];                                           \
    int rc = aslot_srcs(fn, p, a, src, (g) + (f));                            \
    if (RT_UNLIKELY(rc))                                                      \
      return rc;
/* The end of a struct result's invoker: the storage taken after the
 * checks, and the result registers stored into it, or (MEM, x86-64) the
 * storage's address passed as word 0 for a result the callee returns in
 * memory. */
#define ASLOT_STRUCT(RT, MEM, params, args)                                   \
    unsigned fl_;                                                             \
    void *mem = plan_ret_block(fn, p, &fl_);                                  \
    if (RT_UNLIKELY(!mem))                                                    \
      return rt__last_code;                                                   \
    u64 at_ = (uintptr_t)mem;                                                 \
    if ((MEM) && p->ret_mem) {                                                \
      src[0] = (const char *)&at_;                                            \
      ((RT(*) params)fn->fp) args;                                            \
    } else {                                                                  \
      RT r_ = ((RT(*) params)fn->fp) args;                                    \
      memcpy(mem, &r_, sizeof r_);                                            \
    }                                                                         \
    rt__ret_block_take(fn->sig, mem, fl_, ret);                               \
    return rt__last_code;                                                     \
  }
/* The integer and floating classes: a scalar result, a struct of up
 * to 8 bytes in the register, or (the integer class, x86-64) a struct
 * in memory, the storage's address in word 0. */
#define ASLOT_MEM_int RET_MEM_GP0
#define ASLOT_MEM_f64 0
#define ASLOT1(R, RT, name, g, f, s, params, args)                            \
  ASLOT_HEAD(R, name, g, f)                                                   \
    if (p->use != RU_STRUCT) {                                                \
      RT r_ = ((RT(*) params)fn->fp) args;                                    \
      take_scalar(p, raw_of_##RT(r_), ret);                                   \
      return rt__last_code;                                                   \
    }                                                                         \
  ASLOT_STRUCT(RT, ASLOT_MEM_##R, params, args)
/* The two-eightbyte struct returns. */
#define ASLOT2(R, RT, name, g, f, s, params, args)                            \
  ASLOT_HEAD(R, name, g, f)                                                   \
  ASLOT_STRUCT(RT, 0, params, args)
#define A_INT(...) ASLOT1(int, u64, __VA_ARGS__)
#define A_F64(...) ASLOT1(f64, double, __VA_ARGS__)
#define A_II(...) ASLOT2(ii, struct r_ii, __VA_ARGS__)
REG_SHAPES(A_INT)
REG_SHAPES(A_F64)
REG_SHAPES(A_II)
#define AE_INT(name, ...) ainv_int_##name,
#define AE_F64(name, ...) ainv_f64_##name,
#define AE_II(name, ...) ainv_ii_##name,
#ifdef __x86_64__
#define A_DD(...) ASLOT2(dd, struct r_dd, __VA_ARGS__)
#define A_ID(...) ASLOT2(id, struct r_id, __VA_ARGS__)
#define A_DI(...) ASLOT2(di, struct r_di, __VA_ARGS__)
REG_SHAPES(A_DD)
REG_SHAPES(A_ID)
REG_SHAPES(A_DI)
#define AE_DD(name, ...) ainv_dd_##name,
#define AE_ID(name, ...) ainv_id_##name,
#define AE_DI(name, ...) ainv_di_##name,
#endif
/* (aarch64: HFA results of 2-4 members and results in memory keep the
 * struct invokers: no row.) */
static const rt__invoker aslot_invokers[RC_COUNT][NREG_SHAPES] = {
    [RC_INT] = {REG_SHAPES(AE_INT)}, [RC_F64] = {REG_SHAPES(AE_F64)},
    [RC_II] = {REG_SHAPES(AE_II)},
#ifdef __x86_64__
    [RC_DD] = {REG_SHAPES(AE_DD)},   [RC_ID] = {REG_SHAPES(AE_ID)},
    [RC_DI] = {REG_SHAPES(AE_DI)},
#endif
};

/* Integer arguments only, exactly filling a shape with stack words
 * (NGP + S of them): word I is argument I, so the offsets are constants
 * and the tags are checked in one unrolled pass of known length. */
#define INT_STACK_SHAPES(X)                                                   \
  X(gnf0s2, NGP, 0, 2, (LG(PU, 0), L2(PU, NGP)), (LG(AW, 0), L2(AW, NGP)))    \
  X(gnf0s4, NGP, 0, 4, (LG(PU, 0), L4(PU, NGP)), (LG(AW, 0), L4(AW, NGP)))    \
  X(gnf0s8, NGP, 0, 8, (LG(PU, 0), L8(PU, NGP)), (LG(AW, 0), L8(AW, NGP)))    \
  X(gnf0s16, NGP, 0, 16, (LG(PU, 0), L16(PU, NGP)), (LG(AW, 0), L16(AW, NGP)))
#define EXACT_INVOKER(C, name, g, f, s, params, args)                         \
  RT_CALL_ALIGN static int xinv_##C##_##name(const rt_fn *fn,               \
                                             const rt_value *a,            \
                                             rt_value *ret)                \
  {                                                                           \
    const struct rt__plan *p = fn_plan(fn);                                   \
    const unsigned char *k = p->kinds;                                        \
    _Pragma("GCC unroll 32") for (int i = 0; i < (g) + (s); i++) if (         \
        RT_UNLIKELY((unsigned)a[i].kind != k[i])) return rt__bad_args(       \
        fn->sig, a, p->nops);                                                 \
    SPRE_##C                                                                  \
    SRT_##C r_ = ((SRT_##C(*) params)fn->fp) args;                            \
    SPOST_##C(r_)                                                             \
    return rt__last_code;                                                     \
  }
#undef AW
#define AW(i) a[i].v.u64
#define XI_I64(...) EXACT_INVOKER(I64, __VA_ARGS__)
#define XI_IEXT(...) EXACT_INVOKER(IEXT, __VA_ARGS__)
#define XI_F64(...) EXACT_INVOKER(F64, __VA_ARGS__)
#define XI_F32(...) EXACT_INVOKER(F32, __VA_ARGS__)
#define XI_STR(...) EXACT_INVOKER(STR, __VA_ARGS__)
INT_STACK_SHAPES(XI_I64)
INT_STACK_SHAPES(XI_IEXT)
INT_STACK_SHAPES(XI_F64)
INT_STACK_SHAPES(XI_F32)
INT_STACK_SHAPES(XI_STR)
#define XE_I64(name, ...) xinv_I64_##name,
#define XE_IEXT(name, ...) xinv_IEXT_##name,
#define XE_F64(name, ...) xinv_F64_##name,
#define XE_F32(name, ...) xinv_F32_##name,
#define XE_STR(name, ...) xinv_STR_##name,
static const rt__invoker exact_invokers[SC_COUNT][4] = {
    [SC_I64] = {INT_STACK_SHAPES(XE_I64)},
    [SC_IEXT] = {INT_STACK_SHAPES(XE_IEXT)},
    [SC_F64] = {INT_STACK_SHAPES(XE_F64)},
    [SC_F32] = {INT_STACK_SHAPES(XE_F32)},
    [SC_STR] = {INT_STACK_SHAPES(XE_STR)},
};

static rt__invoker exact_invoker(const struct rt__plan *p,
                                 const unsigned char *d)
{
  if (d[0] != NGP || d[1] != 0 || p->nops != (size_t)NGP + d[2])
    return NULL;
  int idx = d[2] == 2 ? 0 : d[2] == 4 ? 1 : d[2] == 8 ? 2 : d[2] == 16 ? 3 : -1;
  return idx < 0 ? NULL : exact_invokers[slot_class(p)][idx];
}

#else /* !RT_PLAN_CALLS */

int rt__plan_entry_take(rt_closure *c, void (**fnptr)(void))
{
  (void)c;
  (void)fnptr;
  return -1;
}

void rt__plan_entry_release(int entry) { (void)entry; }

int rt__plan_prepare(rt_sig *s)
{
  (void)s;
  return 0;
}

int rt__plan_invoke(const rt_fn *fn, const rt_value *a, rt_value *ret)
{
  return rt__call_ffi(fn, a, ret);
}

#endif
