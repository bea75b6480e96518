/*
 * rthost.h — what the files of rthost share.  Not installed.
 *
 * rthost loads libruntime plugins and calls their functions.  Everything it
 * prints goes through libruntime's process-wide streams (rt_stdout(),
 * rt_stderr()), the same objects the plugins write to, so host and plugin
 * output interleave in call order.  Every command returns an exit status
 * (enum rthost_exit); errors are printed where they happen, one line each,
 * by rthost_error().
 */
#ifndef RTHOST_H
#define RTHOST_H

#include <runtime.h>

/* Exit statuses, fixed by the command-line contract. */
enum rthost_exit {
  RTHOST_OK = 0,
  RTHOST_EFAIL = 1,  /* output could not be written, out of memory */
  RTHOST_EUSAGE = 2, /* usage, argument count, argument text */
  RTHOST_ELOAD = 3,  /* plugin not found or refused */
  RTHOST_ECALL = 4,  /* function not found, or the call failed */
};

/* The number of built-in callbacks (callbacks.c). */
#define RTHOST_NCALLBACKS 3

/* A plugin rthost has loaded (plugin.c). */
typedef struct rthost_plugin rthost_plugin;

/* The state of one rthost process. */
typedef struct rthost {
  bool json;         /* --json: machine-readable output */
  bool stats;        /* --stats: heap and IO statistics at exit */
  const char **dirs; /* --plugin-path directories, in order */
  size_t ndirs;
  rthost_plugin *plugins; /* loaded so far, most recent first */
  /* Built-in callbacks, made on first use. */
  rt_sig *callback_sig;
  rt_closure *closures[RTHOST_NCALLBACKS];
  void (*closure_fns[RTHOST_NCALLBACKS])(void);
  /* Figures for --stats. */
  uint64_t calls;             /* plugin functions called */
  uint64_t call_allocs;       /* heap allocations made during the calls */
  uint64_t plugin_strs;       /* strings returned by plugins, freed here */
  uint64_t plugin_strs_owned; /* of those, blocks rt_heap_owns() knew */
} rthost;

/* rthost_max: the worse of two exit statuses (the larger). */
static inline int rthost_max(int a, int b)
{
  return a > b ? a : b;
}

/* output.c.  rthost_error prints "rthost: WHAT: WHY" as one line on
 * rt_stderr().  The print functions write to rt_stdout(); a write error
 * stays in the stream (it is sticky) and is reported by rthost_flush() at
 * exit, or seen by rthost_output_failed(). */
void rthost_error(const char *what, const char *fmt, ...) RT_PRINTF(2, 3);
void rthost_print(const char *fmt, ...) RT_PRINTF(1, 2);
void rthost_write(const char *s, size_t n);
bool rthost_output_failed(void);
int rthost_flush(void);
int rthost_read_line(rt_buf *line);
bool rthost_interactive(void);

/* The commands: each takes the words after its name, returns a status. */
int rthost_cmd_list(rthost *h, char **args, size_t nargs);
int rthost_cmd_info(rthost *h, char **args, size_t nargs);
int rthost_cmd_check(rthost *h, char **args, size_t nargs);
int rthost_cmd_call(rthost *h, char **args, size_t nargs);
int rthost_cmd_shell(rthost *h, char **args, size_t nargs);

/* plugin.c.  rthost_plugin_get: PLUGIN (a name or a path) loaded, from
 * this process's list or by rt_module_load(); the module stays owned by
 * the list until rthost_unload_all().  Prints the error and returns
 * RTHOST_ELOAD if it cannot be loaded. */
int rthost_plugin_get(rthost *h, const char *plugin, rt_module **out);
void rthost_unload_all(rthost *h);
/* rthost_search_dirs: the directories rt_module_load() searches, in order,
 * appended to DIRS as NUL-terminated strings.  0 or RT_ENOMEM. */
int rthost_search_dirs(const rthost *h, rt_buf *dirs);
/* rthost_is_path: PLUGIN names a file (has a '/' or ends in .so). */
bool rthost_is_path(const char *plugin);

/* call.c: call FUNCTION of PLUGIN with the argument texts ARGS, print the
 * result.  Used by `call` and by the shell. */
int rthost_call(rthost *h, const char *plugin, const char *function,
                char **args, size_t nargs);

/* callbacks.c: the built-in callback @NAME as a function pointer in
 * *FNPTR (a closure made on first use).  RT_ENOTFOUND for an unknown
 * name, or the error of making the closure. */
int rthost_callback(rthost *h, const char *name, void **fnptr);
void rthost_callbacks_free(rthost *h);

/* stats.c: heap, plugin and IO statistics, written to S. */
void rthost_print_stats(const rthost *h, rt_stream *s);

/* JSON documents (cmd_list.c, output.c); the writer is in json.h. */
struct rthost_json;
void rthost_json_plugin(struct rthost_json *j, const char *path, int status,
                        const char *reason, const rt_manifest *m);
/* rthost_emit_json: finish the document J writing into DOC, print it as
 * one line and free DOC.  RTHOST_OK, or RTHOST_EFAIL after an error line. */
int rthost_emit_json(struct rthost_json *j, rt_buf *doc);

#endif /* RTHOST_H */
