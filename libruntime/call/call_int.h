/*
 * call_int.h — private to the call part (call.c, callfast.c, value.c,
 * closure.c): the layout of types, signatures and functions.
 */
#ifndef RT_CALL_INT_H
#define RT_CALL_INT_H

#include "../internal.h"
#include "../heap_owns.h" /* rt__str_owned */

#include <ffi.h>
#include <stddef.h>
#include <string.h>

struct rt_type {
  rt_type_kind kind;
  size_t size;
  size_t align;
  size_t nmembers;
  const rt_type **members; /* struct only */
  size_t *offsets;         /* struct only */
  const char *name;        /* canonical text */
  ffi_type *ffi;           /* a libffi built-in type, or &ffi_agg */
  ffi_type ffi_agg;        /* struct only */
};

/* How rt_call calls FN once it has checked FN, ARGS, the argument count
 * and RET: checks the tags, calls, sets RET (rt_call's contract) and
 * returns the thread's error code after the call (rt__last_code).  Either
 * a precompiled shape (callfast.c) or call_ffi (call.c). */
typedef int (*rt__invoker)(const rt_fn *fn, const rt_value *args,
                           rt_value *ret);

struct rt__plan;

struct rt_sig {
  rt__refcount refs;
  size_t nargs;
  const rt_type *ret;
  const rt_type **args;
  unsigned char *kinds; /* the argument kinds, for a quick check */
  bool agg_args;         /* some argument is a struct */
  bool ret_direct;       /* libffi may store the result straight into
                            an rt_value (see rt__call_ffi) */
  rt__invoker fast;      /* the fast path, or NULL for ffi_call */
  struct rt__plan *plan; /* the universal-prototype plan (callfast.c), if
                            FAST is its invoker; owned */
  size_t plan_bytes;     /* PLAN's size if FAST is its invoker, else 0:
                            each rt_fn keeps a copy (struct rt_fn) */
  size_t plan_size;      /* PLAN's size (a closure entry's copy) */
  size_t nret_strs;      /* str members of a struct result ... */
  size_t *ret_strs;      /* ... and their offsets (in the same block) */
  ffi_type **ffi_args;
  ffi_cif cif;
  char *text;
  /* 1 + the index of the struct argument that libffi gets as its two
   * eightbytes (u64, double) through SPLIT_CIF, because libffi before
   * 3.4.7 passes it wrongly (sig.c, libffi_848_arg), or 0. */
  size_t split;
  ffi_cif *split_cif;
  ffi_type **split_args;
};

/* How the integer fast path extends a register-sized value to its
 * type's width: ((x & m) ^ b) - b, with M the mask of the type's bits and
 * B its sign bit if it is signed, else 0.  No data-dependent branch and
 * no variable shift. */
struct rt__ext {
  uint64_t m, b;
};

/* The integer fast path's per-argument data lives in the rt_fn itself,
 * so that a call reads it without going through SIG (one dependent load
 * less on the hot path). */
#define RT_FN_INLINE 6

struct rt_fn {
  rt__invoker invoke; /* SIG's fast path, or rt__call_ffi */
  void (*fp)(void);
  size_t nargs;       /* SIG's */
  rt_sig *sig;
  /* integer fast path only (rt__fast_fn): */
  unsigned char kinds[RT_FN_INLINE]; /* SIG's argument kinds */
  unsigned char ret_kind;
  struct rt__ext ret_ext;
  struct rt__ext ext[RT_FN_INLINE];
  /* The first 8 bytes of a result (its kind, flags 0), stored whole by
   * the integer shapes before the call. */
  uint64_t ret_word;
  /* A copy of SIG's plan (SIG->plan_bytes of it) when SIG's fast path is
   * the plan's: at a constant offset from the rt_fn, so that a call's
   * loads of the words' places do not wait for a load of the plan's
   * address (callplan.c, fn_plan; bench_call: mixed6 5.57 -> 4.95 ns,
   * int10 6.19 -> 6.00). */
  _Alignas(16) unsigned char tail[];
};

