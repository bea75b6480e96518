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
  bool isolate;      /* --isolate: each call in a child process */
  bool verbose;      /* -v or RT_DEBUG=search: trace the plugin search */
  bool names;        /* list --names: names only, for completion */
  double timeout;    /* --timeout S for children; 0: no limit */
  int capture_fd;    /* --json: the file a call's output goes to, or -1 */
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

/* The default --timeout, in seconds (check and --isolate). */
#define RTHOST_DEFAULT_TIMEOUT 5.0

/* output.c.  rthost_error prints "rthost: WHAT: WHY" as one line on
 * rt_stderr().  The print functions write to rt_stdout(); a write error
 * stays in the stream (it is sticky) and is reported by rthost_flush() at
 * exit, or seen by rthost_output_failed(). */
void rthost_error(const char *what, const char *fmt, ...) RT_PRINTF(2, 3);
/* rthost_error_rt: rthost_error(WHAT, "%s", rt_last_error()), and the
 * library's code (rt_last_error_code()) remembered for the JSON error
 * document.  Returns the exit status the code stands for: RTHOST_EFAIL
 * for RT_ENOMEM, and for a loading stage (STATUS RTHOST_ELOAD) that ran
 * out of a system resource (rthost_is_sysfail), else STATUS. */
int rthost_error_rt(const char *what, int status);
/* rthost_error_rt_hint: the same with HINT (may be NULL) appended. */
int rthost_error_rt_hint(const char *what, int status, const char *hint);
/* rthost_oom: "rthost: WHAT: out of memory ..." ("rthost: out of memory
 * ..." for WHAT NULL) written with write(2) alone, for when the heap
 * cannot give even the room for the message. */
void rthost_oom(const char *what);
/* rthost_is_sysfail: true if library code RC (with the last error's
 * text) means the process ran out of file descriptors or processes (the
 * loader's open, dlopen, or the pipe and fork of a child process): a
 * system failure (exit 1), not a refusal of the plugin. */
bool rthost_is_sysfail(int rc);
/* rthost_is_oom: true if library code RC (with the last error's text)
 * means memory ran out, including the loader failing to map a file. */
bool rthost_is_oom(int rc);
/* rthost_esc: S with control characters escaped (\n, \t, \xNN) for
 * text output; the copy lives until the 8th next call. */
const char *rthost_esc(const char *s);

/* One command's report (output.c).  rthost_cmd_begin before a command;
 * rthost_cmd_end after it prints, with --json, the error document if the
 * command printed none, and flushes stdout.  rthost_json_emitted counts a
 * document the command printed; rthost_set_json turns --json on. */
void rthost_set_json(bool on);
void rthost_cmd_begin(void);
int rthost_cmd_end(int status);
void rthost_json_emitted(void);
bool rthost_cmd_has_doc(void);
/* rthost_json_error_doc: the error document for the current command's
 * first error, with OUTPUT (captured plugin output, may be NULL). */
int rthost_json_error_doc(int status, const char *output, size_t n);
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
int rthost_cmd_help(rthost *h, char **args, size_t nargs);
/* rthost_usage: the usage text of rthost, for --help and help. */
void rthost_usage(rt_stream *s);

/* suggest.c: append "; did you mean 'X'?" to OUT for the word of CANDS
 * (N of them) nearest to WORD, if one is near enough. */
void rthost_did_you_mean(const char *word, const char *const *cands, size_t n,
                         rt_buf *out);
/* rthost_plugin_names: the plugin names on the search path (from the
 * manifests), NUL-separated in OUT; with FUNCTIONS also every
 * PLUGIN.FUNCTION. */
int rthost_plugin_names(const rthost *h, bool functions, rt_buf *out);

/* isolate.c: run FN(H, CTX, MSG) in a child process (fork) and return
 * the status it returned; what it appended to MSG is appended to the
 * parent's MSG.  The child's stdout is flushed before it ends, also when
 * it dies by a signal.  A child that dies in plugin code (a signal, exit()
 * called by the plugin, or still running after h->timeout seconds, then
 * killed) gives RTHOST_CHILD_DIED and WHY says what happened ("crashed
 * (SIGSEGV)", "timed out after 2 s", "called exit(7)");
 * RTHOST_CHILD_SYSFAIL if no child could be started (the last error says
 * why). */
#define RTHOST_CHILD_DIED (-1)
#define RTHOST_CHILD_SYSFAIL (-2)
typedef int (*rthost_child_fn)(rthost *h, void *ctx, rt_buf *msg);
int rthost_in_child(rthost *h, rthost_child_fn fn, void *ctx, rt_buf *msg,
                    rt_buf *why);
/* With --json a call's output is captured: fd 1 goes to an anonymous file
 * (h->capture_fd, made once, inherited by children) from
 * rthost_capture_begin to rthost_capture_end, which appends what was
 * written there to OUT.  rthost_capture_read reads it after a child died.
 * 0 or a negative code with the last error set. */
int rthost_capture_fd(rthost *h);
int rthost_capture_begin(rthost *h, int *saved);
int rthost_capture_end(rthost *h, int saved, rt_buf *out);
int rthost_capture_read(rthost *h, rt_buf *out);

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
/* rthost_trace_search: with -v, one line on stderr per candidate file for
 * PLUGIN, saying why it answers or not. */
void rthost_trace_search(const rthost *h, const char *plugin);
/* rthost_load_error: report that PLUGIN could not be loaded (the last
 * error), with a did-you-mean from the plugin names; the exit status. */
int rthost_load_error(const rthost *h, const char *plugin);

/* call.c: call FUNCTION of PLUGIN with the argument texts ARGS, print the
 * result.  Used by `call` and by the shell. */
int rthost_call(rthost *h, const char *plugin, const char *function,
                char **args, size_t nargs);
/* rthost_split_dotted: WORD of the form PLUGIN.FUNCTION cut at its dot
 * (a NUL written there); the FUNCTION part, or NULL (WORD untouched) if it
 * has no such dot or ends in .so. */
char *rthost_split_dotted(char *word);

/* callbacks.c: the built-in callback @NAME as a function pointer in
 * *FNPTR (a closure made on first use).  RT_ENOTFOUND for an unknown
 * name, or the error of making the closure. */
int rthost_callback(rthost *h, const char *name, void **fnptr);
void rthost_callbacks_free(rthost *h);

/* stats.c: heap, plugin and IO statistics, written to S; with --json as
 * one document on stdout. */
void rthost_print_stats(const rthost *h, rt_stream *s);
int rthost_stats_json(const rthost *h);

/* cmd_shell.c: the shell's command names, NULL-terminated. */
extern const char *const rthost_shell_commands[];

/* lineedit.c: the shell's line reader (see there).  read gives 0, RT_EOF
 * or an error code; LINE holds the line without its newline. */
typedef struct rthost_lineedit rthost_lineedit;
rthost_lineedit *rthost_lineedit_open(rthost *h);
int rthost_lineedit_read(rthost_lineedit *ed, rt_buf *line);
void rthost_lineedit_close(rthost_lineedit *ed);

/* JSON documents (cmd_list.c, output.c); the writer is in json.h. */
struct rthost_json;
void rthost_json_plugin(struct rthost_json *j, const char *path, int status,
                        const char *reason, const rt_manifest *m);
/* rthost_emit_json: finish the document J writing into DOC, print it as
 * one line and free DOC.  RTHOST_OK, or RTHOST_EFAIL after an error line. */
int rthost_emit_json(struct rthost_json *j, rt_buf *doc);

#endif /* RTHOST_H */
