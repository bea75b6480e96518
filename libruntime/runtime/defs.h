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
#if defined(__GNUC__) || defined(__clang__)
#define RT_API __attribute__((visibility("default")))
#define RT_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define RT_WARN_UNUSED __attribute__((warn_unused_result))
#define RT_MALLOC __attribute__((malloc))
#define RT_NORETURN __attribute__((noreturn))
#else
#define RT_API
#define RT_PRINTF(fmt, args)
#define RT_WARN_UNUSED
#define RT_MALLOC
#define RT_NORETURN
#endif

#endif /* RUNTIME_DEFS_H */
