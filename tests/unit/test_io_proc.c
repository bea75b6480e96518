/* test_io_proc.c — what needs a child process: output pending at exit(),
 * output of a second shared object interleaved with the program's,
 * closed pipes and sockets (RT_EPIPE, no death by SIGPIPE), fork. */
#define _GNU_SOURCE /* posix_openpt, ptsname */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <runtime.h>

/* run_child: fork; the child gets a pipe as its fd 1 and runs FN, whose
 * return value is its exit status.  Returns the child's output; *STATUS is
 * its wait status. */
static char *run_child(int (*fn)(void *), void *arg, int *status)
{
  int p[2];
  assert_int_equal(pipe(p), 0);
  fflush(stdout);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    dup2(p[1], 1);
    close(p[1]);
    _exit(fn(arg));
  }
  close(p[1]);
  rt_stream *in = NULL;
  assert_int_equal(rt_stream_fdopen(p[0], "r", &in), 0);
  rt_buf out = RT_BUF_INIT;
  char chunk[512];
  size_t got;
  int rc;
  while ((rc = rt_read(in, chunk, sizeof chunk, &got)) == 0)
    assert_int_equal(rt_buf_append(&out, chunk, got), 0);
  assert_int_equal(rc, RT_EOF);
  assert_true(rt_stream_eof(in));
  assert_int_equal(rt_stream_close(in), 0);
  assert_int_equal(waitpid(pid, status, 0), pid);
  if (out.data == NULL)
    assert_int_equal(rt_buf_reserve(&out, 0), 0);
  return rt_buf_detach(&out);
}

/* With the heap unable to give the standard output its buffer (here by
 * fault injection; in life a tight `ulimit -v`), output still goes out,
 * in full and in order, through the stream's small reserve. */
static int print_without_heap(void *arg)
{
  (void)arg;
  rt_heap_fail_after(0);
  if (rt_alloc(16) != NULL)
    return 100;
  for (int i = 0; i < 100; i++)
    if (rt_printf(rt_stdout(), "line %03d of output with no heap\n", i) < 0)
      return 101;
  return rt_flush(rt_stdout()) == 0 ? 0 : 102;
}

static void test_stdout_works_without_heap(void **state)
{
  (void)state;
  int status;
  char *out = run_child(print_without_heap, NULL, &status);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  assert_int_equal(strlen(out), 100 * strlen("line 000 of output with no heap\n"));
  assert_non_null(strstr(out, "line 000 of output with no heap\nline 001"));
  assert_non_null(strstr(out, "line 099 of output with no heap\n"));
  rt_free(out);
}

static int pending_then_exit(void *arg)
{
  (void)arg;
  rt_puts(rt_stdout(), "pending at exit\n");
  rt_printf(rt_stdout(), "%d%s", 42, " (no newline)");
  exit(3);
}

static void test_output_pending_at_exit_appears(void **state)
{
  (void)state;
  int status;
  char *out = run_child(pending_then_exit, NULL, &status);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 3);
  assert_string_equal(out, "pending at exit\n42 (no newline)");
  rt_free(out);
}

/* An atexit handler registered by the program runs before libruntime's
 * flush, and what it prints is not lost either. */
static void late_words(void) { rt_puts(rt_stdout(), "from atexit\n"); }

static int print_in_atexit(void *arg)
{
  (void)arg;
  atexit(late_words);
  rt_puts(rt_stdout(), "main\n");
  return 0; /* _exit: nothing flushed... */
}

static int exit_via_main_path(void *arg)
{
  print_in_atexit(arg);
  exit(0); /* ...but exit() runs the handlers and the flush */
}

static void test_output_of_atexit_handlers_appears(void **state)
{
  (void)state;
  int status;
  char *out = run_child(exit_via_main_path, NULL, &status);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  assert_string_equal(out, "main\nfrom atexit\n");
  rt_free(out);
  out = run_child(print_in_atexit, NULL, &status);
  assert_string_equal(out, ""); /* _exit() skips the flush, as for stdio */
  rt_free(out);
}