/* The hot call path's functions start on a 64-byte boundary, so that
 * where the linker happens to put them does not decide how many fetch
 * blocks a call spans (a cycle either way, measured). */
#define RT_CALL_ALIGN __attribute__((aligned(64)))

/* The libffi invoker (call.c). */
RT_HIDDEN int rt__call_ffi(const rt_fn *fn, const rt_value *args,
                           rt_value *ret);

/* True for the kinds passed in integer registers (ints, size, ptr, str). */
RT_HIDDEN bool rt__kind_is_int(rt_type_kind k);

/* Give SIG a fast path if it has a precompiled shape or a plan for the
 * universal prototypes.  0, or RT_ENOMEM. */
RT_HIDDEN int rt__fast_prepare(rt_sig *sig);

/* The universal-prototype plan for SIG (callplan.c): sets SIG's plan
 * and fast path if the signature can be planned here.  0 or RT_ENOMEM. */
RT_HIDDEN int rt__plan_prepare(rt_sig *sig);
RT_HIDDEN int rt__plan_invoke(const rt_fn *fn, const rt_value *args,
                              rt_value *ret);

/* Closures (closure.c) whose signature has a register-only plan with a
 * scalar or void result are entered through a precompiled entry point
 * (callplan.c) rather than a libffi closure: the entry reads every
 * argument register as the universal prototype's parameters, decodes the
 * arguments by the plan, calls the handler and returns the result in the
 * register its class uses.  rt__plan_entry_take gives C a free entry for
 * it (its index, and the function pointer in *FNPTR) or -1 if the
 * signature does not qualify or the pool is used up; release gives it
 * back. */
struct rt_closure {
  void *fc; /* the libffi closure, or NULL with an entry */
  int entry;
  unsigned char eform;         /* how the entry decodes (callplan.c) */
  void (*dec)(void);           /* its decoder, for some forms */
  rt_sig *sig;
  rt_closure_handler handler;
  void *userdata;
  /* With an entry, a copy of SIG's plan (SIG->plan_size of it), at a
   * constant offset from the closure: the entry's loads of the plan wait
   * for the load of the closure only. */
  _Alignas(16) unsigned char tail[];
};
RT_HIDDEN int rt__plan_entry_take(rt_closure *c, void (**fnptr)(void));
RT_HIDDEN void rt__plan_entry_release(int entry);

/* What a closure hands the C caller when the handler fails or returns a
 * value of the wrong kind: the error (closure.c). */
RT_HIDDEN int rt__closure_check(const rt_closure *c, const rt_value *ret,
                                int rc);

/* T's extension (see struct rt__ext); void has none. */
RT_HIDDEN struct rt__ext rt__ext_of(const rt_type *t);

/* The RT_EINVAL for struct argument I of SIG whose v.agg is NULL. */
RT_HIDDEN int rt__no_agg(const rt_sig *sig, size_t i);

/* Free what rt__fast_prepare allocated. */
RT_HIDDEN void rt__fast_release(rt_sig *sig);

/* Struct results: storage for one (at least 16 bytes, not zeroed, room
 * for the ownership record of its str members), NULL with the error set
 * if there is none; and, after the call, the record of which str members
 * the caller now owns (see rt_value_clear).  Sets RET to the struct. */
RT_HIDDEN void *rt__ret_struct_alloc(const rt_sig *sig);
RT_HIDDEN void rt__ret_struct_take(const rt_sig *sig, void *mem,
                                   rt_value *ret);

/* The flag of a struct value whose storage carries the record of the str
 * members it owns, in the 8-byte words just before V.AGG: [-1] the count
 * N, [-1-N .. -2] the offsets (SIZE_MAX for a member not owned); the
 * block starts RT__STR_HDR(N) bytes before V.AGG. */
#define RT__VALUE_STRS 0x100u
#define RT__STR_HDR(n) ((((n) + 1) * sizeof(size_t) + 15) / 16 * 16)

