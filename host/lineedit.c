/*
 * lineedit.c — how the shell reads its lines.  Not a terminal: plain
 * rt_getline() on rt_stdin(), no prompt.  A terminal: a prompt, and when
 * rthost was built with libedit (configure --with-libedit) line editing,
 * history and tab completion of the shell's commands, plugin names and
 * PLUGIN.FUNCTION, taken from the manifests on the search path, with
 * characters read in the user's locale's encoding (LC_CTYPE).  End of
 * input (Ctrl-D) at a terminal ends the prompt's line with a newline.
 */
#include "config.h"
#include "rthost.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_LIBEDIT
#include <editline/readline.h>
#include <locale.h>
#endif

struct rthost_lineedit {
  rthost *h;
  bool tty;
};

static const char prompt[] = "rthost> ";

#ifdef HAVE_LIBEDIT
static rthost *completing; /* readline's callbacks take no context */
static rt_buf names = RT_BUF_INIT; /* plugins and PLUGIN.FUNCTIONs */
static bool have_names;

/* The candidates for the word being completed: commands first on the
 * line, PLUGIN.FUNCTION after call, plugin names after load and info. */
static const char *next_candidate(const char *const **cmd, const char **name,
                                  bool functions_only, bool commands)
{
  if (commands)
    return **cmd != NULL ? *(*cmd)++ : NULL;
  while (*name != NULL && *name < names.data + names.len) {
    const char *n = *name;
    *name += strlen(n) + 1;
    if ((strchr(n, '.') != NULL) == functions_only)
      return n;
  }
  return NULL;
}

static int mode; /* 0 commands, 1 PLUGIN.FUNCTION, 2 plugin names */

static char *generate(const char *text, int state)
{
  static const char *const *cmd;
  static const char *name;
  if (state == 0) {
    cmd = rthost_shell_commands;
    name = names.data;
  }
  size_t len = strlen(text);
  for (const char *c; (c = next_candidate(&cmd, &name, mode == 1,
                                          mode == 0)) != NULL;)
    if (strncmp(c, text, len) == 0)
      return strdup(c);
  return NULL;
}

static char **complete(const char *text, int start, int end)
{
  (void)end;
  char first[16] = "";
  sscanf(rl_line_buffer, "%15s", first);
  bool at_first = strspn(rl_line_buffer, " \t") == (size_t)start;
  if (at_first)
    mode = 0;
  else if (strcmp(first, "call") == 0)
    mode = 1;
  else if (strcmp(first, "load") == 0 || strcmp(first, "info") == 0)
    mode = 2;
  else
    return NULL; /* files, for list and check */
  if (!at_first && !have_names) {
    have_names = true;
    (void)rthost_plugin_names(completing, true, &names);
  }
  rl_attempted_completion_over = 1;
  return rl_completion_matches(text, generate);
}

static int read_edited(rt_buf *line)
{
  char *text = readline(prompt);
  if (text == NULL)
    return RT_EOF;
  if (*text != '\0')
    add_history(text);
  rt_buf_clear(line);
  int rc = rt_buf_append_str(line, text);
  free(text);
  return rc == 0 ? 0 : RT_ENOMEM;
}
#endif

rthost_lineedit *rthost_lineedit_open(rthost *h)
{
  static rthost_lineedit ed;
  ed.h = h;
  ed.tty = rthost_interactive();
#ifdef HAVE_LIBEDIT
  if (ed.tty) {
    /* libedit reads characters by the locale's encoding: in the C locale
     * it dropped every byte of "héllo" but the ASCII ones.  Character
     * handling only; the library reads its grammars in ASCII whatever
     * the locale, and numbers in the C locale. */
    setlocale(LC_CTYPE, "");
    completing = h;
    rl_readline_name = "rthost";
    rl_attempted_completion_function = complete;
    rl_completer_word_break_characters = " \t\"'";
    using_history();
  }
#endif
  return &ed;
}

int rthost_lineedit_read(rthost_lineedit *ed, rt_buf *line)
{
  int rc;
#ifdef HAVE_LIBEDIT
  if (ed->tty)
    rc = read_edited(line);
  else
#endif
  {
    if (ed->tty) {
      rthost_print("%s", prompt);
      (void)rt_flush(rt_stdout());
    }
    rc = rthost_read_line(line);
  }
  /* Ctrl-D: the next output starts on a line of its own. */
  if (rc == RT_EOF && ed->tty) {
    rthost_write("\n", 1);
    (void)rt_flush(rt_stdout());
  }
  return rc;
}

void rthost_lineedit_close(rthost_lineedit *ed)
{
  (void)ed;
#ifdef HAVE_LIBEDIT
  rt_buf_free(&names);
  have_names = false;
#endif
}
