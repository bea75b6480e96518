/*
 * runtime/call.h — dynamic calls: signature strings, typed values, prepared
 * libffi calls, structs by value and closures (callbacks).
 *
 * A host learns the type of a plugin function only at run time, as a
 * signature string such as "(i32, i32) -> i32".  rt_sig_parse() turns the
 * text into an rt_sig (parsed once, with its libffi call interface
 * prepared); rt_fn_new() pairs it with a function pointer; rt_call() calls
 * it with an array of tagged rt_values.  rt_value_parse() and
 * rt_value_format() convert values from and to the text forms the host
 * reads on its command line and prints.
 *
 * Signature grammar (whitespace between tokens is insignificant):
 *
 *   sig    := '(' [ 'void' | type { ',' type } ] ')' '->' ret
 *   ret    := 'void' | type
 *   type   := scalar | '{' type { ',' type } '}'
 *   scalar := bool char i8 u8 i16 u16 i32 u32 i64 u64 f32 f64
 *             size ssize ptr str
 *
 * "()" and "(void)" both mean no arguments.  At most RT_SIG_MAX_ARGS
 * arguments; structs nest at most RT_SIG_MAX_DEPTH levels deep.  The
 * canonical text puts one space after each comma and around the arrow:
 * "(i32, {u8, f64}) -> str".
 *
 * Ownership of strings: a `str` argument is a `const char *` that the
 * callee only reads.  A `str` return value is a NUL-terminated string on
 * the runtime heap that the caller frees with rt_free(); this works
 * across the host/plugin boundary only because the process has one heap.
 *
 * Thread safety: an rt_sig, rt_fn or rt_closure may be used by many
 * threads at once once created; creating and freeing them is safe from any
 * thread.  rt_value is a plain value owned by whoever holds it.
 */
#ifndef RUNTIME_CALL_H
#define RUNTIME_CALL_H

#include <sys/types.h>
#include <runtime/defs.h>
#include <runtime/buf.h>

RT_BEGIN_DECLS

/* The most arguments a signature may have, and the deepest struct nesting. */
#define RT_SIG_MAX_ARGS 64
#define RT_SIG_MAX_DEPTH 16

/* The kinds of values a signature can name.  Values are part of the ABI. */
typedef enum rt_type_kind {
  RT_TYPE_VOID,   /* return only: no value */
  RT_TYPE_BOOL,   /* bool */
  RT_TYPE_CHAR,   /* char (signedness of the platform) */
  RT_TYPE_I8,     /* int8_t */
  RT_TYPE_U8,     /* uint8_t */
  RT_TYPE_I16,    /* int16_t */
  RT_TYPE_U16,    /* uint16_t */
  RT_TYPE_I32,    /* int32_t */
  RT_TYPE_U32,    /* uint32_t */
  RT_TYPE_I64,    /* int64_t */
  RT_TYPE_U64,    /* uint64_t */
  RT_TYPE_F32,    /* float */
  RT_TYPE_F64,    /* double */
  RT_TYPE_SIZE,   /* size_t */
  RT_TYPE_SSIZE,  /* ssize_t */
  RT_TYPE_PTR,    /* void * */
  RT_TYPE_STR,    /* const char * in, heap char * out */
  RT_TYPE_STRUCT  /* a struct by value, C layout */
} rt_type_kind;

/*
 * rt_type: one type of a signature, read-only.  Types belong to the rt_sig
 * they were parsed with and live as long as it does.
 */
typedef struct rt_type rt_type;

/* rt_type_kind_of: the kind of T. */
RT_API rt_type_kind rt_type_kind_of(const rt_type *t);

/* rt_type_size / rt_type_align: sizeof and _Alignof of T's C type (a struct
 * uses the platform's C layout rules; void has size 0, alignment 1). */
RT_API size_t rt_type_size(const rt_type *t);
RT_API size_t rt_type_align(const rt_type *t);

/* rt_type_nmembers: number of members of a struct type; 0 for scalars. */
RT_API size_t rt_type_nmembers(const rt_type *t);

