/*
 * test_call_abi_targets.h — targets for test_call_abi.c (see the .c file).
 */
#ifndef TEST_CALL_ABI_TARGETS_H
#define TEST_CALL_ABI_TARGETS_H

#include <runtime.h>

typedef void (*vfn)(void);

struct at_id { int64_t i; double d; };
struct at_ff { float a, b; };
struct at_l3 { int64_t a, b, c; };
struct at_if { int32_t i; float f; };
struct at_ffi { float a, b; int32_t c; };
struct at_lff { int64_t a; float b, c; };
struct at_iff { int32_t a; float b, c; };
struct at_dl { double d; int64_t l; };
struct at_big { int64_t v[12]; };
struct at_u8x3 { uint8_t a, b, c; };
struct at_si { char *s; int32_t n; };
struct at_sis { char *s; int32_t n; const char *t; };
struct at_big_strs { char *a; int64_t x; char *b; int64_t y; char *c; };
/* AAPCS64's cases (results without padding: their bytes are compared): homogeneous floating aggregates (HFAs: 1-4 members,
 * all f32 or all f64, nested structs flattened), structs of up to 16
 * bytes in general registers, larger ones passed by reference. */
struct at_f1 { float a; };
struct at_f3 { float a, b, c; };
struct at_f4 { float a, b, c, d; };
struct at_d1 { double a; };
struct at_d2 { double a, b; };
struct at_d3 { double a, b, c; };
struct at_d4 { double a, b, c, d; };
struct at_nf { struct { float a, b; } x; float c; };
struct at_nd { double a; struct { double b; struct { double c, d; } y; } x; };
struct at_nx { float a, e; struct { double b; } x; };
struct at_li { int64_t a; int32_t b; };
struct at_ii { int32_t a, b; };
struct at_s24 { int64_t a; int32_t b; float f; double c; };
struct at_s40 { int64_t v[4]; float f; };
struct at_r1 { uint8_t a; };
struct at_r8 { int32_t a; int16_t b; int8_t c, d; };
struct at_r16 { int64_t a; int32_t b, c; };
struct at_r12 { int32_t a, b, c; };
struct at_r64 { int64_t v[8]; };

/* (i64, f64, i8, f32) x 16 -> u64: a hash of every argument's bits. */
extern const vfn at_many64;
uint64_t at_many64_direct(const rt_value *args);

/* A signature, its function, argument texts and a direct call storing
 * the result into RET (memory of the result type). */
#define AT_MAX_ARGS 20
struct at_case {
  const char *sig;
  vfn fn;
  const char *args[AT_MAX_ARGS];
  void (*direct)(const rt_value *args, void *ret);
  /* More than 64 stack words: no plan, the fast path is libffi too. */
  bool unplanned;
};
extern const struct at_case at_cases[];
extern const size_t at_ncases;

/* Set the thread's error (RT_ERANGE / RT_EIO) and return a value. */
int32_t at_fails(int32_t x);
double at_fails_f(double x);

/* Structs with str members: {"one" on the runtime heap, n} (returned in
 * registers); {"first" on the heap, n, "literal" not} (in memory); and
 * three members of which two are heap strings and one NULL. */
struct at_si at_one_str(int32_t n);
struct at_sis at_two_strs(int32_t n);
struct at_big_strs at_big_strs(void);

#endif /* TEST_CALL_ABI_TARGETS_H */
