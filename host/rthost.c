/* rthost — the command-line host of libruntime: option parsing, dispatch. */
#include "rthost.h"
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: rthost [OPTION...] COMMAND [ARG...]\n"
    "\n"
    "Load libruntime plugins and call their functions.  The host and every\n"
    "plugin share one libruntime.so: one heap, one IO layer, one DNS cache.\n"
    "\n"
    "commands:\n"
    "  list [--names] [DIR...]         plugins on the search path (or in DIR),\n"
    "                                  read from their manifests, not loaded\n"
    "  info PLUGIN                     one plugin in detail, not loaded\n"
    "  check FILE...                   validate plugins as the loader would,\n"
    "                                  each in a child process\n"
    "  call PLUGIN FUNCTION [ARG...]   load PLUGIN, call FUNCTION, print the\n"
    "  call PLUGIN.FUNCTION [ARG...]   result\n"
    "  shell                           read commands from stdin: load, call\n"
    "                                  PLUGIN.FUNCTION ARG..., list, info,\n"
    "                                  check, stats, help, quit\n"
    "  help                            this text\n"
    "\n"
    "options (before or after the command):\n"
    "  --json              one JSON document per command on stdout\n"
    "  --plugin-path DIR   search DIR for plugins first (repeatable)\n"
    "  --stats             print heap and IO statistics on stderr at exit\n"
    "  --isolate           run each call in a child process (call, shell)\n"
    "  --timeout S         limit for a child process, default 5 s, 0 none\n"
    "  -v, --verbose       trace the plugin search on stderr\n"
    "  -h, --help, -V, --version\n"
    "  --                  the words after it are not options\n"
    "\n"
    "PLUGIN is a name on the search path (x is found as x.so) or a path to a\n"
    ".so file.  Exit status: 0 ok, 1 system failure (out of memory, output\n"
    "that cannot be written), 2 usage or argument error, 3 plugin not found\n"
    "or refused, 4 function not found, call failed, crashed or timed out.\n"
    "See rthost(1).\n";

void rthost_usage(rt_stream *s)
{
  (void)rt_write(s, usage_text, sizeof usage_text - 1);
}

int rthost_cmd_help(rthost *h, char **args, size_t nargs);

typedef int (*command_fn)(rthost *h, char **args, size_t nargs);

static const struct command {
  const char *name;
  command_fn run;
} commands[] = {
    {"list", rthost_cmd_list},   {"info", rthost_cmd_info},
    {"check", rthost_cmd_check}, {"call", rthost_cmd_call},
    {"shell", rthost_cmd_shell}, {"help", rthost_cmd_help},
};

/* What the command line asks for, once options are taken out of it. */
struct cmdline {
  const struct command *command;
  char **args; /* the words after the command, on the runtime heap */
  size_t nargs;
  bool help, version;
};