/* rt_type_member: the I-th member type of struct T; NULL if T is not a
 * struct or I is out of range. */
RT_API const rt_type *rt_type_member(const rt_type *t, size_t i);

/* rt_type_offset: byte offset of member I in struct T (offsetof); 0 if T
 * is not a struct or I is out of range. */
RT_API size_t rt_type_offset(const rt_type *t, size_t i);

/* rt_type_name: T's canonical text, "i32" or "{i32, f64}".  The string
 * belongs to T (lives as long as the signature).  Never NULL. */
RT_API const char *rt_type_name(const rt_type *t);

/* rt_type_format: append T's canonical text to OUT.  0 or RT_ENOMEM. */
RT_API int rt_type_format(const rt_type *t, rt_buf *out);

/* rt_type_kind_name: "i32", "f64", "struct", ... for KIND; "?" for a value
 * outside the enum.  The string is static. */
RT_API const char *rt_type_kind_name(rt_type_kind kind);

/*
 * rt_sig: a parsed signature with its libffi call interface prepared.
 * Reference counted: rt_sig_parse() returns one reference, rt_sig_ref()
 * adds one, rt_sig_free() drops one and frees the signature with the last.
 */
typedef struct rt_sig rt_sig;

/*
 * rt_sig_parse: parse TEXT (see the grammar above) into *OUT.
 * Errors: RT_ESIG for malformed text, with a message naming the column
 * (1-based) and what was expected there, e.g. "expected ',' or ')' at
 * column 6 in '(i32 i32)->i32'"; RT_EINVAL if TEXT or OUT is NULL;
 * RT_ENOMEM.  *OUT is NULL on failure.
 *
 * The call path (a precompiled C call shape or libffi) is chosen here.
 * Setting the environment variable RT_CALL_NO_FASTPATH=1 before parsing
 * makes the signature always use libffi (for testing and comparison).
 */
RT_API RT_WARN_UNUSED int rt_sig_parse(const char *text, rt_sig **out);

/* rt_sig_ref: add a reference to SIG and return SIG. */
RT_API rt_sig *rt_sig_ref(rt_sig *sig);

/* rt_sig_free: drop one reference; the last one frees SIG and its types.
 * NULL is ignored. */
RT_API void rt_sig_free(rt_sig *sig);

/* rt_sig_text: the canonical text, "(i32, i32) -> i32"; owned by SIG. */
RT_API const char *rt_sig_text(const rt_sig *sig);

/* rt_sig_nargs: the number of arguments. */
RT_API size_t rt_sig_nargs(const rt_sig *sig);

/* rt_sig_arg: the I-th argument type (0-based); NULL if out of range. */
RT_API const rt_type *rt_sig_arg(const rt_sig *sig, size_t i);

/* rt_sig_ret: the return type (kind RT_TYPE_VOID for void). */
RT_API const rt_type *rt_sig_ret(const rt_sig *sig);

/* rt_sig_fastpath: true if calls with SIG go through the library's own
 * call path (a plan over precompiled C prototypes, x86_64 and aarch64)
 * rather than libffi.  Diagnostic only: results are the same. */
RT_API bool rt_sig_fastpath(const rt_sig *sig);

/* rt_value flags. */
#define RT_VALUE_OWNED 1u /* v.owned_str or v.agg is on the runtime heap and
                             belongs to the value: rt_value_clear frees it */

/*
 * rt_value: a tagged value of any signature type.  Set KIND and the union
 * member that matches it; the other bytes of the union are ignored.
 * A struct value is V.AGG pointing to memory laid out like the C struct
 * (rt_type_size/rt_type_offset give the layout).  Values made by this
 * library (parsed, returned) may own memory (RT_VALUE_OWNED): release it
 * with rt_value_clear().  A value built by hand with FLAGS 0 owns nothing.
 */
