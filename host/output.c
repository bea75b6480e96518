/*
 * output.c — rthost's output, all of it through libruntime's process-wide
 * streams: rt_stdout() is the very object the plugins print to, so a
 * plugin's line and the host's result appear in the order they were made.
 *
 * Write errors are sticky in a stream, so the print helpers do not return
 * them one by one: rthost_flush() at exit (and the shell after each
 * command) asks the stream and reports the first one.
 *
 * Each command is framed by rthost_cmd_begin/rthost_cmd_end: its first
 * error is remembered so that, with --json, a command that failed before
 * printing its document still prints one (the error document), and its
 * output is flushed before the next command is read.
 */
#include "rthost.h"
#include "json.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The current command: its first error and whether it printed a JSON
 * document. */
static struct {
  bool json;
  bool has_doc;
  bool has_error;
  int rt_code; /* the library's code of the first error, 0 if none */
  rt_buf what, why;
} cmd = {.what = RT_BUF_INIT, .why = RT_BUF_INIT};

static int print_error; /* the first error of a print call (RT_ENOMEM) */

void rthost_set_json(bool on)
{
  cmd.json = on;
}

/* write(2) all of S, retrying short writes; no heap, no stream. */
static void raw_write(int fd, const char *s, size_t n)
{
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w <= 0)
      return;
    s += w;
    n -= (size_t)w;
  }
}

void rthost_oom(const char *what)
{
  static const char tail[] = ": out of memory; raise the memory limit "
                             "(ulimit -v) or free memory and run again\n";
  raw_write(STDERR_FILENO, "rthost", 6);
  if (what != NULL) {
    raw_write(STDERR_FILENO, ": ", 2);
    raw_write(STDERR_FILENO, what, strlen(what));
  }
  raw_write(STDERR_FILENO, tail, sizeof tail - 1);
}

bool rthost_is_sysfail(int rc)
{
  if (rc == RT_EMFILE || rc == -ENFILE || rc == RT_EAGAIN)
    return true;
  return rc == RT_EDLOPEN &&
         strstr(rt_last_error(), "Too many open files") != NULL;
}

bool rthost_is_oom(int rc)
{
  if (rc == RT_ENOMEM)
    return true;
  if (rc != RT_EDLOPEN)
    return false;
  /* The library reports the dynamic loader's memory failures as
   * RT_ENOMEM; these words are for what it could not tell.  Not "cannot
   * allocate" alone: "cannot allocate memory in static TLS block" is a
   * plugin that cannot be loaded here, not a shortage. */
  const char *msg = rt_last_error();
  return strstr(msg, "Cannot allocate memory") != NULL ||
         strstr(msg, "failed to map segment") != NULL;
}

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

static void remember(const char *what, const char *why, int rt_code)
{
  if (cmd.has_error)
    return;
  cmd.has_error = true;
  cmd.rt_code = rt_code;
  rt_buf_clear(&cmd.what);
  rt_buf_clear(&cmd.why);
  (void)rt_buf_append_str(&cmd.what, what);
  append_one_line(&cmd.why, why);
}

static void verror(const char *what, int rt_code, const char *fmt, va_list ap)
    RT_PRINTF(3, 0);
static void verror(const char *what, int rt_code, const char *fmt, va_list ap)
{
  rt_buf why = RT_BUF_INIT, line = RT_BUF_INIT;
  int rc = rt_buf_vprintf(&why, fmt, ap);
  if (rc == RT_ENOMEM || why.data == NULL) {
    rthost_oom(what);
    rt_buf_free(&why);
    return;
  }
  (void)rt_buf_printf(&line, "rthost: %s: ", what);
  append_one_line(&line, rt_buf_cstr(&why));
  (void)rt_buf_append_char(&line, '\n');
  /* What was printed before the error comes before it, also when stdout
   * and stderr are the same file. */
  (void)rt_flush(rt_stdout());
  if (line.data == NULL || rt_buf_cstr(&line)[line.len - 1] != '\n')
    rthost_oom(what);
  else if (rt_write(rt_stderr(), line.data, line.len) != 0)
    raw_write(STDERR_FILENO, line.data, line.len); /* the line is all */
  remember(what, rt_buf_cstr(&why), rt_code);
  rt_buf_free(&why);
  rt_buf_free(&line);
}

void rthost_error(const char *what, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  verror(what, 0, fmt, ap);
  va_end(ap);
}

static void error_code(const char *what, int code, const char *fmt, ...)
    RT_PRINTF(3, 4);
static void error_code(const char *what, int code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  verror(what, code, fmt, ap);
  va_end(ap);
}

