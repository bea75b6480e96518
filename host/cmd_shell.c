/*
 * cmd_shell.c — `rthost shell`: commands from stdin, one per line, so that
 * one process makes many calls.  Works the same for a script on a pipe as
 * at a terminal; only a terminal gets a prompt, line editing, history and
 * completion (lineedit.c).
 *
 *   load PLUGIN...                 load now (call loads on first use)
 *   call PLUGIN.FUNCTION [ARG...]  as `rthost call PLUGIN FUNCTION ARG...`
 *   list [DIR...] | info PLUGIN | check FILE...   as the commands
 *   stats                          heap and IO statistics, on stdout
 *   help                           this list
 *   quit | exit                    stop (as end of input does)
 *
 * Blank lines and lines starting with # are skipped.  Each command's
 * output and error line are written out before the next line is read, so
 * a program can drive the shell as a co-process, one line at a time.  A
 * failing command prints its error line on stderr and the shell goes on;
 * the exit status is 0 only if every command succeeded, else the worst
 * status seen.
 */
#include "rthost.h"
#include "json.h"
#include "shellwords.h"

#include <string.h>

static const char shell_help[] =
    "commands:\n"
    "  load PLUGIN...                 load plugins now\n"
    "  call PLUGIN.FUNCTION [ARG...]  call a function (loads on first use)\n"
    "  list [DIR...]                  plugins on the search path\n"
    "  info PLUGIN                    one plugin in detail\n"
    "  check FILE...                  validate plugin files\n"
    "  stats                          heap and IO statistics\n"
    "  help                           this text\n"
    "  quit                           leave (end of input does too)\n"
    "Words are separated by blanks and quoted as in sh: 'single quotes',\n"
    "\"double quotes\" (\\\" and \\\\ inside), a backslash escapes outside.\n";

const char *const rthost_shell_commands[] = {
    "call", "load", "list", "info", "check", "stats", "help", "quit", NULL};

static void json_loaded(rthost_json *j, rt_module *mod)
{
  rthost_json_object(j);
  rthost_json_key(j, "name");
  rthost_json_string(j, rt_module_name(mod));
  rthost_json_key(j, "version");
  rthost_json_string(j, rt_module_version(mod));
  rthost_json_key(j, "path");
  rthost_json_string(j, rt_module_path(mod));
  rthost_json_end_object(j);
}

static int load_here(rthost *h, char **args, size_t nargs)
{
  rt_buf doc = RT_BUF_INIT;
  rthost_json j;
  rthost_json_document(&j, &doc);
  rthost_json_key(&j, "loaded");
  rthost_json_array(&j);
  int status = RTHOST_OK;
  for (size_t i = 0; i < nargs; i++) {
    rt_module *mod;
    int rc = rthost_plugin_get(h, args[i], &mod);
    if (rc == RTHOST_OK && h->json)
      json_loaded(&j, mod);
    else if (rc == RTHOST_OK)
      rthost_print("loaded %s %s from %s\n", rthost_esc(rt_module_name(mod)),
                   rthost_esc(rt_module_version(mod)),
                   rthost_esc(rt_module_path(mod)));
    status = rthost_max(status, rc);
  }
  rthost_json_end_array(&j);
  rthost_json_end_object(&j);
  /* With --json a failed load is reported by the error document. */
  if (h->json && status == RTHOST_OK)
    status = rthost_emit_json(&j, &doc);
  rt_buf_free(&doc);
  return status;
}

struct load_args {
  char **args;
  size_t nargs;
};

static int load_in_child(rthost *h, void *ctx, rt_buf *msg)
{
  struct load_args *a = ctx;
  return load_here(h, a->args, a->nargs);
}

/* load under --isolate: the plugins are loaded (init hooks and all) in a
 * child, which shows they can be; the shell process loads nothing. */
static int load_isolated(rthost *h, char **args, size_t nargs)
{
  struct load_args a = {args, nargs};
  rt_buf msg = RT_BUF_INIT, why = RT_BUF_INIT;
  int status = rthost_in_child(h, load_in_child, &a, &msg, &why);
  if (status == RTHOST_CHILD_SYSFAIL) {
    status = rthost_error_rt("load", RTHOST_EFAIL);
  } else if (status == RTHOST_CHILD_DIED) {
    rthost_error(args[0], "%s while loading", rt_buf_cstr(&why));
    status = RTHOST_ELOAD;
  }
  rt_buf_free(&msg);
  rt_buf_free(&why);
  return status;
}

static int shell_load(rthost *h, char **args, size_t nargs)
{
  if (nargs == 0) {
    rthost_error("load", "expected one or more PLUGINs");
    return RTHOST_EUSAGE;
  }
  return h->isolate ? load_isolated(h, args, nargs)
                    : load_here(h, args, nargs);
}

static int shell_call(rthost *h, char **args, size_t nargs)
{
  char *function = nargs > 0 ? rthost_split_dotted(args[0]) : NULL;
  if (function == NULL) {
    rthost_error("call", "expected PLUGIN.FUNCTION [ARG...], e.g. "
                         "call mathx.add 2 3");
    return RTHOST_EUSAGE;
  }
  return rthost_call(h, args[0], function, args + 1, nargs - 1);
}