typedef struct rt_value {
  rt_type_kind kind;
  unsigned flags; /* RT_VALUE_OWNED or 0 */
  union {
    uint64_t u64; /* first, so that {0} (RT_VALUE_INIT) zeroes all 8 bytes */
    bool b;
    char c;
    int8_t i8;
    uint8_t u8;
    int16_t i16;
    uint16_t u16;
    int32_t i32;
    uint32_t u32;
    int64_t i64;
    float f32;
    double f64;
    size_t size;
    ssize_t ssize;
    void *ptr;
    const char *str; /* argument: read by the callee */
    char *owned_str; /* returned or parsed string, on the runtime heap */
    void *agg;       /* struct: memory in the struct's C layout */
  } v;
} rt_value;

/* RT_VALUE_INIT: an empty (void) value that owns nothing. */
#define RT_VALUE_INIT {RT_TYPE_VOID, 0, {0}}

/* rt_value_clear: free what V owns (a returned or parsed string, struct
 * storage) and reset it to RT_VALUE_INIT.  NULL is ignored. */
RT_API void rt_value_clear(rt_value *v);

/*
 * rt_value_parse: convert TEXT into a value of type T in *OUT, by the rules
 * the host uses for command-line arguments (in the C locale whatever the
 * process's locale is):
 *   integers  decimal or 0x hex, optional sign, range-checked per type;
 *   f32/f64   anything strtod accepts (nan, inf, hex floats, denormals);
 *             a finite text too large for the type is out of range;
 *   bool      true/false/yes/no/1/0 (any case);
 *   char      one character, or its code 0..255 (decimal or 0x hex);
 *   ptr       0x hex, decimal, or NULL;
 *   str       the text as is (copied);
 *   struct    "{m0, m1, ...}" members in order, nested "{{1,2},3.5}";
 *             a str member is the text up to the next ',' or '}'.
 * Surrounding whitespace is ignored except for str.  *OUT may own memory
 * (str, struct): rt_value_clear() it.  Errors: RT_ERANGE ("'300' is out of
 * range for u8 (0..255)"), RT_ETYPE (text that is not a value of the type),
 * RT_EINVAL (NULL arguments, type void), RT_ENOMEM.  *OUT is left as
 * RT_VALUE_INIT on failure.
 */
RT_API RT_WARN_UNUSED int rt_value_parse(const rt_type *t, const char *text, rt_value *out);

/*
 * rt_value_format: append V, of type T, to OUT as text (in the C locale
 * whatever the process's locale is): integers in
 * decimal; f32/f64 with the fewest digits that read back as the same value
 * ("0.1", "-0", "nan", "inf", "-inf", "5e-324"); bool true/false; char the
 * character itself; ptr "0x..." (NULL is "0x0"); str the text as is (a
 * NULL str is "NULL"); struct "{m0, m1, ...}"; void nothing.
 * Errors: RT_ETYPE if V's kind is not T's, RT_EINVAL for NULL arguments,
 * RT_ENOMEM.
 */
RT_API int rt_value_format(const rt_type *t, const rt_value *v, rt_buf *out);

/* RT__NOPLT (private to this header): rt_call is on the hot path of every
 * dynamic call, so GCC calls it through the GOT rather than a PLT stub
 * (one indirect jump less per call; the symbol is bound when the program
 * loads instead of at its first call).  Other compilers call it as usual. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__has_attribute)
#if __has_attribute(noplt)
#define RT__NOPLT __attribute__((noplt))
#endif
#endif
#ifndef RT__NOPLT
#define RT__NOPLT
#endif

/* rt_fn: a function pointer with its signature. */
typedef struct rt_fn rt_fn;

/*
 * rt_fn_new: parse SIG_TEXT and pair it with FNPTR (any function pointer,
 * cast to void (*)(void)).  Errors as rt_sig_parse(); RT_EINVAL if FNPTR
 * or OUT is NULL.  Free with rt_fn_free().
 */
RT_API RT_WARN_UNUSED int rt_fn_new(void (*fnptr)(void), const char *sig_text, rt_fn **out);

