/* rthost — the command-line host of libruntime: option parsing, dispatch. */
#include "rthost.h"

#include <string.h>

static const char usage_text[] =
    "usage: rthost [OPTION...] COMMAND [ARG...]\n"
    "\n"
    "Load libruntime plugins and call their functions.  The host and every\n"
    "plugin share one libruntime.so: one heap, one IO layer, one DNS cache.\n"
    "\n"
    "commands:\n"
    "  list [DIR...]                   plugins on the search path (or in "
    "DIR),\n"
    "                                  read from their manifests, not loaded\n"
    "  info PLUGIN                     one plugin in detail, not loaded\n"
    "  check FILE...                   validate plugins as the loader would\n"
    "  call PLUGIN FUNCTION [ARG...]   load PLUGIN, call FUNCTION, print the\n"
    "                                  result\n"
    "  shell                           read commands from stdin: load, call\n"
    "                                  PLUGIN.FUNCTION ARG..., list, info,\n"
    "                                  stats, help, quit\n"
    "\n"
    "options (before or after the command):\n"
    "  --json              machine-readable output (list, info, check, call)\n"
    "  --plugin-path DIR   search DIR for plugins first (repeatable)\n"
    "  --stats             print heap and IO statistics on stderr at exit\n"
    "  --help, --version\n"
    "  --                  the words after it are not options\n"
    "\n"
    "PLUGIN is a name on the search path (x is found as x.so) or a path to a\n"
    ".so file.  Exit status: 0 ok, 2 usage or argument error, 3 plugin not\n"
    "found or refused, 4 function not found or call failed.  See rthost(1).\n";

typedef int (*command_fn)(rthost *h, char **args, size_t nargs);

static const struct command {
  const char *name;
  command_fn run;
} commands[] = {
    {"list", rthost_cmd_list},   {"info", rthost_cmd_info},
    {"check", rthost_cmd_check}, {"call", rthost_cmd_call},
    {"shell", rthost_cmd_shell},
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
  if (rt_module_path_add(dir) != 0) {
    rthost_error(dir, "%s", rt_last_error());
    return RTHOST_EFAIL;
  }
  h->dirs[h->ndirs++] = dir;
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
  else if (strcmp(a, "--version") == 0)
    cl->version = true;
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
  rthost_error(word, "unknown command; the commands are list, info, check, "
                     "call and shell (see rthost --help)");
  return RTHOST_EUSAGE;
}

static int parse_cmdline(rthost *h, int argc, char **argv, struct cmdline *cl)
{
  cl->args = rt_calloc((size_t)argc, sizeof *cl->args);
  h->dirs = rt_calloc((size_t)argc, sizeof *h->dirs);
  if (cl->args == NULL || h->dirs == NULL) {
    rthost_error("rthost", "%s", rt_last_error());
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

static void print_version(void)
{
  unsigned abi = rt_abi_version();
  rthost_print("rthost (libruntime) %s, plugin ABI %u.%u\n",
               rt_version_string(), abi >> 16, abi & 0xffff);
}

static int run(rthost *h, const struct cmdline *cl)
{
  if (cl->help)
    rthost_write(usage_text, sizeof usage_text - 1);
  else if (cl->version)
    print_version();
  if (cl->help || cl->version)
    return RTHOST_OK;
  if (cl->command == NULL) {
    rthost_error("rthost", "no command given; try rthost --help");
    return RTHOST_EUSAGE;
  }
  return cl->command->run(h, cl->args, cl->nargs);
}

int main(int argc, char **argv)
{
  rthost h = {0};
  struct cmdline cl = {0};
  int status = parse_cmdline(&h, argc, argv, &cl);
  if (status == RTHOST_OK)
    status = run(&h, &cl);
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