static void *plugin_sym(void *h, const char *name)
{
  void *f = dlsym(h, name);
  assert_non_null(f);
  return f;
}

static int program_and_plugin(void *arg)
{
  const char *path = arg;
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL)
    return 100;
  int (*say)(const char *) = (int (*)(const char *))plugin_sym(h, "io_plugin_say");
  int (*sayf)(int) = (int (*)(int))plugin_sym(h, "io_plugin_sayf");
  void (*die)(int) = (void (*)(int))plugin_sym(h, "io_plugin_exit");
  rt_puts(rt_stdout(), "program 1\n");
  say("plugin 1\n");
  rt_printf(rt_stdout(), "program %d\n", 2);
  sayf(2);
  rt_puts(rt_stdout(), "program: ");
  say("no newline, ");
  rt_puts(rt_stdout(), "then one\n");
  die(7);
  return 101;
}

static void test_plugin_output_in_call_order(void **state)
{
  (void)state;
  const char *top = getenv("top_builddir");
  char path[4096];
  snprintf(path, sizeof path, "%s/tests/plugins/.libs/io_plugin.so",
           top ? top : ".");
  int status;
  char *out = run_child(program_and_plugin, path, &status);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 7);
  assert_string_equal(out, "program 1\nplugin 1\nprogram 2\n"
                           "plugin 2 formatted\n"
                           "program: no newline, then one\n"
                           "plugin: last words\n");
  rt_free(out);
}

/* Writing to a pipe nobody reads: RT_EPIPE, and the process lives on with
 * SIGPIPE at its default (fatal) disposition and nothing left pending. */
static void check_no_sigpipe_pending(void)
{
  sigset_t pending;
  sigpending(&pending);
  assert_false(sigismember(&pending, SIGPIPE));
}

static void test_closed_pipe_gives_epipe(void **state)
{
  (void)state;
  signal(SIGPIPE, SIG_DFL);
  int p[2];
  assert_int_equal(pipe(p), 0);
  close(p[0]);
  rt_stream *s = NULL;
  assert_int_equal(rt_stream_fdopen(p[1], "w", &s), 0);
  assert_int_equal(rt_puts(s, "nobody reads this\n"), 0);
  assert_int_equal(rt_flush(s), RT_EPIPE);
  assert_int_equal(rt_puts(s, "again\n"), RT_EPIPE);
  assert_int_equal(rt_stream_close(s), RT_EPIPE);
  check_no_sigpipe_pending();
}

/* If the program blocks SIGPIPE itself, its pending signal is its own
 * business: libruntime neither consumes nor unblocks it. */
static void test_closed_pipe_with_sigpipe_blocked(void **state)
{
  (void)state;
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, &old);
  int p[2];
  assert_int_equal(pipe(p), 0);
  close(p[0]);
  rt_stream *s = NULL;
  assert_int_equal(rt_stream_fdopen(p[1], "w", &s), 0);
  assert_int_equal(rt_write(s, "x", 1), 0);
  assert_int_equal(rt_stream_close(s), RT_EPIPE);
  sigset_t pending;
  sigpending(&pending);
  assert_true(sigismember(&pending, SIGPIPE));
  const struct timespec zero = {0, 0};
  assert_int_equal(sigtimedwait(&set, NULL, &zero), SIGPIPE);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void test_closed_socket_gives_epipe(void **state)
{
  (void)state;
  signal(SIGPIPE, SIG_DFL);
  int sv[2];
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  rt_stream *s = NULL;
  assert_int_equal(rt_stream_fdopen(sv[0], "r+", &s), 0);
  assert_int_equal(rt_puts(s, "ping\n"), 0);
  assert_int_equal(rt_flush(s), 0);
  char buf[8];
  assert_int_equal(read(sv[1], buf, sizeof buf), 5);
  assert_int_equal(write(sv[1], "pong\n", 5), 5);
  rt_buf line = RT_BUF_INIT;
  assert_int_equal(rt_getline(s, &line), 0);
  assert_string_equal(line.data, "pong\n");
  close(sv[1]);
  assert_int_equal(rt_getline(s, &line), RT_EOF);
  assert_int_equal(rt_puts(s, "anyone?\n"), 0);
  assert_int_equal(rt_flush(s), RT_EPIPE);
  assert_int_equal(rt_stream_close(s), RT_EPIPE);
  check_no_sigpipe_pending();
  rt_buf_free(&line);
}

