/*
 * runtime/defs.h — attributes shared by every public header of libruntime.
 *
 * Not meant to be included directly: include <runtime.h>.
 */
#ifndef RUNTIME_DEFS_H
#define RUNTIME_DEFS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
#define RT_BEGIN_DECLS extern "C" {
#define RT_END_DECLS }
#else
#define RT_BEGIN_DECLS
#define RT_END_DECLS
#endif

/* RT_API marks a symbol that libruntime.so.1 exports.  The library is built
 * with -fvisibility=hidden, so anything without RT_API stays private. */
/*
 * Attributes on the public prototypes, as mimalloc's header puts them:
 *   RT_WARN_UNUSED  a status or result that must be looked at: functions
 *                   that create or find something (an object through an
 *                   out-parameter, an allocation) or whose failure leaves
 *                   nothing usable.  Output, flush and close functions,
 *                   whose errors streams also keep, do not carry it.
 *   RT_MALLOC       returns fresh memory that aliases nothing (never on
 *                   rt_realloc, whose result may be its argument)
 *   RT_ALLOC_SIZE(n), RT_ALLOC_SIZE2(n, m)  the size is argument n (n*m)
 *   RT_ALLOC_ALIGN(n)  the alignment is argument n
 */
#if defined(__GNUC__) || defined(__clang__)
#define RT_API __attribute__((visibility("default")))
#define RT_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define RT_WARN_UNUSED __attribute__((warn_unused_result))
#define RT_MALLOC __attribute__((malloc))
#define RT_ALLOC_SIZE(n) __attribute__((alloc_size(n)))
#define RT_ALLOC_SIZE2(n, m) __attribute__((alloc_size(n, m)))
#define RT_NORETURN __attribute__((noreturn))
#else
#define RT_API
#define RT_PRINTF(fmt, args)
#define RT_WARN_UNUSED
#define RT_MALLOC
#define RT_ALLOC_SIZE(n)
#define RT_ALLOC_SIZE2(n, m)
#define RT_NORETURN
#endif
#if defined(__has_attribute)
#if __has_attribute(alloc_align)
#define RT_ALLOC_ALIGN(n) __attribute__((alloc_align(n)))
#endif
#endif
#ifndef RT_ALLOC_ALIGN
#define RT_ALLOC_ALIGN(n)
#endif

#endif /* RUNTIME_DEFS_H */
