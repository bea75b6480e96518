/*
 * fuzz_shell.c — libFuzzer target for `rthost shell` command lines
 * (rthost_split_line in host/shellwords.c).
 *
 * Properties: a line is refused with a message, or split into words that,
 * quoted again ("..." with \" \\ \$ \` escaped) and joined by spaces,
 * split back into the very same words; rthost_check_line refuses the
 * input exactly when it holds a NUL byte.
 */
#include <runtime.h>
#include "shellwords.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void requote(char **words, size_t n, rt_buf *line)
{
  for (size_t i = 0; i < n; i++) {
    rt_buf_append_str(line, i ? " \"" : "\"");
    for (const char *p = words[i]; *p; p++) {
      if (*p == '"' || *p == '\\' || *p == '$' || *p == '`')
        rt_buf_append_char(line, '\\');
      rt_buf_append_char(line, *p);
    }
    rt_buf_append_char(line, '"');
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  bool has_nul = memchr(data, '\0', size) != NULL;
  if ((rthost_check_line((const char *)data, size, NULL) != 0) != has_nul)
    abort();
  char *text = rt_strndup((const char *)data, size);
  if (text == NULL)
    return 0;
  char **argv = NULL, **again = NULL;
  size_t argc = 0, argc2 = 0;
  rt_buf err = RT_BUF_INIT, line = RT_BUF_INIT;
  if (rthost_split_line(text, &argv, &argc, &err) < 0) {
    if (argv != NULL || err.len == 0)
      abort();
  } else {
    requote(argv, argc, &line);
    if (rthost_split_line(rt_buf_cstr(&line), &again, &argc2, NULL) < 0)
      abort();
    if (argc2 != argc)
      abort();
    for (size_t i = 0; i < argc; i++)
      if (strcmp(argv[i], again[i]) != 0)
        abort();
  }
  rt_free(argv);
  rt_free(again);
  rt_buf_free(&line);
  rt_buf_free(&err);
  rt_free(text);
  return 0;
}