/*
 * rt_fn_new_sig: pair FNPTR with an already parsed SIG.  The function
 * takes its own reference on SIG (rt_sig_ref): the caller keeps its
 * reference and still frees it with rt_sig_free() when done, so one
 * signature can be shared by many functions.  RT_EINVAL or RT_ENOMEM.
 */
RT_API RT_WARN_UNUSED int rt_fn_new_sig(void (*fnptr)(void), rt_sig *sig, rt_fn **out);

/* rt_fn_free: free FN and drop its reference on the signature.  NULL ok. */
RT_API void rt_fn_free(rt_fn *fn);

/* rt_fn_sig: FN's signature, owned by FN. */
RT_API const rt_sig *rt_fn_sig(const rt_fn *fn);

/* rt_fn_ptr: FN's function pointer. */
RT_API void (*rt_fn_ptr(const rt_fn *fn))(void);

/*
 * rt_call: call FN with NARGS values ARGS and store the result in *RET.
 * The count and each argument's kind must match the signature, else
 * RT_EINVAL with a message like "rt_call (i32, i32) -> i32: argument 2 is
 * f64, expected i32" and nothing is called.  Small integer results are
 * narrowed to their type (sign- or zero-extension done right).  RET gets
 * the return kind (its previous contents are overwritten, not freed); a
 * struct result is copied into storage owned by RET
 * and a str result is the callee's runtime-heap string, now owned by RET:
 * rt_value_clear(RET) frees either.  (A str result that is not a live
 * runtime-heap block, from a function breaking that rule, is returned
 * without RT_VALUE_OWNED and never freed.)  The str members of a struct
 * result are owned by RET in the same way and freed by rt_value_clear
 * (never rt_free V.AGG of such a result yourself).  RET may be NULL to
 * discard the result (a returned string or struct storage is then freed).
 * A call never allocates except for struct results.  RT_ENOMEM if struct
 * storage cannot be allocated (the function is then not called).
 * rt_call clears the thread's error on entry; if the called function sets
 * one (rt_set_error), rt_call returns that code, with the result stored in
 * *RET all the same.  On any other failure *RET is left untouched.
 */
RT_API RT_WARN_UNUSED RT__NOPLT int rt_call(const rt_fn *fn, const rt_value *args,
                                           size_t nargs, rt_value *ret);

/*
 * rt_closure_handler: the code behind a closure.  ARGS are the C arguments
 * as values (struct values point into the caller's argument area and str
 * values at the caller's strings; they are valid only during the call).
 * RET arrives with the return kind set and zeroed; for a struct return
 * RET->V.AGG already points to zeroed storage of the struct's size to fill
 * in (or the handler may point it at its own memory; if that is marked
 * RT_VALUE_OWNED it is copied and freed).  A str return is handed to the C
 * caller as is, so it should be a runtime-heap string the caller frees.
 * Return 0, or a negative RT_E... code: the C caller then gets a zero
 * result and the error stays as the calling thread's last error.
 */
typedef int (*rt_closure_handler)(const rt_sig *sig, const rt_value *args,
                                  size_t nargs, rt_value *ret,
                                  void *userdata);

/* rt_closure: an executable C function pointer that calls a handler. */
typedef struct rt_closure rt_closure;

/*
 * rt_closure_new: make a C function with signature SIG that calls
 * HANDLER(SIG, args, nargs, &ret, USERDATA) each time it is called.  The
 * closure takes its own reference on SIG.  *FNPTR receives the function
 * pointer: cast it to the matching C function type.  It stays valid until
 * rt_closure_free().  Errors: RT_EINVAL (NULL SIG, HANDLER, OUT or FNPTR),
 * RT_ENOMEM, RT_ENOTSUP if libffi cannot make closures here.
 */
RT_API RT_WARN_UNUSED int rt_closure_new(const rt_sig *sig, rt_closure_handler handler,
                          void *userdata, rt_closure **out,
                          void (**fnptr)(void));

/* rt_closure_free: free CLOSURE; its function pointer must not be called
 * any more.  NULL is ignored. */
RT_API void rt_closure_free(rt_closure *closure);

RT_END_DECLS

#endif /* RUNTIME_CALL_H */