RT_HIDDEN void *rt__ret_struct_nomem(const rt_sig *sig);

/*
 * The per-thread cache of result blocks.  A struct result without str
 * members of up to RT__RC_CLASSES * 16 bytes takes a heap block of
 * 16 * (C + 1) bytes (class C) from the calling thread's cache if there
 * is one, and says so in its flags (RT__VALUE_RC: C + 1), so that
 * rt_value_clear() puts the block back into the clearing thread's cache
 * (any thread's: every block is an ordinary live heap block, which any
 * thread may hand out or rt_free) or frees it when that is full.  A
 * thread's cache is emptied when the thread exits (a pthread key), and
 * the cache steps aside (allocates and frees every block) while the heap
 * has fault injection armed or tools watching (rt__heap_flags), so that
 * RT_ENOMEM paths, ASan and valgrind see every block.  Taking a block is
 * a load and a store of the thread's slot, against the heap's bitmaps,
 * use count and segment lookup on both sides (doc/perf-notes.md).
 */
#define RT__RC_CLASSES 4
#define RT__RC_SLOTS 4
#define RT__VALUE_RC_SHIFT 9
#define RT__VALUE_RC (7u << RT__VALUE_RC_SHIFT)
enum { RT__RC_NEW, RT__RC_LIVE, RT__RC_DEAD }; /* the cache's state */
struct rt__rcache {
  void *slot[RT__RC_CLASSES][RT__RC_SLOTS];
  unsigned char state;
};
RT_HIDDEN extern _Thread_local struct rt__rcache rt__rcache
    __attribute__((tls_model("initial-exec")));
/* The heap's flags (heap/heap_int.h): nonzero while fault injection is
 * armed or a tool must hear of every block. */
RT_HIDDEN extern _Atomic unsigned rt__heap_flags;

static inline bool rt__rc_usable(void)
{
  return __atomic_load_n((const unsigned *)&rt__heap_flags,
                         __ATOMIC_RELAXED) == 0;
}

/* Out of line (call.c): a new block of class C (SIG for the error), and
 * the return of block MEM of class C that the cache has no room for. */
RT_HIDDEN void *rt__rc_new(const rt_sig *sig, unsigned c);
RT_HIDDEN void rt__rc_put_slow(void *mem, unsigned c);

/* The cache class of a result of SIZE bytes (RT__RC_CLASSES or more:
 * none). */
static inline unsigned rt__rc_class(size_t size)
{
  return size > 16 ? (unsigned)((size - 1) / 16) : 0;
}

/* A block of cache class C for a result without str members (SIG's),
 * with the flags RET must get. */
static inline RT_ALWAYS_INLINE void *rt__rc_take(const rt_sig *sig,
                                                 unsigned c, unsigned *flags)
{
  *flags = RT_VALUE_OWNED | (c + 1) << RT__VALUE_RC_SHIFT;
  void **slot = rt__rcache.slot[c];
  if (RT_LIKELY(rt__rc_usable())) {
    for (unsigned i = 0; i < RT__RC_SLOTS; i++) {
      void *mem = slot[i];
      if (RT_LIKELY(mem != NULL)) {
        slot[i] = NULL;
        return mem;
      }
    }
  }
  return rt__rc_new(sig, c);
}

/* Storage for a struct result of SIZE bytes (SIG's), inlined into the
 * invokers, with the flags RET must get (rt__ret_block_take). */
static inline RT_ALWAYS_INLINE void *rt__ret_block(const rt_sig *sig,
                                                   size_t size,
                                                   unsigned *flags)
{
  if (RT_UNLIKELY(sig->nret_strs != 0)) {
    *flags = RT_VALUE_OWNED | RT__VALUE_STRS;
    return rt__ret_struct_alloc(sig);
  }
  unsigned c = rt__rc_class(size);
  if (RT_LIKELY(c < RT__RC_CLASSES))
    return rt__rc_take(sig, c, flags);
  *flags = RT_VALUE_OWNED;
  void *mem = rt_alloc((size + 7) / 8 * 8);
  return RT_LIKELY(mem != NULL) ? mem : rt__ret_struct_nomem(sig);
}

