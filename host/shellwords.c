/* shellwords.c — the tokenizer of `rthost shell` lines (see shellwords.h). */
#include "shellwords.h"

#include <string.h>

static bool is_blank(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A backslash escapes only a double quote or another backslash. */
static bool is_escape(const char *p)
{
  return p[0] == '\\' && (p[1] == '"' || p[1] == '\\');
}

/*
 * One pass over LINE.  With WORDS NULL it only counts words and the bytes
 * they need; otherwise it copies each word, NUL-terminated, to TEXT and
 * records where it starts in WORDS.  Returns 0, or the 1-based column of a
 * double quote that is never closed.
 */
static size_t scan(const char *line, char **words, char *text, size_t *nwords,
                   size_t *nbytes)
{
  size_t n = 0, len = 0;
  const char *p = line;
  for (;;) {
    while (is_blank(*p))
      p++;
    if (*p == '\0')
      break;
    if (words != NULL)
      words[n] = text + len;
    n++;
    bool quoted = false;
    const char *open = NULL;
    while (*p != '\0' && (quoted || !is_blank(*p))) {
      if (is_escape(p)) {
        p++;
      } else if (*p == '"') {
        quoted = !quoted;
        open = p++;
        continue;
      }
      if (text != NULL)
        text[len] = *p;
      len++;
      p++;
    }
    if (quoted)
      return (size_t)(open - line) + 1;
    if (text != NULL)
      text[len] = '\0';
    len++;
  }
  *nwords = n;
  *nbytes = len;
  return 0;
}

int rthost_split_line(const char *line, char ***argv, size_t *argc, rt_buf *err)
{
  *argv = NULL;
  *argc = 0;
  size_t n, bytes;
  size_t col = scan(line, NULL, NULL, &n, &bytes);
  if (col != 0) {
    if (err != NULL)
      (void)rt_buf_printf(err, "unterminated double quote opened at column %zu",
                          col);
    return rt_set_error(RT_EINVAL,
                        "unterminated double quote opened at column %zu; "
                        "close it with \"",
                        col);
  }
  size_t head = (n + 1) * sizeof(char *);
  char **words = rt_alloc(head + bytes);
  if (words == NULL)
    return RT_ENOMEM;
  scan(line, words, (char *)words + head, &n, &bytes);
  words[n] = NULL;
  *argv = words;
  *argc = n;
  return 0;
}
