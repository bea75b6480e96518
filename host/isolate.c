/*
 * isolate.c — plugin code in a child process: `rthost check` runs each
 * file's load stage there (as GStreamer's plugin scanner does), and
 * `--isolate` each call.  A crash, abort(), exit() or hang then costs the
 * child, not rthost: the parent reports it and goes on.
 *
 * The child reports over a pipe: a 4-byte status, a byte saying whether
 * it printed a JSON document, then a message.  A child that ends without
 * the report died in plugin code: by a signal, or by exit() called from
 * the plugin (rthost's own child only ever leaves through _exit() after
 * the report).  Before it dies by a signal the child flushes rt_stdout(),
 * so what the plugin printed before crashing is not lost.
 */
#define _GNU_SOURCE
#include "rthost.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void flush_and_die(int sig)
{
  /* Best effort: the plugin's output so far.  If the crash left the
   * stream locked this blocks, and the parent's timeout ends it. */
  (void)rt_flush(rt_stdout());
  signal(sig, SIG_DFL);
  raise(sig);
}

static void catch_fatal_signals(void)
{
  static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT,
                             SIGTERM};
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = flush_and_die;
  sa.sa_flags = SA_NODEFER | SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
    (void)sigaction(sigs[i], &sa, NULL);
}

static void write_all(int fd, const void *p, size_t n)
{
  const char *s = p;
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return;
    s += w;
    n -= (size_t)w;
  }
}

static _Noreturn void child(rthost *h, int fd, rthost_child_fn fn, void *ctx)
{
  catch_fatal_signals();
  rt_buf msg = RT_BUF_INIT;
  int32_t status = fn(h, ctx, &msg);
  status = rthost_cmd_end(status);
  char doc = rthost_cmd_has_doc();
  write_all(fd, &status, sizeof status);
  write_all(fd, &doc, 1);
  write_all(fd, msg.data, msg.len);
  _exit(0);
}

static uint64_t now_ms(void)
{
  return rt_clock_mono_ns() / 1000000u;
}

/* Read the child's report until EOF or the deadline (0: none).  Returns
 * false on timeout. */