/* RET owns MEM (from rt__ret_block, with its FLAGS). */
static inline RT_ALWAYS_INLINE void rt__ret_block_take(const rt_sig *sig,
                                                       void *mem,
                                                       unsigned flags,
                                                       rt_value *ret)
{
  if (RT_UNLIKELY(flags & RT__VALUE_STRS)) {
    rt__ret_struct_take(sig, mem, ret);
    return;
  }
  ret->kind = RT_TYPE_STRUCT;
  ret->flags = flags;
  ret->v.agg = mem;
}

/* A value cleared twice (or a copy of it cleared) while its block is
 * still in the cache: aborts with a message, as rt_free() does for a
 * double free (which is what a second clear is when the cache steps
 * aside), rather than hand the block to two results. */
RT_HIDDEN RT_NORETURN void rt__rc_twice(const void *mem);

/* Give back block MEM of class C (from a value's RT__VALUE_RC).  Slot 0
 * first, at a constant address, with a branch rather than a computed
 * index: in a loop of calls and clears the block then travels slot 0 ->
 * result -> slot 0, and the store that puts it back does not wait for
 * the loads that look for a free slot (measured: 10.5 -> 10.0 ns a call
 * and clear of a 16-byte result). */
static inline void rt__rc_put(void *mem, unsigned c)
{
  void **slot = rt__rcache.slot[c];
  if (RT_LIKELY(rt__rcache.state == RT__RC_LIVE && rt__rc_usable())) {
    bool twice = false;
#pragma GCC unroll 8
    for (unsigned i = 0; i < RT__RC_SLOTS; i++)
      twice |= slot[i] == mem;
    if (RT_UNLIKELY(twice))
      rt__rc_twice(mem);
#pragma GCC unroll 8
    for (unsigned i = 0; i < RT__RC_SLOTS; i++) {
      if (RT_LIKELY(slot[i] == NULL)) {
        slot[i] = mem;
        return;
      }
    }
  }
  rt__rc_put_slow(mem, c);
}

/* The thread's last error code (error.c), in the static TLS block so
 * that rt_call can clear it on entry and look at it after the call for
 * the cost of a load. */
RT_HIDDEN extern _Thread_local int rt__last_code
    __attribute__((tls_model("initial-exec")));

/* Fill in FN's invoker (and the fast path's data) from FN->sig. */
RT_HIDDEN void rt__fast_fn(rt_fn *fn);

/* The RT_EINVAL for arguments that do not match SIG. */
RT_HIDDEN int rt__bad_args(const rt_sig *sig, const rt_value *args,
                           size_t nargs);

/* Read a value of type T from C memory SRC (a struct value points at SRC,
 * owning nothing), and write V to C memory DST. */
RT_HIDDEN void rt__value_load(const rt_type *t, const void *src,
                              rt_value *out);
RT_HIDDEN void rt__value_store(const rt_type *t, const rt_value *v,
                               void *dst);

/* An integer-class value widened to 64 bits with the sign or zero
 * extension of its type, as the register holding it must look.  Inline:
 * it sits on the fast call path. */
static inline uint64_t rt__widen(const rt_value *v)
{
  switch (v->kind) {
  case RT_TYPE_BOOL: return v->v.b;
  case RT_TYPE_CHAR: return (uint64_t)(int64_t)v->v.c;
  case RT_TYPE_I8: return (uint64_t)(int64_t)v->v.i8;
  case RT_TYPE_U8: return v->v.u8;
  case RT_TYPE_I16: return (uint64_t)(int64_t)v->v.i16;
  case RT_TYPE_U16: return v->v.u16;
  case RT_TYPE_I32: return (uint64_t)(int64_t)v->v.i32;
  case RT_TYPE_U32: return v->v.u32;
  case RT_TYPE_SSIZE: return (uint64_t)(int64_t)v->v.ssize;
  case RT_TYPE_PTR: return (uintptr_t)v->v.ptr;
  case RT_TYPE_STR: return (uintptr_t)v->v.str;
  default: return v->v.u64; /* i64, u64, size */
  }
}