int rthost_error_rt_hint(const char *what, int status, const char *hint)
{
  int code = rt_last_error_code();
  if (rthost_is_oom(code)) {
    rthost_oom(what);
    remember(what, "out of memory", RT_ENOMEM);
    return RTHOST_EFAIL;
  }
  bool sysfail = status == RTHOST_ELOAD && rthost_is_sysfail(code);
  error_code(what, code, "%s%s", rt_last_error(), hint ? hint : "");
  return sysfail ? RTHOST_EFAIL : status;
}

int rthost_error_rt(const char *what, int status)
{
  return rthost_error_rt_hint(what, status, NULL);
}

/* Control characters of plugin metadata, escaped for a terminal. */
static void append_escaped(rt_buf *b, const char *s)
{
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p >= 0x20 && *p != 0x7f && *p != '\\') {
      (void)rt_buf_append_char(b, (char)*p);
      continue;
    }
    const char *e = *p == '\n' ? "\\n" : *p == '\t' ? "\\t"
                  : *p == '\r' ? "\\r" : *p == '\\' ? "\\\\" : NULL;
    if (e != NULL)
      (void)rt_buf_append_str(b, e);
    else
      (void)rt_buf_printf(b, "\\x%02x", *p);
  }
}

const char *rthost_esc(const char *s)
{
  static rt_buf ring[8];
  static unsigned next;
  if (s == NULL)
    return "(null)";
  rt_buf *b = &ring[next++ % 8];
  rt_buf_clear(b);
  append_escaped(b, s);
  return b->data != NULL ? rt_buf_cstr(b) : "";
}

static void note_print(int rc)
{
  if (rc < 0 && print_error == 0)
    print_error = rc;
}

void rthost_print(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  note_print(rt_vprintf(rt_stdout(), fmt, ap));
  va_end(ap);
}

void rthost_write(const char *s, size_t n)
{
  note_print(rt_write(rt_stdout(), s, n));
}

bool rthost_output_failed(void)
{
  return rt_stream_error(rt_stdout()) != 0;
}

int rthost_flush(void)
{
  static bool reported; /* the stream's error is sticky: say it once */
  int rc = rt_flush(rt_stdout());
  if (rc == 0)
    rc = print_error;
  print_error = 0;
  if (rc == 0 || reported)
    return rc;
  reported = true;
  if (rc == RT_ENOMEM)
    rthost_oom("stdout");
  else if (rc != 0)
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
  if (rc == 0) {
    rthost_write(doc->data, doc->len);
    cmd.has_doc = true;
  } else if (rc == RT_ENOMEM) {
    rthost_oom("json");
  } else {
    rthost_error("json", "cannot write the document: %s", rt_strerror(rc));
  }
  rt_buf_free(doc);
  return rc == 0 ? RTHOST_OK : RTHOST_EFAIL;
}

void rthost_cmd_begin(void)
{
  cmd.has_doc = false;
  cmd.has_error = false;
  cmd.rt_code = 0;
}

void rthost_json_emitted(void)
{
  cmd.has_doc = true;
}

bool rthost_cmd_has_doc(void)
{
  return cmd.has_doc;
}

static const char *status_name(int status)
{
  switch (status) {
  case RTHOST_EFAIL:
    return "system";
  case RTHOST_EUSAGE:
    return "usage";
  case RTHOST_ELOAD:
    return "load";
  default:
    return "call";
  }
}

int rthost_json_error_doc(int status, const char *output, size_t n)
{
  rt_buf doc = RT_BUF_INIT;
  rthost_json j;
  rthost_json_document(&j, &doc);
  rthost_json_key(&j, "error");
  rthost_json_string(&j, cmd.has_error ? rt_buf_cstr(&cmd.what) : "rthost");
  rthost_json_key(&j, "code");
  rthost_json_int(&j, status);
  rthost_json_key(&j, "name");
  rthost_json_string(&j, cmd.rt_code != 0 ? rt_err_name(cmd.rt_code)
                                          : status_name(status));
  rthost_json_key(&j, "message");
  rthost_json_string(&j, cmd.has_error ? rt_buf_cstr(&cmd.why)
                                       : "failed without a message");
  if (output != NULL) {
    rthost_json_key(&j, "output");
    rthost_json_string_n(&j, output, n);
  }
  rthost_json_end_object(&j);
  return rthost_emit_json(&j, &doc);
}

int rthost_cmd_end(int status)
{
  if (cmd.json && !cmd.has_doc && status > 0)
    status = rthost_max(status, rthost_json_error_doc(status, NULL, 0));
  if (rthost_flush() != 0)
    status = rthost_max(status, RTHOST_EFAIL);
  return status;
}
