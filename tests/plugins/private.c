/* private.c — a test plugin that carries its own copy of libruntime
 * (linked with libruntime's sources, every rt_ symbol local): the thing
 * the same-runtime check exists to refuse. */
#include <runtime.h>

static void *grab(size_t n) { return rt_alloc(n); }

static void drop(void *p) { rt_free(p); }

static bool owns(const void *p) { return rt_heap_owns(p); }

static int32_t say(const char *s) { return rt_puts(rt_stdout(), s); }

static int32_t flush(void) { return rt_flush(rt_stdout()); }

RT_PLUGIN("private", "1.0", "Carries a private libruntime",
          RT_EXPORT(grab, "(size) -> ptr", "rt_alloc from its own heap"),
          RT_EXPORT(drop, "(ptr) -> void", "rt_free to its own heap"),
          RT_EXPORT(owns, "(ptr) -> bool", "rt_heap_owns of its own heap"),
          RT_EXPORT(say, "(str) -> i32", "write to its own rt_stdout"),
          RT_EXPORT(flush, "() -> i32", "flush its own rt_stdout"));
