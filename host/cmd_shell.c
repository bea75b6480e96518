/*
 * cmd_shell.c — `rthost shell`: commands from stdin, one per line, so that
 * one process makes many calls.  Works the same for a script on a pipe as
 * at a terminal; only a terminal gets a prompt.
 *
 *   load PLUGIN...                 load now (call loads on first use)
 *   call PLUGIN.FUNCTION [ARG...]  as `rthost call PLUGIN FUNCTION ARG...`
 *   list [DIR...] | info PLUGIN | check FILE...   as the commands
 *   stats                          heap and IO statistics, on stdout
 *   help                           this list
 *   quit | exit                    stop (as end of input does)
 *
 * Blank lines and lines starting with # are skipped.  A failing command
 * prints its error line on stderr and the shell goes on; the exit status
 * is 0 only if every command succeeded, else the worst status seen.
 */
#include "rthost.h"
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
    "Words are separated by blanks; \"double quotes\" group, \\\" escapes.\n";

static int shell_load(rthost *h, char **args, size_t nargs)
{
  if (nargs == 0) {
    rthost_error("load", "expected one or more PLUGINs");
    return RTHOST_EUSAGE;
  }
  int status = RTHOST_OK;
  for (size_t i = 0; i < nargs; i++) {
    rt_module *mod;
    int rc = rthost_plugin_get(h, args[i], &mod);
    if (rc == RTHOST_OK)
      rthost_print("loaded %s %s from %s\n", rt_module_name(mod),
                   rt_module_version(mod), rt_module_path(mod));
    status = rthost_max(status, rc);
  }
  return status;
}

/* call PLUGIN.FUNCTION: the function is after the last dot, so a plugin
 * given as a path (./lib/x.so.add) works too. */
static int shell_call(rthost *h, char **args, size_t nargs)
{
  const char *dot = nargs > 0 ? strrchr(args[0], '.') : NULL;
  if (dot == NULL || dot == args[0] || dot[1] == '\0') {
    rthost_error("call", "expected PLUGIN.FUNCTION [ARG...], e.g. "
                         "call mathx.add 2 3");
    return RTHOST_EUSAGE;
  }
  args[0][dot - args[0]] = '\0';
  return rthost_call(h, args[0], dot + 1, args + 1, nargs - 1);
}

static int shell_stats(rthost *h, char **args, size_t nargs)
{
  rthost_print_stats(h, rt_stdout());
  return RTHOST_OK;
}

static int shell_help_cmd(rthost *h, char **args, size_t nargs)
{
  rthost_write(shell_help, sizeof shell_help - 1);
  return RTHOST_OK;
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
  if (argc == 0 || argv[0][0] == '#')
    return RTHOST_OK;
  if (strcmp(argv[0], "quit") == 0 || strcmp(argv[0], "exit") == 0)
    return -1;
  for (size_t i = 0; i < sizeof shell_commands / sizeof *shell_commands; i++)
    if (strcmp(argv[0], shell_commands[i].name) == 0)
      return shell_commands[i].run(h, argv + 1, argc - 1);
  rthost_error(argv[0], "unknown shell command; the commands are load, "
                        "call, list, info, check, stats, help and quit");
  return RTHOST_EUSAGE;
}

/* Run one line.  Returns its exit status, or -1 for quit. */
static int run_line(rthost *h, const char *line)
{
  char **argv;
  size_t argc;
  rt_buf why = RT_BUF_INIT;
  if (rthost_split_line(line, &argv, &argc, &why) != 0) {
    int rc = rt_last_error_code();
    rthost_error("shell", "%s",
                 rc == RT_ENOMEM ? rt_strerror(rc) : rt_buf_cstr(&why));
    rt_buf_free(&why);
    return rc == RT_ENOMEM ? RTHOST_EFAIL : RTHOST_EUSAGE;
  }
  int status = dispatch(h, argv, argc);
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
  bool tty = rthost_interactive();
  rt_buf line = RT_BUF_INIT;
  int status = RTHOST_OK;
  for (;;) {
    if (tty)
      rthost_print("rthost> ");
    int rc = rthost_read_line(&line);
    if (rc == RT_EOF)
      break;
    if (rc != 0) {
      rthost_error("stdin", "%s", rt_last_error());
      status = rthost_max(status, RTHOST_EFAIL);
      break;
    }
    rc = run_line(h, rt_buf_cstr(&line));
    if (rc < 0 || rthost_output_failed())
      break;
    status = rthost_max(status, rc);
  }
  rt_buf_free(&line);
  return status;
}
