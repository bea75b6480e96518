/* shellwords.c — the tokenizer of `rthost shell` lines (see shellwords.h). */
#include "shellwords.h"

#include <string.h>

static bool is_blank(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Inside double quotes a backslash escapes only these, as in POSIX sh. */
static bool escapable_in_dquotes(char c)
{
  return c == '"' || c == '\\' || c == '$' || c == '`';
}

enum scan_error { SCAN_OK, SCAN_SQUOTE, SCAN_DQUOTE, SCAN_BACKSLASH };

struct scan {
  char **words; /* NULL: count only */
  char *text;
  size_t n, len;
  enum scan_error err;
  size_t col; /* 1-based column of the error */
};

static void put(struct scan *s, char c)
{
  if (s->text != NULL)
    s->text[s->len] = c;
  s->len++;
}

/* One word starting at P; returns where it ends, or NULL on error. */
static const char *scan_word(struct scan *s, const char *line, const char *p)
{
  while (*p != '\0' && !is_blank(*p)) {
    const char *open = p;
    if (*p == '\\') {
      if (p[1] == '\0') {
        s->err = SCAN_BACKSLASH, s->col = (size_t)(p - line) + 1;
        return NULL;
      }
      put(s, p[1]);
      p += 2;
    } else if (*p == '\'') {
      for (p++; *p != '\'' && *p != '\0'; p++)
        put(s, *p);
      if (*p == '\0') {
        s->err = SCAN_SQUOTE, s->col = (size_t)(open - line) + 1;
        return NULL;
      }
      p++;
    } else if (*p == '"') {
      for (p++; *p != '"' && *p != '\0'; p++) {
        if (*p == '\\' && escapable_in_dquotes(p[1]))
          p++;
        put(s, *p);
      }
      if (*p == '\0') {
        s->err = SCAN_DQUOTE, s->col = (size_t)(open - line) + 1;
        return NULL;
      }
      p++;
    } else {
      put(s, *p++);
    }
  }
  return p;
}

/* One pass over LINE: counts words and bytes, and with S->WORDS set
 * copies each word, NUL-terminated, to S->TEXT. */
static bool scan(struct scan *s, const char *line)
{
  const char *p = line;
  for (;;) {
    while (is_blank(*p))
      p++;
    if (*p == '\0')
      return true;
    if (s->words != NULL)
      s->words[s->n] = s->text + s->len;
    s->n++;
    p = scan_word(s, line, p);
    if (p == NULL)
      return false;
    put(s, '\0');
  }
}

static int refuse(const struct scan *s, rt_buf *err)
{
  static const char *const what[] = {
      [SCAN_SQUOTE] = "unterminated single quote opened at column",
      [SCAN_DQUOTE] = "unterminated double quote opened at column",
      [SCAN_BACKSLASH] = "a backslash ends the line at column",
  };
  static const char *const fix[] = {
      [SCAN_SQUOTE] = "close it with '",
      [SCAN_DQUOTE] = "close it with \"",
      [SCAN_BACKSLASH] = "it escapes nothing; write \\\\ for a backslash",
  };
  if (err != NULL)
    (void)rt_buf_printf(err, "%s %zu", what[s->err], s->col);
  return rt_set_error(RT_EINVAL, "%s %zu; %s", what[s->err], s->col,
                      fix[s->err]);
}

int rthost_split_line(const char *line, char ***argv, size_t *argc, rt_buf *err)
{
  *argv = NULL;
  *argc = 0;
  struct scan count = {0};
  if (!scan(&count, line))
    return refuse(&count, err);
  size_t head = (count.n + 1) * sizeof(char *);
  char **words = rt_alloc(head + count.len);
  if (words == NULL)
    return RT_ENOMEM;
  struct scan copy = {.words = words, .text = (char *)words + head};
  scan(&copy, line);
  words[copy.n] = NULL;
  *argv = words;
  *argc = copy.n;
  return 0;
}

int rthost_check_line(const char *line, size_t len, rt_buf *err)
{
  const char *nul = memchr(line, '\0', len);
  if (nul == NULL)
    return 0;
  size_t col = (size_t)(nul - line) + 1;
  if (err != NULL)
    (void)rt_buf_printf(err, "the line has a NUL byte at column %zu", col);
  return rt_set_error(RT_EINVAL,
                      "the line has a NUL byte at column %zu; arguments are "
                      "C strings and cannot hold one",
                      col);
}