/* The standard output going to a closed pipe, in a child whose exit status
 * reports what rt_flush returned: it must not die of SIGPIPE. */
static int stdout_to_closed_pipe(void *arg)
{
  (void)arg;
  int p[2];
  if (pipe(p) != 0 || dup2(p[1], 1) < 0)
    return 100;
  close(p[0]);
  close(p[1]);
  rt_puts(rt_stdout(), "into the void\n");
  int rc = rt_flush(rt_stdout());
  int again = rt_stream_close(rt_stdout());
  return rc == RT_EPIPE && again == RT_EPIPE ? 0 : 101;
}

static void test_stdout_closed_pipe_no_death(void **state)
{
  (void)state;
  int status;
  char *out = run_child(stdout_to_closed_pipe, NULL, &status);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  rt_free(out);
}

/* A reader that leaves after the first byte, while a write larger than
 * the pipe holds is under way: the kernel fails the write part way with a
 * short count and raises SIGPIPE then, not only when write() itself says
 * EPIPE.  Every rt_write, rt_puts and rt_printf of 128 KiB to 1 MiB must
 * return RT_EPIPE, in several threads at once, and the process (SIGPIPE at
 * its default, fatal disposition) must live. */
#define LEAVER_THREADS 4
#define LEAVER_ROUNDS 12

static void *read_one_byte_and_leave(void *arg)
{
  int fd = *(int *)arg;
  char c;
  ssize_t r = read(fd, &c, 1);
  (void)r;
  close(fd);
  return NULL;
}

/* One write of SIZE bytes by call KIND (0 rt_write, 1 rt_puts, 2
 * rt_printf) into a pipe whose reader leaves; its status. */
static int write_to_leaver(int kind, char *text, size_t size)
{
  int p[2];
  if (pipe(p) != 0)
    return 1000;
  pthread_t reader;
  if (pthread_create(&reader, NULL, read_one_byte_and_leave, &p[0]) != 0)
    return 1001;
  rt_stream *s = NULL;
  int rc = rt_stream_fdopen(p[1], "w", &s);
  if (rc == 0) {
    if (kind == 0)
      rc = rt_write(s, text, size);
    else if (kind == 1)
      rc = rt_puts(s, text);
    else
      rc = rt_printf(s, "%s", text) < 0 ? rt_stream_error(s) : 0;
    if (rc == 0)
      rc = rt_flush(s);
    rt_stream_close(s);
  }
  pthread_join(reader, NULL);
  return rc;
}

static void *leaver_writer(void *arg)
{
  intptr_t id = (intptr_t)arg, bad = 0;
  size_t max = (size_t)1 << 20;
  char *text = malloc(max + 1);
  if (text == NULL)
    return (void *)(intptr_t)1;
  memset(text, 'a', max);
  for (int i = 0; i < LEAVER_ROUNDS && !bad; i++) {
    size_t size = ((size_t)128 << 10) + (size_t)(id * 7919 + i * 104729) % (max - (128 << 10));
    text[size] = '\0';
    int rc = write_to_leaver(i % 3, text, size);
    text[size] = 'a';
    if (rc != RT_EPIPE)
      bad = 1;
  }
  free(text);
  return (void *)bad;
}