/* The flags of a returned str.  By the signature contract it is a
 * runtime-heap string that the caller now owns; one that is not (a plugin
 * returning a literal) is left unowned, so rt_value_clear() never hands
 * foreign memory to rt_free().  The test is rt_heap_owns(), exact; for a
 * paged segment in the fast map state, inline (heap_owns.h): through the
 * call it was 2 ns of a 5.6 ns str call, inline 1 ns. */
RT_HIDDEN bool rt__heap_owns(const void *p); /* rt_heap_owns, no PLT */
static inline RT_ALWAYS_INLINE unsigned rt__str_owned(const char *s)
{
  uintptr_t a = (uintptr_t)s;
  if (RT_LIKELY(rt__segmap_get(a) == RT__SM_FAST)) /* never for NULL */
    return rt__owns_fast(a) ? RT_VALUE_OWNED : 0;
  return s && rt__heap_owns(s) ? RT_VALUE_OWNED : 0;
}

/* Set RET's value (kind K, integer class or void) from a register-sized
 * RAW result, narrowed to K's width; the rest of the union is zeroed. */
static inline void rt__narrow(rt_type_kind k, uint64_t raw, rt_value *ret)
{
  ret->v.u64 = 0;
  switch (k) {
  case RT_TYPE_BOOL: ret->v.b = (uint8_t)raw != 0; break;
  case RT_TYPE_CHAR: ret->v.c = (char)raw; break;
  case RT_TYPE_I8: ret->v.i8 = (int8_t)raw; break;
  case RT_TYPE_U8: ret->v.u8 = (uint8_t)raw; break;
  case RT_TYPE_I16: ret->v.i16 = (int16_t)raw; break;
  case RT_TYPE_U16: ret->v.u16 = (uint16_t)raw; break;
  case RT_TYPE_I32: ret->v.i32 = (int32_t)raw; break;
  case RT_TYPE_U32: ret->v.u32 = (uint32_t)raw; break;
  case RT_TYPE_SIZE: ret->v.size = (size_t)raw; break;
  case RT_TYPE_SSIZE: ret->v.ssize = (ssize_t)raw; break;
  case RT_TYPE_PTR: ret->v.ptr = (void *)(uintptr_t)raw; break;
  case RT_TYPE_STR:
    ret->v.owned_str = (char *)(uintptr_t)raw;
    ret->flags = rt__str_owned(ret->v.owned_str);
    break;
  case RT_TYPE_VOID: break;
  default: ret->v.u64 = raw; break; /* i64, u64 */
  }
}

/* The same for a float result. */
static inline void rt__set_f32(float f, rt_value *ret)
{
  ret->v.u64 = 0;
  ret->v.f32 = f;
}

/* The first 8 bytes of a value of kind K with no flags, and storing them
 * with one 8-byte store (kind and flags together). */
static inline uint64_t rt__kind_word(rt_type_kind k)
{
  struct {
    rt_type_kind kind;
    unsigned flags;
  } h = {k, 0};
  uint64_t w;
  _Static_assert(sizeof h == sizeof w && offsetof(rt_value, v) == sizeof w,
                 "rt_value starts with kind and flags in 8 bytes");
  memcpy(&w, &h, sizeof w);
  return w;
}

static inline void rt__set_word(rt_value *v, uint64_t w)
{
  memcpy(v, &w, sizeof w);
}

/* N rounded up to a multiple of A (A > 0). */
static inline size_t rt__align_up(size_t n, size_t a)
{
  return (n + a - 1) / a * a;
}

#endif /* RT_CALL_INT_H */
