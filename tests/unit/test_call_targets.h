/*
 * test_call_targets.h — the C functions that the call tests reach through
 * rt_call and closures, with "direct" wrappers that make the same call as
 * ordinary C, so every dynamic result can be compared with a real call.
 * They live in their own translation unit so that nothing is inlined.
 */
#ifndef TEST_CALL_TARGETS_H
#define TEST_CALL_TARGETS_H

#include <runtime.h>

typedef void (*vfn)(void);

/* Every scalar type: X(name, ctype, member); integer kinds first. */
#define TT_INTS(X)                                                            \
  X(bool, bool, b)                                                            \
  X(char, char, c)                                                            \
  X(i8, int8_t, i8)                                                           \
  X(u8, uint8_t, u8)                                                          \
  X(i16, int16_t, i16)                                                        \
  X(u16, uint16_t, u16)                                                       \
  X(i32, int32_t, i32)                                                        \
  X(u32, uint32_t, u32)                                                       \
  X(i64, int64_t, i64)                                                        \
  X(u64, uint64_t, u64)                                                       \
  X(size, size_t, size)                                                       \
  X(ssize, ssize_t, ssize)
#define TT_OTHERS(X)                                                          \
  X(f32, float, f32)                                                          \
  X(f64, double, f64)                                                         \
  X(ptr, void *, ptr)
#define TT_SCALARS(X) TT_INTS(X) TT_OTHERS(X)

/* Per scalar type T:
 *   T    tt_id_T(T x)                      returns x
 *   T    tt_mid_T(u8 a, T x, i16 b)        returns x (x between others)
 *   T    tt_from_T(u64 bits)               the low bytes of BITS as a T
 *   u64  tt_bits_T(T x)                    the bytes of x as received
 * and for the integer types also
 *   i64  tt_ext_T(i32 pad, T x)            x converted to int64 by C   */
#define TT_DECLARE(name, T, m)                                                \
  T tt_id_##name(T x);                                                        \
  T tt_mid_##name(uint8_t a, T x, int16_t b);                                 \
  T tt_from_##name(uint64_t bits);                                            \
  uint64_t tt_bits_##name(T x);
TT_SCALARS(TT_DECLARE)
#undef TT_DECLARE
#define TT_DECLARE_EXT(name, T, m) int64_t tt_ext_##name(int32_t pad, T x);
TT_INTS(TT_DECLARE_EXT)
#undef TT_DECLARE_EXT

/* Families of N-argument functions, N = 1..TT_MAX_ARITY: "mix" (mixed
 * i16/i32/f64/u8/f32/i64 by position, u64 result), "i64" (all i64, u64
 * result), "f64" (all f64, f64 result), "f32" (all f32, f32 result).
 * Each returns an order-sensitive hash of its arguments' bits. */
#define TT_MAX_ARITY 32
enum tt_family { TT_MIX, TT_I64, TT_F64, TT_F32, TT_NFAMILIES };

struct tt_family_info {
  const char *name;
  vfn fn[TT_MAX_ARITY + 1];                  /* by arity; [0] unused */
  /* call[n](f, vals): call F, typed as fn[n], directly from C with the
   * values VALS; the result's bits. */
  uint64_t (*call[TT_MAX_ARITY + 1])(vfn f, const rt_value *vals);
  const char *ret;                           /* return type name */
};
extern const struct tt_family_info tt_families[TT_NFAMILIES];

/* The type name of argument K (0-based) of an N-argument family member. */
const char *tt_family_arg(enum tt_family f, int k);

/* The signature text of family F's N-argument member (rt_free it), and
 * N argument values for it, different for each position and arity. */
char *tt_family_sig(enum tt_family f, int n);
void tt_family_values(enum tt_family f, int n, rt_value *vals);

/* Byte structs of 1..64 bytes: struct { uint8_t b[N]; }.
 * tt_bump[N](s, k) returns s with b[i] += k + i. */
#define TT_MAX_BYTES 64
extern const vfn tt_bump[TT_MAX_BYTES + 1];
/* tt_bump_direct[N](in, k, out): the same call made directly. */
extern void (*const tt_bump_direct[TT_MAX_BYTES + 1])(const void *in,
                                                      uint8_t k, void *out);

/* Structs of mixed layout: a signature, the function, some argument
 * texts and a direct call taking the parsed values and storing the
 * result into RET (memory of the result type). */
struct tt_struct_case {
  const char *sig;
  vfn fn;
  const char *args[6];
  void (*direct)(const rt_value *args, void *ret);
};
extern const struct tt_struct_case tt_struct_cases[];
extern const size_t tt_nstruct_cases;

/* Strings. */
char *tt_upper(const char *s);            /* rt_strdup'd upper-case copy */
size_t tt_strlen(const char *s);
char *tt_concat(const char *a, int32_t n, const char *b); /* a + n + b */
char *tt_null_str(void);                  /* returns NULL */
char *tt_static_str(void);                /* a literal, not a heap string */

/* Void and no-argument functions. */
void tt_set_counter(int32_t v);
int32_t tt_get_counter(void);
double tt_pi(void);
void tt_store_f64(double *dst, double v);

#endif /* TEST_CALL_TARGETS_H */
