/*
 * output.c — rthost's output, all of it through libruntime's process-wide
 * streams: rt_stdout() is the very object the plugins print to, so a
 * plugin's line and the host's result appear in the order they were made.
 *
 * Write errors are sticky in a stream, so the print helpers do not return
 * them one by one: rthost_flush() at exit (and the shell after each
 * command) asks the stream and reports the first one.
 */
#include "rthost.h"
#include "json.h"

#include <string.h>
#include <unistd.h>

/* Append the message, each line break (and the indentation after it)
 * turned into "; " so that every error stays one line. */
static void append_one_line(rt_buf *b, const char *msg)
{
  while (*msg != '\0') {
    size_t n = strcspn(msg, "\r\n");
    (void)rt_buf_append(b, msg, n);
    msg += n;
    if (*msg == '\0')
      break;
    msg += strspn(msg, "\r\n \t");
    if (*msg != '\0')
      (void)rt_buf_append_str(b, "; ");
  }
}

void rthost_error(const char *what, const char *fmt, ...)
{
  rt_buf why = RT_BUF_INIT, line = RT_BUF_INIT;
  va_list ap;
  va_start(ap, fmt);
  int rc = rt_buf_vprintf(&why, fmt, ap);
  va_end(ap);
  (void)rt_buf_printf(&line, "rthost: %s: ", what);
  append_one_line(&line, rc == 0 ? rt_buf_cstr(&why) : rt_strerror(rc));
  (void)rt_buf_append_char(&line, '\n');
  /* The line can only be written if the heap gave room for it; without
   * that, fall back to the bare words. */
  if (line.data != NULL)
    (void)rt_write(rt_stderr(), line.data, line.len);
  else
    (void)rt_puts(rt_stderr(), "rthost: out of memory\n");
  rt_buf_free(&why);
  rt_buf_free(&line);
}

void rthost_print(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  (void)rt_vprintf(rt_stdout(), fmt, ap);
  va_end(ap);
}

void rthost_write(const char *s, size_t n)
{
  (void)rt_write(rt_stdout(), s, n);
}

bool rthost_output_failed(void)
{
  return rt_stream_error(rt_stdout()) != 0;
}

int rthost_flush(void)
{
  int rc = rt_flush(rt_stdout());
  if (rc != 0)
    rthost_error("stdout", "cannot write the output: %s", rt_strerror(rc));
  return rc;
}

int rthost_read_line(rt_buf *line)
{
  return rt_getline(rt_stdin(), line);
}

bool rthost_interactive(void)
{
  return isatty(STDIN_FILENO) == 1;
}

int rthost_emit_json(rthost_json *j, rt_buf *doc)
{
  int rc = rthost_json_finish(j);
  if (rc == 0)
    rc = rt_buf_append_char(doc, '\n');
  if (rc == 0)
    rthost_write(doc->data, doc->len);
  else
    rthost_error("json", "cannot write the document: %s", rt_strerror(rc));
  rt_buf_free(doc);
  return rc == 0 ? RTHOST_OK : RTHOST_EFAIL;
}
