/*
 * internal.h — helpers shared between libruntime's own source files.
 * Never installed.  Names here use the rt__ prefix and are hidden.
 */
#ifndef RT_INTERNAL_H
#define RT_INTERNAL_H

#include "config.h"
#include "runtime.h"

#include <pthread.h>
#include <stdint.h>

#define RT_LIKELY(x) __builtin_expect(!!(x), 1)
#define RT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define RT_HIDDEN __attribute__((visibility("hidden")))
#define RT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Record CODE and a detail message as the thread's last error; returns CODE. */
RT_HIDDEN int rt__error(int code, const char *fmt, ...) RT_PRINTF(2, 3);

/* rt__error for a failed system call: the code is -ERR and ": <strerror>"
 * is appended to the message.  Returns the code. */
RT_HIDDEN int rt__syserror(int err, const char *fmt, ...) RT_PRINTF(2, 3);

/* Prepend "PREFIX: " to the thread's last error message, keeping its code.
 * Returns the code.  Used to add context as an error travels upwards. */
RT_HIDDEN int rt__error_context(const char *fmt, ...) RT_PRINTF(1, 2);

/* A number unique to the calling thread among live threads: its thread
 * pointer (the address of its own control block), one instruction on
 * x86_64 and aarch64, where pthread_self() is a call through the PLT.
 * Elsewhere pthread_self(). */
#if defined(__has_builtin)
#if __has_builtin(__builtin_thread_pointer) &&                                \
    (defined(__x86_64__) || defined(__aarch64__))
#define RT_HAVE_THREAD_POINTER 1
#endif
#endif
static inline uintptr_t rt__thread_self(void)
{
#ifdef RT_HAVE_THREAD_POINTER
  return (uintptr_t)__builtin_thread_pointer();
#else
  return (uintptr_t)pthread_self();
#endif
}

#endif /* RT_INTERNAL_H */