static int shell_stats(rthost *h, char **args, size_t nargs)
{
  if (h->json)
    return rthost_stats_json(h);
  rthost_print_stats(h, rt_stdout());
  return RTHOST_OK;
}

static int shell_help_cmd(rthost *h, char **args, size_t nargs)
{
  if (!h->json) {
    rthost_write(shell_help, sizeof shell_help - 1);
    return RTHOST_OK;
  }
  rt_buf doc = RT_BUF_INIT;
  rthost_json j;
  rthost_json_document(&j, &doc);
  rthost_json_key(&j, "commands");
  rthost_json_array(&j);
  for (size_t i = 0; rthost_shell_commands[i] != NULL; i++)
    rthost_json_string(&j, rthost_shell_commands[i]);
  rthost_json_end_array(&j);
  rthost_json_key(&j, "help");
  rthost_json_string(&j, shell_help);
  rthost_json_end_object(&j);
  return rthost_emit_json(&j, &doc);
}

static const struct shell_command {
  const char *name;
  int (*run)(rthost *h, char **args, size_t nargs);
} shell_commands[] = {
    {"call", shell_call},        {"load", shell_load},
    {"list", rthost_cmd_list},   {"info", rthost_cmd_info},
    {"check", rthost_cmd_check}, {"stats", shell_stats},
    {"help", shell_help_cmd},
};

static int dispatch(rthost *h, char **argv, size_t argc)
{
  if (strcmp(argv[0], "quit") == 0 || strcmp(argv[0], "exit") == 0)
    return -1;
  for (size_t i = 0; i < sizeof shell_commands / sizeof *shell_commands; i++)
    if (strcmp(argv[0], shell_commands[i].name) == 0)
      return shell_commands[i].run(h, argv + 1, argc - 1);
  rt_buf hint = RT_BUF_INIT;
  size_t n = sizeof shell_commands / sizeof *shell_commands;
  rthost_did_you_mean(argv[0], rthost_shell_commands, n + 1, &hint);
  rthost_error(argv[0],
               "unknown shell command; the commands are load, call, "
               "list, info, check, stats, help and quit%s",
               rt_buf_cstr(&hint));
  rt_buf_free(&hint);
  return RTHOST_EUSAGE;
}

/* The words of line NO, or a status: the line is blank or a comment
 * (RTHOST_OK with *ARGC 0), or cannot be split. */
static int split(const rt_buf *line, unsigned long no, char ***argv,
                 size_t *argc)
{
  rt_buf why = RT_BUF_INIT;
  int rc = rthost_check_line(line->data ? line->data : "", line->len, &why);
  if (rc == 0)
    rc = rthost_split_line(rt_buf_cstr(line), argv, argc, &why);
  if (rc == RT_ENOMEM) {
    rthost_oom("shell");
    return RTHOST_EFAIL;
  }
  if (rc != 0) {
    rt_buf what = RT_BUF_INIT;
    (void)rt_buf_printf(&what, "shell: line %lu", no);
    rthost_error(rt_buf_cstr(&what), "%s", rt_buf_cstr(&why));
    rt_buf_free(&what);
  }
  rt_buf_free(&why);
  if (rc == 0 && *argc > 0 && (*argv)[0][0] == '#')
    *argc = 0;
  return rc == 0 ? RTHOST_OK : RTHOST_EUSAGE;
}

/* Run line NO.  Returns its exit status, or -1 for quit. */
static int run_line(rthost *h, const rt_buf *line, unsigned long no)
{
  char **argv = NULL;
  size_t argc = 0;
  rthost_cmd_begin();
  int status = split(line, no, &argv, &argc);
  if (status == RTHOST_OK && argc > 0)
    status = dispatch(h, argv, argc);
  if (status >= 0)
    status = rthost_cmd_end(status);
  rt_free(argv);
  return status;
}

int rthost_cmd_shell(rthost *h, char **args, size_t nargs)
{
  if (nargs != 0) {
    rthost_error("shell", "takes no arguments; it reads commands from stdin "
                          "(type help there)");
    return RTHOST_EUSAGE;
  }
  rthost_lineedit *ed = rthost_lineedit_open(h);
  rt_buf line = RT_BUF_INIT;
  int status = RTHOST_OK;
  /* The shell's own command has printed nothing: each line below is a
   * command of its own. */
  for (unsigned long no = 1;; no++) {
    (void)rt_flush(rt_stdout());
    int rc = rthost_lineedit_read(ed, &line);
    if (rc == RT_EOF)
      break;
    if (rc != 0) {
      status = rthost_max(status, rthost_error_rt("stdin", RTHOST_EFAIL));
      break;
    }
    rc = run_line(h, &line, no);
    if (rc < 0 || rthost_output_failed())
      break;
    status = rthost_max(status, rc);
  }
  rthost_lineedit_close(ed);
  rt_buf_free(&line);
  /* Every command has had its own document; none for the shell itself. */
  rthost_cmd_begin();
  rthost_json_emitted();
  return status;
}
