/*
 * call_int.h — private to the call part (call.c, callfast.c, value.c,
 * closure.c): the layout of types, signatures and functions.
 */
#ifndef RT_CALL_INT_H
#define RT_CALL_INT_H

#include "internal.h"

#include <ffi.h>

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

/* How a signature is called: libffi, or one of the precompiled C call
 * shapes in callfast.c (integers/pointers; all-f64 or all-f32 arguments
 * with an f64 or f32 result). */
enum rt__shape {
  RT__SHAPE_FFI,
  RT__SHAPE_INT,
  RT__SHAPE_D_D, /* f64 arguments, f64 result */
  RT__SHAPE_D_F, /* f64 arguments, f32 result */
  RT__SHAPE_F_D, /* f32 arguments, f64 result */
  RT__SHAPE_F_F  /* f32 arguments, f32 result */
};

struct rt_sig {
  size_t refs; /* atomic */
  size_t nargs;
  const rt_type *ret;
  const rt_type **args;
  ffi_type **ffi_args;
  ffi_cif cif;
  enum rt__shape shape;
  char *text;
};

struct rt_fn {
  void (*fp)(void);
  rt_sig *sig;
};

/* True for the kinds passed in integer registers (ints, size, ptr, str). */
RT_HIDDEN bool rt__kind_is_int(rt_type_kind k);

/* The fast call shape for SIG, or RT__SHAPE_FFI. */
RT_HIDDEN enum rt__shape rt__fast_shape(const rt_sig *sig);

/* Call FN through its precompiled shape; arguments already checked. */
RT_HIDDEN void rt__call_fast(const rt_fn *fn, const rt_value *args,
                             rt_value *ret);

/* An integer-class value widened to 64 bits with the sign or zero
 * extension of its type, as the register holding it must look. */
RT_HIDDEN uint64_t rt__widen(const rt_value *v);

/* Set RET (kind K, integer class) from a register-sized RAW result,
 * narrowing it to K's width. */
RT_HIDDEN void rt__narrow(rt_type_kind k, uint64_t raw, rt_value *ret);

/* Read a value of type T from C memory SRC (a struct value points at SRC,
 * owning nothing), and write V to C memory DST. */
RT_HIDDEN void rt__value_load(const rt_type *t, const void *src,
                              rt_value *out);
RT_HIDDEN void rt__value_store(const rt_type *t, const rt_value *v,
                               void *dst);

#endif /* RT_CALL_INT_H */