static const struct command *find_command(const char *name)
{
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    if (strcmp(commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

/* --plugin-path DIR: searched by the loader before RT_PLUGIN_PATH, and
 * remembered for list and info. */
static int add_plugin_dir(rthost *h, const char *dir)
{
  if (*dir == '\0') {
    rthost_error("--plugin-path", "needs a directory");
    return RTHOST_EUSAGE;
  }
  for (size_t i = 0; i < h->ndirs; i++)
    if (strcmp(h->dirs[i], dir) == 0)
      return RTHOST_OK;
  if (rt_module_path_add(dir) != 0)
    return rthost_error_rt(dir, RTHOST_EUSAGE);
  h->dirs[h->ndirs++] = dir;
  return RTHOST_OK;
}

/* --timeout S: seconds, fractions allowed, 0 for no limit. */
static int set_timeout(rthost *h, const char *text)
{
  char *end;
  double s = strtod(text, &end);
  if (end == text || *end != '\0' || !(s >= 0 && s <= 86400)) {
    rthost_error("--timeout",
                 "'%s' is not a number of seconds from 0 (no limit) to "
                 "86400",
                 text);
    return RTHOST_EUSAGE;
  }
  h->timeout = s;
  return RTHOST_OK;
}

/* Take the global option ARGV[*I] (and its value).  Returns -1 if the word
 * is not a global option, else an exit status. */
static int global_option(rthost *h, struct cmdline *cl, int argc, char **argv,
                         int *i)
{
  const char *a = argv[*i];
  if (strcmp(a, "--json") == 0)
    h->json = true;
  else if (strcmp(a, "--stats") == 0)
    h->stats = true;
  else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
    cl->help = true;
  else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0)
    cl->version = true;
  else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0)
    h->verbose = true;
  else if (strcmp(a, "--isolate") == 0)
    h->isolate = true;
  else if (strncmp(a, "--timeout=", 10) == 0)
    return set_timeout(h, a + 10);
  else if (strcmp(a, "--timeout") == 0) {
    if (*i + 1 >= argc) {
      rthost_error("--timeout", "needs a number of seconds, e.g. --timeout 2");
      return RTHOST_EUSAGE;
    }
    return set_timeout(h, argv[++*i]);
  }
  else if (strncmp(a, "--plugin-path=", 14) == 0)
    return add_plugin_dir(h, a + 14);
  else if (strcmp(a, "--plugin-path") != 0)
    return -1;
  else if (*i + 1 >= argc) {
    rthost_error("--plugin-path", "needs a directory");
    return RTHOST_EUSAGE;
  } else
    return add_plugin_dir(h, argv[++*i]);
  return RTHOST_OK;
}

/* A word that looks like an option but is none.  After the command, words
 * starting with one dash are arguments (negative numbers need no --). */
static bool unknown_option(const struct cmdline *cl, const char *a)
{
  if (a[0] != '-' || a[1] == '\0')
    return false;
  if (cl->command != NULL && strcmp(cl->command->name, "list") == 0 &&
      strcmp(a, "--names") == 0)
    return false; /* list's own option */
  return a[1] == '-' || cl->command == NULL;
}

static int positional(struct cmdline *cl, char *word)
{
  if (cl->command != NULL) {
    cl->args[cl->nargs++] = word;
    return RTHOST_OK;
  }
  cl->command = find_command(word);
  if (cl->command != NULL)
    return RTHOST_OK;
  const char *names[sizeof commands / sizeof *commands];
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    names[i] = commands[i].name;
  rt_buf hint = RT_BUF_INIT;
  rthost_did_you_mean(word, names, sizeof commands / sizeof *commands, &hint);
  rthost_error(word,
               "unknown command; the commands are list, info, check, "
               "call, shell and help (see rthost --help)%s",
               rt_buf_cstr(&hint));
  rt_buf_free(&hint);
  return RTHOST_EUSAGE;
}

static int parse_cmdline(rthost *h, int argc, char **argv, struct cmdline *cl)
{
  cl->args = rt_calloc((size_t)argc, sizeof *cl->args);
  h->dirs = rt_calloc((size_t)argc, sizeof *h->dirs);
  if (cl->args == NULL || h->dirs == NULL) {
    rthost_oom(NULL);
    return RTHOST_EFAIL;
  }
  bool options = true;
  for (int i = 1; i < argc; i++) {
    int rc = options ? global_option(h, cl, argc, argv, &i) : -1;
    if (rc > 0)
      return rc;
    if (rc == 0)
      continue;
    if (options && strcmp(argv[i], "--") == 0) {
      options = false;
    } else if (options && unknown_option(cl, argv[i])) {
      rthost_error(argv[i], "unknown option (see rthost --help)");
      return RTHOST_EUSAGE;
    } else if ((rc = positional(cl, argv[i])) != 0) {
      return rc;
    }
  }
  return RTHOST_OK;
}

static int print_version(const rthost *h)
{
  unsigned abi = rt_abi_version();
  if (!h->json) {
    rthost_print("rthost (libruntime) %s, plugin ABI %u.%u\n",
                 rt_version_string(), abi >> 16, abi & 0xffff);
    return RTHOST_OK;
  }
  char text[24];
  snprintf(text, sizeof text, "%u.%u", abi >> 16, abi & 0xffff);
  rt_buf doc = RT_BUF_INIT;
  rthost_json j;
  rthost_json_document(&j, &doc);
  rthost_json_key(&j, "version");
  rthost_json_string(&j, rt_version_string());
  rthost_json_key(&j, "abi");
  rthost_json_string(&j, text);
  rthost_json_end_object(&j);
  return rthost_emit_json(&j, &doc);
}

/* help: the usage text, or with --json the commands and options. */
int rthost_cmd_help(rthost *h, char **args, size_t nargs)
{
  if (!h->json) {
    rthost_usage(rt_stdout());
    return RTHOST_OK;
  }
  static const char *const opts[] = {
      "--json", "--plugin-path", "--stats", "--isolate", "--timeout",
      "--verbose", "--help", "--version"};
  rt_buf doc = RT_BUF_INIT;
  rthost_json j;
  rthost_json_document(&j, &doc);
  rthost_json_key(&j, "commands");
  rthost_json_array(&j);
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    rthost_json_string(&j, commands[i].name);
  rthost_json_end_array(&j);
  rthost_json_key(&j, "options");
  rthost_json_array(&j);
  for (size_t i = 0; i < sizeof opts / sizeof *opts; i++)
    rthost_json_string(&j, opts[i]);
  rthost_json_end_array(&j);
  rthost_json_key(&j, "usage");
  rthost_json_string(&j, usage_text);
  rthost_json_end_object(&j);
  return rthost_emit_json(&j, &doc);
}

static int run(rthost *h, const struct cmdline *cl)
{
  if (cl->help)
    return rthost_cmd_help(h, NULL, 0);
  if (cl->version)
    return print_version(h);
  if (cl->command != NULL)
    return cl->command->run(h, cl->args, cl->nargs);
  /* No command: the usage, then why it was printed. */
  if (!h->json) {
    rthost_usage(rt_stdout());
    (void)rt_flush(rt_stdout());
  }
  rthost_error("rthost", "no command given; the commands are list, info, "
                         "check, call, shell and help");
  return RTHOST_EUSAGE;
}

int main(int argc, char **argv)
{
  rthost h = {.timeout = RTHOST_DEFAULT_TIMEOUT, .capture_fd = -1};
  struct cmdline cl = {0};
  const char *debug = getenv("RT_DEBUG");
  h.verbose = debug != NULL && strstr(debug, "search") != NULL;
  /* --json is known before any error line can be printed. */
  for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
    if (strcmp(argv[i], "--json") == 0)
      rthost_set_json(true);
  rthost_cmd_begin();
  int status = parse_cmdline(&h, argc, argv, &cl);
  if (status == RTHOST_OK)
    status = run(&h, &cl);
  status = rthost_cmd_end(status);
  if (h.stats)
    rthost_print_stats(&h, rt_stderr());
  /* The results are out before any plugin's fini hook runs. */
  int rc = rthost_flush();
  rthost_unload_all(&h);
  rthost_callbacks_free(&h);
  rt_free(cl.args);
  rt_free(h.dirs);
  if (rc == 0)
    rc = rthost_flush(); /* what fini hooks printed */
  if (rc != 0)
    status = rthost_max(status, RTHOST_EFAIL);
  return status;
}