static int leavers(void *arg)
{
  (void)arg;
  signal(SIGPIPE, SIG_DFL);
  pthread_t t[LEAVER_THREADS];
  for (intptr_t i = 0; i < LEAVER_THREADS; i++)
    if (pthread_create(&t[i], NULL, leaver_writer, (void *)i) != 0)
      return 102;
  int bad = 0;
  for (int i = 0; i < LEAVER_THREADS; i++) {
    void *r;
    pthread_join(t[i], &r);
    bad |= r != NULL;
  }
  sigset_t pending;
  sigpending(&pending);
  return bad ? 103 : sigismember(&pending, SIGPIPE) ? 104 : 0;
}

static void test_reader_leaving_mid_write_no_death(void **state)
{
  (void)state;
  int status;
  char *out = run_child(leavers, NULL, &status);
  if (WIFSIGNALED(status))
    fail_msg("killed by signal %d (SIGPIPE is %d)", WTERMSIG(status), SIGPIPE);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  rt_free(out);
}

/* fork() writes out pending output first, so it appears once, not twice. */
static int fork_with_pending(void *arg)
{
  (void)arg;
  rt_puts(rt_stdout(), "before fork\n");
  pid_t pid = fork();
  if (pid == 0) {
    rt_puts(rt_stdout(), "child\n");
    exit(0);
  }
  int st;
  waitpid(pid, &st, 0);
  rt_puts(rt_stdout(), "parent\n");
  return rt_flush(rt_stdout()) == 0 ? 0 : 1;
}

/* The standard output's buffering is chosen at its first write from the
 * descriptor: a terminal is line-buffered, a pipe, file or non-terminal
 * device fully buffered.  The child reports whether its line went out at
 * once (exit 1) or stayed in the buffer (exit 2); _exit drops it. */
static int line_goes_out_at_once(int fd)
{
  fflush(stdout);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    dup2(fd, 1);
    struct rt_io_stats a, b;
    rt_io_stats(&a);
    rt_puts(rt_stdout(), "x\n");
    rt_io_stats(&b);
    _exit(b.bytes_out - a.bytes_out == 2 ? 1 : 2);
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  return WEXITSTATUS(status) == 1;
}

static void test_stdout_buffering_follows_the_descriptor(void **state)
{
  (void)state;
  int p[2];
  assert_int_equal(pipe(p), 0);
  assert_false(line_goes_out_at_once(p[1]));
  close(p[0]);
  close(p[1]);
  int null = open("/dev/null", O_WRONLY);
  assert_true(null >= 0);
  assert_false(line_goes_out_at_once(null));
  close(null);
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0) {
    printf("# skipped the terminal case: no pseudo-terminal here\n");
    return;
  }
  int t = open(ptsname(m), O_RDWR | O_NOCTTY);
  assert_true(t >= 0);
  assert_true(line_goes_out_at_once(t));
  close(t);
  close(m);
}

static void test_fork_does_not_duplicate_output(void **state)
{
  (void)state;
  int status;
  char *out = run_child(fork_with_pending, NULL, &status);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  assert_string_equal(out, "before fork\nchild\nparent\n");
  rt_free(out);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stdout_works_without_heap),
      cmocka_unit_test(test_output_pending_at_exit_appears),
      cmocka_unit_test(test_output_of_atexit_handlers_appears),
      cmocka_unit_test(test_plugin_output_in_call_order),
      cmocka_unit_test(test_closed_pipe_gives_epipe),
      cmocka_unit_test(test_closed_pipe_with_sigpipe_blocked),
      cmocka_unit_test(test_closed_socket_gives_epipe),
      cmocka_unit_test(test_stdout_closed_pipe_no_death),
      cmocka_unit_test(test_reader_leaving_mid_write_no_death),
      cmocka_unit_test(test_fork_does_not_duplicate_output),
      cmocka_unit_test(test_stdout_buffering_follows_the_descriptor),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