static bool read_report(int fd, uint64_t deadline, rt_buf *report)
{
  for (;;) {
    int wait_ms = -1;
    if (deadline != 0) {
      uint64_t now = now_ms();
      if (now >= deadline)
        return false;
      wait_ms = (int)(deadline - now);
    }
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n = poll(&p, 1, wait_ms);
    if (n < 0 && errno == EINTR)
      continue;
    if (n == 0)
      return false;
    char chunk[512];
    ssize_t got = read(fd, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      return true;
    (void)rt_buf_append(report, chunk, (size_t)got);
  }
}

/* After a timeout: SIGTERM (the child flushes its output and dies), then
 * SIGKILL if it is still there a second later. */
static int stop_child(pid_t pid)
{
  int ws = 0;
  (void)kill(pid, SIGTERM);
  for (int i = 0; i < 100; i++) {
    if (waitpid(pid, &ws, WNOHANG) == pid)
      return ws;
    (void)rt_sleep_ns(10 * 1000000u);
  }
  (void)kill(pid, SIGKILL);
  while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
    ;
  return ws;
}

static const char *signal_name(int sig, char buf[16])
{
  const char *abbrev = sigabbrev_np(sig);
  if (abbrev == NULL) {
    snprintf(buf, 16, "signal %d", sig);
    return buf;
  }
  snprintf(buf, 16, "SIG%s", abbrev);
  return buf;
}

/* What happened to a child that gave no report. */
static void describe(const rthost *h, bool timed_out, int ws, rt_buf *why)
{
  char sig[16];
  if (timed_out)
    (void)rt_buf_printf(why, "timed out after %g s", h->timeout);
  else if (WIFSIGNALED(ws))
    (void)rt_buf_printf(why, "crashed (%s)",
                        signal_name(WTERMSIG(ws), sig));
  else if (WIFEXITED(ws))
    (void)rt_buf_printf(why, "called exit(%d)", WEXITSTATUS(ws));
  else
    (void)rt_buf_printf(why, "ended abnormally (wait status %#x)", ws);
}

int rthost_in_child(rthost *h, rthost_child_fn fn, void *ctx, rt_buf *msg,
                    rt_buf *why)
{
  int p[2];
  /* Nothing buffered may be written twice, by parent and child. */
  (void)rt_flush(rt_stdout());
  (void)fflush(NULL);
  if (pipe2(p, O_CLOEXEC) != 0) {
    int e = errno;
    rt_set_error(-e, "cannot make a pipe for a child process: %s%s",
                 strerror(e), e == EMFILE || e == ENFILE
                                  ? "; close descriptors or raise the limit "
                                    "(ulimit -n)"
                                  : "");
    return RTHOST_CHILD_SYSFAIL;
  }
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(p[0]);
    close(p[1]);
    rt_set_error(-e, "cannot start a child process: %s%s", strerror(e),
                 e == EAGAIN ? "; too many processes (ulimit -u) or threads"
                             : "");
    return RTHOST_CHILD_SYSFAIL;
  }
  if (pid == 0) {
    close(p[0]);
    child(h, p[1], fn, ctx);
  }
  close(p[1]);
  uint64_t deadline =
      h->timeout > 0 ? now_ms() + (uint64_t)(h->timeout * 1000) : 0;
  rt_buf report = RT_BUF_INIT;
  bool in_time = read_report(p[0], deadline, &report);
  close(p[0]);
  int ws = 0;
  if (!in_time)
    ws = stop_child(pid);
  else
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
      ;
  int status = RTHOST_CHILD_DIED;
  if (in_time && report.len >= 5 && WIFEXITED(ws) && WEXITSTATUS(ws) == 0) {
    int32_t st;
    memcpy(&st, report.data, sizeof st);
    status = st;
    if (report.data[4])
      rthost_json_emitted();
    (void)rt_buf_append(msg, report.data + 5, report.len - 5);
  } else {
    describe(h, !in_time, ws, why);
  }
  rt_buf_free(&report);
  return status;
}

/* ---- capture of a call's output, for --json ---- */

int rthost_capture_fd(rthost *h)
{
  if (h->capture_fd >= 0)
    return h->capture_fd;
  int fd = memfd_create("rthost-output", MFD_CLOEXEC);
  if (fd < 0)
    return rt_set_error(-errno, "cannot make a file for the plugin's "
                                "output: %s",
                        strerror(errno));
  h->capture_fd = fd;
  return fd;
}

int rthost_capture_begin(rthost *h, int *saved)
{
  int fd = rthost_capture_fd(h);
  if (fd < 0)
    return fd;
  (void)rt_flush(rt_stdout());
  (void)fflush(stdout);
  if (ftruncate(fd, 0) != 0 || (*saved = dup(STDOUT_FILENO)) < 0)
    return rt_set_error(-errno, "cannot redirect the plugin's output: %s",
                        strerror(errno));
  if (dup2(fd, STDOUT_FILENO) < 0) {
    int e = errno;
    close(*saved);
    return rt_set_error(-e, "cannot redirect the plugin's output: %s",
                        strerror(e));
  }
  return 0;
}

int rthost_capture_read(rthost *h, rt_buf *out)
{
  char chunk[4096];
  off_t at = 0;
  ssize_t got;
  while ((got = pread(h->capture_fd, chunk, sizeof chunk, at)) > 0) {
    if (rt_buf_append(out, chunk, (size_t)got) != 0)
      return RT_ENOMEM;
    at += got;
  }
  return 0;
}

int rthost_capture_end(rthost *h, int saved, rt_buf *out)
{
  (void)rt_flush(rt_stdout());
  (void)fflush(stdout);
  /* The output that went to the file is not the stream's error. */
  int rc = dup2(saved, STDOUT_FILENO) < 0 ? -errno : 0;
  close(saved);
  if (rc == 0)
    rc = rthost_capture_read(h, out);
  return rc;
}
