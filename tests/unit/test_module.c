/* test_module.c — the plugin loader: every check with its exact code and
 * message, nothing left behind by a refusal, the registry, the search
 * path, manifests without loading, and the one-runtime contrast. */
#define _GNU_SOURCE 1 /* RTLD_NOLOAD */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <runtime.h>

#include "testutil.h"

/* The test plugins are copied into DIR (mode 0755, files 0644), so the
 * trust checks pass whatever the umask of the build was. */
static char dir[64];
static char libs[PATH_MAX];

static const char *const plugins[] = {
    "good",   "stay",       "private",  "privlinked", "abimajor",
    "abiminor", "nodesc",   "nonote",   "mismatch",   "unresolved",
    "initfail", "initexit", "badsig",   "reenter",    "initsilent",
    "nolink",   "privexport", "bigbss",   "bigtls",
};

/* ---- helpers ---- */

static const char *at(const char *name)
{
  static char buf[4][PATH_MAX];
  static int i;
  char *p = buf[i++ % 4];
  snprintf(p, PATH_MAX, "%s/%s", dir, name);
  return p;
}

static const char *so(const char *name)
{
  static char buf[4][PATH_MAX];
  static int i;
  char *p = buf[i++ % 4];
  snprintf(p, PATH_MAX, "%s/%s.so", dir, name);
  return p;
}

static void write_file(const char *path, const void *data, size_t n,
                       mode_t mode)
{
  unlink(path);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, data, n), (ssize_t)n);
  assert_int_equal(fchmod(fd, mode), 0);
  close(fd);
}

/* The bytes of test plugin NAME as built. */
static unsigned char *plugin_bytes(const char *name, size_t *n)
{
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s.so", libs, name);
  rt_buf b = RT_BUF_INIT;
  assert_int_equal(rt_file_read_all(path, &b), 0);
  *n = b.len;
  return (unsigned char *)rt_buf_detach(&b);
}

/* Copy plugin NAME to DIR/AS, with MODE. */
static void install_as(const char *name, const char *as, mode_t mode)
{
  size_t n;
  unsigned char *p = plugin_bytes(name, &n);
  write_file(at(as), p, n, mode);
  rt_free(p);
}

static bool mapped(const char *path)
{
  char real[PATH_MAX];
  if (realpath(path, real) == NULL)
    return false;
  void *h = dlopen(real, RTLD_NOW | RTLD_NOLOAD);
  if (h)
    dlclose(h);
  rt_buf maps = RT_BUF_INIT;
  assert_int_equal(rt_file_read_all("/proc/self/maps", &maps), 0);
  bool in_maps = strstr(maps.data, real) != NULL;
  rt_buf_free(&maps);
  return h != NULL || in_maps;
}

/*
 * Open PATH with FLAGS and expect CODE with a message containing each of
 * the NULL-terminated strings; then: nothing mapped, nothing registered,
 * and a second attempt fails the same way.
 */
static void expect_refused(const char *path, unsigned flags, int code, ...)
{
  size_t before = rt_module_count();
  rt_module *m = (rt_module *)1;
  int rc = rt_module_open(path, flags, &m);
  char msg[1024];
  snprintf(msg, sizeof msg, "%s", rt_last_error());
  if (rc != code)
    fail_msg("%s: got %s (%s), expected %s", path, rt_err_name(rc), msg,
             rt_err_name(code));
  assert_null(m);
  va_list ap;
  va_start(ap, code);
  for (const char *s; (s = va_arg(ap, const char *));)
    if (strstr(msg, s) == NULL)
      fail_msg("message '%s' lacks '%s'", msg, s);
  va_end(ap);
  assert_false(mapped(path));
  assert_int_equal(rt_module_count(), before);
  assert_int_equal(rt_module_open(path, flags, &m), code);
  assert_string_equal(rt_last_error(), msg);
}

static int setup_dir(void **state)
{
  (void)state;
  const char *top = getenv("top_builddir");
  snprintf(libs, sizeof libs, "%s/tests/plugins/.libs", top ? top : ".");
  snprintf(dir, sizeof dir, "/tmp/rtmodXXXXXX");
  if (mkdtemp(dir) == NULL || chmod(dir, 0755) < 0)
    return -1;
  for (size_t i = 0; i < sizeof plugins / sizeof plugins[0]; i++) {
    char name[64];
    snprintf(name, sizeof name, "%s.so", plugins[i]);
    install_as(plugins[i], name, 0644);
  }
  return 0;
}

static int remove_dir(void **state)
{
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static int32_t call_i32(rt_module *m, const char *fn, rt_value *args,
                        size_t n)
{
  rt_value ret = RT_VALUE_INIT;
  assert_int_equal(rt_module_call(m, fn, args, n, &ret), 0);
  assert_int_equal(ret.kind, RT_TYPE_I32);
  return ret.v.i32;
}

static rt_value str_arg(const char *s)
{
  rt_value v = RT_VALUE_INIT;
  v.kind = RT_TYPE_STR;
  v.v.str = s;
  return v;
}

/* ---- a good plugin ---- */

static void test_good_plugin_loads(void **state)
{
  (void)state;
  rt_setenv("RT_TEST_GOOD_INIT", NULL);
  rt_module *m;
  assert_int_equal(rt_module_open(so("good"), 0, &m), 0);
  assert_string_equal(rt_module_name(m), "good");
  assert_string_equal(rt_module_version(m), "1.2.3");
  assert_string_equal(rt_module_description(m),
                      "A plugin that does everything right");
  assert_non_null(strstr(rt_module_path(m), "/good.so"));
  assert_string_equal(rt_getenv("RT_TEST_GOOD_INIT"), "1");
  assert_int_equal(rt_module_nexports(m), 5);
  const char *name, *sig, *doc;
  assert_int_equal(rt_module_export(m, 0, &name, &sig, &doc), 0);
  assert_string_equal(name, "add");
  assert_string_equal(sig, "(i32, i32) -> i32");
  assert_string_equal(doc, "sum of two integers");
  assert_int_equal(rt_module_export(m, 5, &name, NULL, NULL), RT_ERANGE);

  const rt_fn *fn;
  assert_int_equal(rt_module_fn(m, "add", &fn), 0);
  rt_value args[2] = {{RT_TYPE_I32, 0, {.i32 = 40}},
                      {RT_TYPE_I32, 0, {.i32 = 2}}};
  rt_value ret = RT_VALUE_INIT;
  assert_int_equal(rt_call(fn, args, 2, &ret), 0);
  assert_int_equal(ret.v.i32, 42);
  assert_int_equal(call_i32(m, "add", args, 2), 42);
  assert_true(mapped(so("good")));
  assert_int_equal(rt_module_close(m), 0);
  assert_false(mapped(so("good")));
}

static void test_unknown_function(void **state)
{
  (void)state;
  rt_module *m;
  const rt_fn *fn = (const rt_fn *)1;
  assert_int_equal(rt_module_open(so("good"), 0, &m), 0);
  assert_int_equal(rt_module_fn(m, "sub", &fn), RT_ENOTFOUND);
  assert_null(fn);
  assert_non_null(strstr(rt_last_error(), "plugin 'good' has no function "
                                          "'sub'; it exports: add, shout"));
  assert_int_equal(rt_module_close(m), 0);
}

/* The seed's argument, first half: memory the plugin allocates is the
 * process heap's, and the host frees it. */
static void test_good_memory_is_the_process_heap(void **state)
{
  (void)state;
  rt_module *m;
  assert_int_equal(rt_module_open(so("good"), 0, &m), 0);
  void *mine = rt_alloc(8);
  bool owned = rt_heap_owns(mine);
  rt_value arg = str_arg("quiet please"), ret = RT_VALUE_INIT;
  assert_int_equal(rt_module_call(m, "shout", &arg, 1, &ret), 0);
  assert_string_equal(ret.v.owned_str, "QUIET PLEASE");
  assert_int_equal(rt_heap_owns(ret.v.owned_str), owned);
  rt_value_clear(&ret); /* rt_free, in the host */

  struct rt_heap_stats before, after;
  rt_value n = {RT_TYPE_SIZE, 0, {.size = 64}};
  assert_int_equal(rt_heap_stats(&before), 0);
  assert_int_equal(rt_module_call(m, "grab", &n, 1, &ret), 0);
  assert_int_equal(rt_heap_stats(&after), 0);
  /* The plugin's rt_alloc was counted by the host's heap. */
  assert_int_equal(after.total_allocs, before.total_allocs + 1);
  assert_int_equal(after.live_blocks, before.live_blocks + 1);
  assert_int_equal(rt_heap_owns(ret.v.ptr), owned);
  rt_free(ret.v.ptr);
  assert_int_equal(rt_heap_stats(&after), 0);
  assert_int_equal(after.live_blocks, before.live_blocks);
  rt_free(mine);
  assert_int_equal(rt_module_close(m), 0);
}

/* Run FN with fd 1 sent to a file; return what was written to it. */
static char *capture_stdout(void (*fn)(rt_module *), rt_module *m)
{
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/stdout.txt", dir);
  assert_int_equal(rt_flush(rt_stdout()), 0);
  int saved = dup(1);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true(saved >= 0 && fd >= 0);
  dup2(fd, 1);
  close(fd);
  fn(m);
  assert_int_equal(rt_flush(rt_stdout()), 0);
  dup2(saved, 1);
  close(saved);
  rt_buf out = RT_BUF_INIT;
  assert_int_equal(rt_file_read_all(path, &out), 0);
  unlink(path);
  return rt_buf_detach(&out);
}

static void say(rt_module *m, const char *text)
{
  rt_value arg = str_arg(text);
  assert_true(call_i32(m, "say", &arg, 1) >= 0);
}

static void host_and_plugin_write(rt_module *m)
{
  rt_puts(rt_stdout(), "host 1\n");
  say(m, "plugin 2\n");
  rt_puts(rt_stdout(), "host 3\n");
  say(m, "plugin 4\n");
}

static void test_good_output_interleaves(void **state)
{
  (void)state;
  rt_module *m;
  assert_int_equal(rt_module_open(so("good"), 0, &m), 0);
  char *out = capture_stdout(host_and_plugin_write, m);
  assert_string_equal(out, "host 1\nplugin 2\nhost 3\nplugin 4\n");
  rt_free(out);
  assert_int_equal(rt_module_close(m), 0);
}

/* ---- references, registry, unloading ---- */

static void test_same_file_twice_is_one_module(void **state)
{
  (void)state;
  rt_setenv("RT_TEST_GOOD_FINI", NULL);
  size_t before = rt_module_count();
  rt_module *a, *b, *c, *f;
  assert_int_equal(rt_module_open(so("good"), 0, &a), 0);
  unlink(at("alias.so"));
  assert_int_equal(symlink(so("good"), at("alias.so")), 0);
  assert_int_equal(rt_module_open(at("alias.so"), 0, &b), 0);
  assert_int_equal(rt_module_load(so("good"), &c), 0);
  assert_ptr_equal(a, b);
  assert_ptr_equal(a, c);
  assert_int_equal(rt_module_count(), before + 1);
  assert_int_equal(rt_module_find("good", &f), 0);
  assert_ptr_equal(f, a);
  assert_int_equal(rt_module_close(f), 0);
  assert_int_equal(rt_module_close(a), 0);
  assert_int_equal(rt_module_close(b), 0);
  assert_true(mapped(so("good")));
  assert_null(rt_getenv("RT_TEST_GOOD_FINI"));
  assert_int_equal(rt_module_close(c), 0); /* the last: unload-safe */
  assert_string_equal(rt_getenv("RT_TEST_GOOD_FINI"), "1");
  assert_false(mapped(so("good")));
  assert_int_equal(rt_module_count(), before);
  assert_int_equal(rt_module_find("good", &f), RT_ENOTFOUND);
  assert_null(f);
  unlink(at("alias.so"));
}

static void test_resident_by_default(void **state)
{
  (void)state;
  rt_module *m, *again;
  assert_int_equal(rt_module_open(so("stay"), 0, &m), 0);
  assert_int_equal(rt_module_close(m), 0);
  assert_true(mapped(so("stay")));
  assert_int_equal(rt_module_find("stay", &again), 0);
  assert_ptr_equal(again, m);
  rt_value x = {RT_TYPE_I32, 0, {.i32 = 21}};
  assert_int_equal(call_i32(again, "twice", &x, 1), 42);
  assert_int_equal(rt_module_close(again), 0);
}

struct spinner {
  rt_module *m;
  int flag[2]; /* [0] set by the test to release, [1] set by the plugin */
  int rc;
};

static void *spin_call(void *arg)
{
  struct spinner *s = arg;
  rt_value p = {RT_TYPE_PTR, 0, {.ptr = s->flag}}, ret = RT_VALUE_INIT;
  s->rc = rt_module_call(s->m, "spin", &p, 1, &ret);
  return NULL;
}

static void test_close_refused_while_call_in_flight(void **state)
{
  (void)state;
  struct spinner s = {NULL, {0, 0}, -1};
  assert_int_equal(rt_module_open(so("good"), 0, &s.m), 0);
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, spin_call, &s), 0);
  while (!__atomic_load_n(&s.flag[1], __ATOMIC_ACQUIRE))
    ;
  assert_int_equal(rt_module_close(s.m), RT_EBUSY);
  assert_non_null(strstr(rt_last_error(), "plugin 'good'"));
  assert_non_null(strstr(rt_last_error(), "cannot be unloaded while 1 "
                                          "call(s)"));
  assert_true(mapped(so("good")));
  __atomic_store_n(&s.flag[0], 1, __ATOMIC_RELEASE);
  pthread_join(t, NULL);
  assert_int_equal(s.rc, 0);
  assert_int_equal(rt_module_close(s.m), 0);
  assert_false(mapped(so("good")));
}

/* ---- refusals, in the order of the checks ---- */

static void test_missing_file(void **state)
{
  (void)state;
  expect_refused(so("nothere"), 0, RT_ENOENT, "no such file",
                 "nothere.so", NULL);
}

/* Out of file descriptors: the open fails with RT_EMFILE, says how to
 * fix it, leaves nothing loaded, and the same file loads once
 * descriptors are free again. */
static void test_out_of_descriptors(void **state)
{
  (void)state;
  struct rlimit old, low;
  assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
  low = old;
  low.rlim_cur = 64;
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
  int fds[64], n = 0, fd;
  while (n < 64 && (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
    fds[n++] = fd;
  int full = errno;
  size_t before = rt_module_count();
  rt_module *m = NULL;
  int rc = rt_module_open(so("good"), 0, &m);
  char msg[512];
  snprintf(msg, sizeof msg, "%s", rt_last_error());
  /* Every descriptor back before asserting (a failed assertion must not
   * leave the rest of the suite without any). */
  while (n > 0)
    close(fds[--n]);
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
  assert_int_equal(full, EMFILE);
  assert_int_equal(rc, RT_EMFILE);
  assert_null(m);
  assert_non_null(strstr(msg, "good.so"));
  assert_non_null(strstr(msg, "Too many open files"));
  assert_non_null(strstr(msg, "ulimit -n"));
  assert_int_equal(rt_module_count(), before);
  assert_false(mapped(so("good")));
  assert_int_equal(rt_module_open(so("good"), 0, &m), 0);
  assert_int_equal(rt_module_close(m), 0);
}

/* A plugin on a file system mounted noexec cannot have its code mapped;
 * the loader says so before dlopen (whose words for it, "failed to map
 * segment", are also its words for running out of memory).  Needs a
 * tmpfs mount: skipped where mounting is not allowed. */
static void test_noexec_mount(void **state)
{
  (void)state;
  char mnt[PATH_MAX];
  snprintf(mnt, sizeof mnt, "%s", at("noexec")); /* at()'s buffer is reused */
  mkdir(mnt, 0755);
  if (mount("tmpfs", mnt, "tmpfs", MS_NOEXEC | MS_NOSUID | MS_NODEV,
            "mode=755") != 0) {
    rmdir(mnt);
    SKIP_UNLESS(false, "cannot mount a tmpfs (not root, or in a container "
                       "without CAP_SYS_ADMIN)");
  }
  install_as("good", "noexec/good.so", 0644);
  size_t before = rt_module_count();
  rt_module *m = NULL;
  int rc = rt_module_open(at("noexec/good.so"), 0, &m);
  char msg[512];
  snprintf(msg, sizeof msg, "%s", rt_last_error());
  bool in_maps = mapped(at("noexec/good.so"));
  rt_manifest *mf = NULL;
  int mrc = rt_manifest_read(at("noexec/good.so"), 0, &mf);
  rt_manifest_free(mf);
  if (rc == 0)
    (void)rt_module_close(m);
  unlink(at("noexec/good.so"));
  assert_int_equal(umount(mnt), 0);
  rmdir(mnt);
  assert_int_equal(rc, RT_EACCES);
  assert_non_null(strstr(msg, "noexec/good.so' is on a file system mounted "
                              "noexec"));
  assert_non_null(strstr(msg, "remount this one without noexec"));
  assert_false(in_maps);
  assert_int_equal(rt_module_count(), before);
  assert_int_equal(mrc, RT_EACCES); /* list and info say so too */
}

static void test_directory_named_so(void **state)
{
  (void)state;
  mkdir(at("dir.so"), 0755);
  expect_refused(at("dir.so"), 0, RT_EISDIR, "dir.so' is a directory",
                 NULL);
  rmdir(at("dir.so"));
}

static void test_symlink_loop(void **state)
{
  (void)state;
  unlink(at("loop.so"));
  assert_int_equal(symlink("loop.so", at("loop.so")), 0);
  expect_refused(at("loop.so"), 0, RT_ELOOP, "loop.so' is a symbolic link "
                 "loop", NULL);
  unlink(at("loop.so"));
}

static void test_world_writable_file(void **state)
{
  (void)state;
  install_as("good", "ww.so", 0666);
  expect_refused(at("ww.so"), 0, RT_EUNTRUSTED, "ww.so' is world-writable "
                 "(mode 0666)", "chmod o-w", NULL);
  install_as("good", "gw.so", 0664);
  expect_refused(at("gw.so"), 0, RT_EUNTRUSTED, "gw.so' is group-writable",
                 NULL);
  rt_module *m;
  assert_int_equal(rt_module_open(at("ww.so"), RT_MODULE_TRUST_ANY, &m), 0);
  assert_int_equal(rt_module_close(m), 0);
  unlink(at("ww.so"));
  unlink(at("gw.so"));
}

static void test_world_writable_directories(void **state)
{
  (void)state;
  mkdir(at("wwdir"), 0755);
  chmod(at("wwdir"), 0777);
  install_as("good", "wwdir/good.so", 0644);
  expect_refused(at("wwdir/good.so"), 0, RT_EUNTRUSTED, "directory",
                 "wwdir' is world-writable", NULL);
  /* An ancestor may be world-writable only with the sticky bit. */
  mkdir(at("wwdir/sub"), 0755);
  install_as("good", "wwdir/sub/good.so", 0644);
  expect_refused(at("wwdir/sub/good.so"), 0, RT_EUNTRUSTED, "wwdir' above",
                 "without the sticky bit", NULL);
  chmod(at("wwdir"), 01777);
  rt_module *m;
  assert_int_equal(rt_module_open(at("wwdir/sub/good.so"), 0, &m), 0);
  assert_int_equal(rt_module_close(m), 0);
  unlink(at("wwdir/sub/good.so"));
  unlink(at("wwdir/good.so"));
  rmdir(at("wwdir/sub"));
  rmdir(at("wwdir"));
}

/* The dynamic loader's failures that are not the plugin's fault or are
 * not memory, told apart.  A plugin it cannot map for want of address
 * space (a gibibyte of zeroes under a limit) is RT_ENOMEM, "out of
 * memory"; it was a refusal (RT_EDLOPEN) advising missing libraries. */
static void test_loader_out_of_memory(void **state)
{
  (void)state;
  SKIP_UNDER_MAPPING_TOOLS();
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    /* Room for the plugin's code, not for its gibibyte. */
    int capped = cap_address_space((size_t)256 << 20);
    if (capped != 0)
      _exit(capped < 0 ? 11 : 12); /* 12: the limit does not hold */
    rt_module *m = (rt_module *)1;
    int rc = rt_module_open(so("bigbss"), 0, &m);
    if (rc != RT_ENOMEM || m != NULL) {
      fprintf(stderr, "rt_module_open: %s: %s\n", rt_err_name(rc),
              rt_last_error());
      _exit(1);
    }
    if (!strstr(rt_last_error(), "out of memory") ||
        !strstr(rt_last_error(), "bigbss"))
      _exit(2);
    _exit(0);
  }
  int st;
  CAPPED_CHILD_STATUS(pid, st);
  if (st != 0)
    fail_msg("child exit %d (1: not RT_ENOMEM, 2: message, 11-12: set-up)",
             st);
}

/* "cannot allocate memory in static TLS block" is the plugin's own
 * initial-exec TLS, more than the process keeps for dlopen(): a refusal
 * saying how to build it, not a shortage of memory. */
static void test_static_tls_refused(void **state)
{
  (void)state;
  expect_refused(so("bigtls"), 0, RT_EDLOPEN, "static TLS block",
                 "build it without -ftls-model=initial-exec", NULL);
}

static void test_foreign_owner(void **state)
{
  (void)state;
  SKIP_UNLESS(geteuid() == 0, "giving a file to another user needs root");
  install_as("good", "owned.so", 0644);
  assert_int_equal(chown(at("owned.so"), 4242, 4242), 0);
  expect_refused(at("owned.so"), 0, RT_EUNTRUSTED, "owned by uid 4242",
                 NULL);
  unlink(at("owned.so"));
}

static void test_not_elf(void **state)
{
  (void)state;
  write_file(at("text.so"), "#!/bin/sh\necho hi\n", 18, 0644);
  expect_refused(at("text.so"), 0, RT_EELF, "text.so' is not an ELF file",
                 NULL);
  write_file(at("empty.so"), "", 0, 0644);
  expect_refused(at("empty.so"), 0, RT_EELF, "empty.so' is empty", NULL);
}

static void test_truncated(void **state)
{
  (void)state;
  size_t n;
  unsigned char *p = plugin_bytes("good", &n);
  write_file(at("trunc.so"), p, n / 2, 0644);
  expect_refused(at("trunc.so"), 0, RT_EELF, "trunc.so' is truncated",
                 NULL);
  write_file(at("trunc.so"), p, 40, 0644);
  expect_refused(at("trunc.so"), 0, RT_EELF, "shorter than an ELF header",
                 NULL);
  rt_free(p);
  unlink(at("trunc.so"));
}

/* Write a copy of good.so with the 16-bit field at OFF set to V. */
static void patched_u16(const char *as, size_t off, uint16_t v)
{
  size_t n;
  unsigned char *p = plugin_bytes("good", &n);
  memcpy(p + off, &v, sizeof v);
  write_file(at(as), p, n, 0644);
  rt_free(p);
}

static void test_wrong_machine(void **state)
{
  (void)state;
  uint16_t other = EM_AARCH64;
#ifdef __aarch64__
  other = EM_X86_64;
#endif
  patched_u16("arm.so", offsetof(Elf64_Ehdr, e_machine), other);
  expect_refused(at("arm.so"), 0, RT_EELF, "arm.so' was built for",
                 "rebuild the plugin for this machine", NULL);
  unlink(at("arm.so"));
}

static void test_relocatable_object(void **state)
{
  (void)state;
  patched_u16("rel.so", offsetof(Elf64_Ehdr, e_type), ET_REL);
  expect_refused(at("rel.so"), 0, RT_EELF, "rel.so' is a relocatable "
                 "object", "cc -shared", NULL);
  unlink(at("rel.so"));
}

/* Offset of good.so's manifest data (after the note header and owner). */
static size_t manifest_offset(const unsigned char *p, size_t n)
{
  static const unsigned char owner[] = "libruntime\0\0\x47\x50\x54\x52";
  for (size_t i = 0; i + sizeof owner - 1 <= n; i++)
    if (memcmp(p + i, owner, sizeof owner - 1) == 0)
      return i + 12;
  fail_msg("no manifest in good.so");
  return 0;
}

static void patched_manifest(const char *as, size_t field, uint32_t v)
{
  size_t n;
  unsigned char *p = plugin_bytes("good", &n);
  size_t off = manifest_offset(p, n);
  memcpy(p + off + field, &v, sizeof v);
  write_file(at(as), p, n, 0644);
  rt_free(p);
}

static void test_malformed_manifest(void **state)
{
  (void)state;
  patched_manifest("m1.so", offsetof(struct rt_plugin_note_header, name),
                   0x7fffffff);
  expect_refused(at("m1.so"), 0, RT_EMANIFEST, "m1.so' has a malformed "
                 "manifest: the plugin name at offset 2147483647 lies "
                 "outside the note", NULL);
  patched_manifest("m2.so", offsetof(struct rt_plugin_note_header,
                                     nexports), 100000);
  expect_refused(at("m2.so"), 0, RT_EMANIFEST, "export count 100000", NULL);
  patched_manifest("m3.so", offsetof(struct rt_plugin_note_header, magic),
                   0x12345678);
  expect_refused(at("m3.so"), 0, RT_EMANIFEST, "magic is 0x12345678", NULL);
  /* descsz, 20 bytes before the data: past the segment. */
  patched_manifest("m4.so", (size_t)-20, 0x10000);
  expect_refused(at("m4.so"), 0, RT_EMANIFEST, "malformed ELF note",
                 "runs past the segment", NULL);
  for (int i = 1; i <= 4; i++) {
    char name[16];
    snprintf(name, sizeof name, "m%d.so", i);
    unlink(at(name));
  }
}

/* Random corruption of the manifest area: every outcome is a clean status
 * (run under ASan, an out-of-bounds read would fail the test). */
static void test_manifest_fuzz(void **state)
{
  (void)state;
  size_t n;
  unsigned char *p = plugin_bytes("good", &n);
  size_t off = manifest_offset(p, n) - 24;
  unsigned char *copy = rt_alloc(n);
  unsigned seed = 12345;
  for (int round = 0; round < 3000; round++) {
    memcpy(copy, p, n);
    for (int k = 0; k < 1 + round % 4; k++) {
      seed = seed * 1103515245u + 12345u;
      copy[off + (seed >> 8) % 200] = (unsigned char)(seed >> 20);
    }
    rt_manifest *m = NULL;
    int rc = rt_manifest_parse(copy, n, "fuzz", &m);
    assert_true(rc == 0 || rc == RT_EMANIFEST || rc == RT_ESIG ||
                rc == RT_EELF);
    assert_true((rc == 0) == (m != NULL));
    rt_manifest_free(m);
  }
  rt_free(copy);
  rt_free(p);
}

static void test_bad_signature(void **state)
{
  (void)state;
  expect_refused(so("badsig"), 0, RT_ESIG, "plugin 'badsig'",
                 "export 'one' has a bad signature", NULL);
}

static void test_no_manifest(void **state)
{
  (void)state;
  expect_refused(so("nonote"), 0, RT_EMANIFEST, "nonote.so' has no "
                 "libruntime manifest note", "RT_PLUGIN", NULL);
}

static void test_wrong_abi(void **state)
{
  (void)state;
  char want[128];
  snprintf(want, sizeof want, "needs libruntime ABI %d.%d, this is %d.%d",
           RT_ABI_MAJOR, RT_ABI_MINOR + 1, RT_ABI_MAJOR, RT_ABI_MINOR);
  expect_refused(so("abiminor"), 0, RT_EABI, "plugin 'abiminor'", want,
                 "rebuild it against this libruntime", NULL);
  snprintf(want, sizeof want, "built for libruntime ABI %d.0",
           RT_ABI_MAJOR + 1);
  expect_refused(so("abimajor"), 0, RT_EABI, "plugin 'abimajor'", want,
                 "major versions must be equal", NULL);
}

static void test_unresolved_symbol(void **state)
{
  (void)state;
  expect_refused(so("unresolved"), 0, RT_EDLOPEN, "plugin 'unresolved'",
                 "undefined symbol: rt_test_no_such_function", NULL);
}

static void test_no_descriptor(void **state)
{
  (void)state;
  expect_refused(so("nodesc"), 0, RT_EDESCRIPTOR, "plugin 'nodesc'",
                 "no descriptor", NULL);
}

static void test_descriptor_mismatch(void **state)
{
  (void)state;
  expect_refused(so("mismatch"), 0, RT_EDESCRIPTOR, "plugin 'mismatch'",
                 "descriptor says version '1.0.1' but its manifest says "
                 "'1.0.0'", NULL);
}

static void test_init_fails(void **state)
{
  (void)state;
  expect_refused(so("initfail"), 0, RT_EINIT, "plugin 'initfail'",
                 "failed to initialise: configuration file "
                 "'initfail.conf' not found", NULL);
}

/* An init hook that calls exit() ends the process like any code the host
 * runs: nothing can stop it.  It happens only in the process that loads. */
static void test_init_exits(void **state)
{
  (void)state;
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    rt_module *m;
    _exit(rt_module_open(so("initexit"), 0, &m) == 0 ? 99 : 98);
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 7);
  assert_false(mapped(so("initexit")));
}

/* The seed's argument, second half: a plugin with its own runtime. */
static void test_private_runtime_refused(void **state)
{
  (void)state;
  expect_refused(so("private"), 0, RT_EDUPRUNTIME, "plugin 'private'",
                 "carries its own copy of libruntime", "-lruntime",
                 "DT_NEEDED", NULL);
  expect_refused(so("privlinked"), 0, RT_EDUPRUNTIME, "plugin 'private'",
                 "carries its own copy of libruntime",
                 "its runtime calls reach", NULL);
}

/* ---- checking, listing, static plugins, the search path ---- */

static void test_check_leaves_nothing(void **state)
{
  (void)state;
  size_t before = rt_module_count();
  rt_setenv("RT_TEST_GOOD_INIT", NULL);
  assert_int_equal(rt_module_check(so("good"), 0), 0);
  assert_null(rt_getenv("RT_TEST_GOOD_INIT"));
  assert_false(mapped(so("good")));
  assert_int_equal(rt_module_check(so("initfail"), 0), 0);
  assert_int_equal(rt_module_check(so("unresolved"), 0), RT_EDLOPEN);
  assert_int_equal(rt_module_check(so("private"), 0), RT_EDUPRUNTIME);
  assert_int_equal(rt_module_check(so("mismatch"), 0), RT_EDESCRIPTOR);
  assert_int_equal(rt_module_count(), before);
}

static void test_manifest_read(void **state)
{
  (void)state;
  rt_manifest *m;
  assert_int_equal(rt_manifest_read(so("good"), 0, &m), 0);
  assert_string_equal(m->name, "good");
  assert_string_equal(m->version, "1.2.3");
  assert_int_equal(m->abi_major, RT_ABI_MAJOR);
  assert_int_equal(m->nexports, 5);
  assert_string_equal(m->exports[1].name, "shout");
  assert_string_equal(m->exports[1].sig, "(str) -> str");
  assert_string_equal(m->exports[1].doc, "upper-cased copy, rt_free it");
  assert_string_equal(m->path, so("good"));
  rt_manifest_free(m);
  assert_false(mapped(so("good")));
  assert_int_equal(rt_manifest_read(so("nonote"), 0, &m), RT_EMANIFEST);
  assert_null(m);
  /* The ABI is reported, not checked. */
  assert_int_equal(rt_manifest_read(so("abiminor"), 0, &m), 0);
  assert_int_equal(m->abi_minor, RT_ABI_MINOR + 1);
  rt_manifest_free(m);
}

static const rt_manifest_entry *entry(const rt_manifest_list *l,
                                      const char *file)
{
  for (size_t i = 0; i < l->count; i++)
    if (strcmp(l->entries[i].path, so(file)) == 0)
      return &l->entries[i];
  fail_msg("%s not listed", file);
  return NULL;
}

static void test_scan(void **state)
{
  (void)state;
  write_file(at("text.so"), "not elf", 7, 0644);
  write_file(at("README"), "not a plugin", 12, 0644);
  size_t before = rt_module_count();
  rt_manifest_list *l;
  assert_int_equal(rt_module_scan(dir, 0, &l), 0);
  for (size_t i = 1; i < l->count; i++)
    assert_true(strcmp(l->entries[i - 1].path, l->entries[i].path) < 0);
  const rt_manifest_entry *e = entry(l, "good");
  assert_int_equal(e->status, 0);
  assert_null(e->reason);
  assert_string_equal(e->manifest->name, "good");
  assert_string_equal(e->manifest->exports[0].sig, "(i32, i32) -> i32");
  e = entry(l, "text");
  assert_int_equal(e->status, RT_EELF);
  assert_non_null(strstr(e->reason, "not an ELF file"));
  assert_null(e->manifest);
  e = entry(l, "abiminor");
  assert_int_equal(e->status, RT_EABI);
  assert_non_null(e->manifest);
  assert_int_equal(entry(l, "nonote")->status, RT_EMANIFEST);
  assert_int_equal(entry(l, "unresolved")->status, 0); /* needs dlopen */
  for (size_t i = 0; i < l->count; i++)
    assert_false(rt_str_has_suffix(l->entries[i].path, "README"));
  rt_manifest_list_free(l);
  assert_int_equal(rt_module_count(), before);
  assert_false(mapped(so("good")));
  assert_int_equal(rt_module_scan(at("nodir"), 0, &l), RT_ENOENT);
  assert_null(l);
  unlink(at("text.so"));
  unlink(at("README"));
}

/* ---- the loader's shortcuts keep every check ---- */

/* Copy bench.so to PATH with its 12-character name patched to NAME, padded
 * with zeros to at least PAD bytes (trailing bytes change nothing for the
 * dynamic loader, but a file over 64 KiB is not read whole). */
static void install_bench(const char *path, const char *name, size_t pad)
{
  size_t n;
  unsigned char *p = plugin_bytes("bench", &n);
  for (unsigned char *q = p; (q = memmem(q, n - (size_t)(q - p),
                                         "rtbench00000", 12)); q += 12)
    memcpy(q, name, 12);
  unsigned char *big = rt_calloc(1, n > pad ? n : pad);
  assert_non_null(big);
  memcpy(big, p, n);
  write_file(path, big, n > pad ? n : pad, 0644);
  rt_free(big);
  rt_free(p);
}

static void make_subdir(const char *name, mode_t mode)
{
  assert_int_equal(mkdir(at(name), mode), 0);
  assert_int_equal(chmod(at(name), mode), 0);
}

/* More plugins than the registry's first index holds: every one found by
 * name and by file, closes and reopens in between. */
static void test_many_plugins(void **state)
{
  (void)state;
  enum { N = 150 };
  static rt_module *mods[N];
  char path[PATH_MAX], name[16];
  size_t before = rt_module_count();
  make_subdir("many", 0755);
  for (int i = 0; i < N; i++) {
    snprintf(name, sizeof name, "rtbench%05d", i);
    snprintf(path, sizeof path, "%s/many/%s.so", dir, name);
    install_bench(path, name, 0);
    assert_int_equal(rt_module_open(path, 0, &mods[i]), 0);
  }
  assert_int_equal(rt_module_count(), before + N);
  for (int i = 0; i < N; i += 2) /* bench is unload-safe */
    assert_int_equal(rt_module_close(mods[i]), 0);
  assert_int_equal(rt_module_count(), before + N / 2);
  for (int i = 0; i < N; i++) {
    rt_module *m;
    snprintf(name, sizeof name, "rtbench%05d", i);
    snprintf(path, sizeof path, "%s/many/%s.so", dir, name);
    int rc = rt_module_find(name, &m);
    if (i % 2 == 0) {
      assert_int_equal(rc, RT_ENOTFOUND);
      assert_int_equal(rt_module_open(path, 0, &mods[i]), 0);
      assert_string_equal(rt_module_name(mods[i]), name);
      continue;
    }
    assert_int_equal(rc, 0);
    assert_ptr_equal(m, mods[i]);
    assert_string_equal(rt_module_path(m), path);
    rt_module *again;
    assert_int_equal(rt_module_open(path, 0, &again), 0);
    assert_ptr_equal(again, m);
    assert_int_equal(rt_module_close(again), 0);
    assert_int_equal(rt_module_close(m), 0);
  }
  assert_int_equal(rt_module_count(), before + N);
  for (int i = 0; i < N; i++)
    assert_int_equal(rt_module_close(mods[i]), 0);
  assert_int_equal(rt_module_count(), before);
  snprintf(path, sizeof path, "rm -rf '%s'", at("many"));
  assert_int_equal(system(path), 0);
}

static void open_expect_path(const char *path, const char *want)
{
  rt_module *m;
  if (rt_module_open(path, 0, &m) < 0)
    fail_msg("%s: %s", path, rt_last_error());
  assert_string_equal(rt_module_path(m), want);
  assert_int_equal(rt_module_close(m), 0);
}

/* The resolved path is guessed, without readlink, for a directory seen
 * before: a final symlink, a renamed directory and trust changes must
 * still be seen. */
static void test_resolved_path_shortcut(void **state)
{
  (void)state;
  char p[PATH_MAX], p2[PATH_MAX], moved[PATH_MAX];
  make_subdir("g1", 0755);
  snprintf(p, sizeof p, "%s/g1/p.so", dir);
  snprintf(p2, sizeof p2, "%s/g1/p2.so", dir);
  install_bench(p, "rtbenchgues1", 0);
  install_bench(p2, "rtbenchgues2", 0);
  open_expect_path(p, p);
  open_expect_path(p, p);
  /* a symlink as the last component: its target */
  assert_int_equal(symlink("p2.so", at("g1/link.so")), 0);
  open_expect_path(at("g1/link.so"), p2);
  open_expect_path(p, p);
  /* the directory renamed, a symlink in its place: the real path */
  assert_int_equal(rename(at("g1"), at("g2")), 0);
  assert_int_equal(symlink("g2", at("g1")), 0);
  snprintf(moved, sizeof moved, "%s/g2/p.so", dir);
  open_expect_path(p, moved);
  open_expect_path(moved, moved);
  /* trust is checked every time */
  assert_int_equal(chmod(at("g2"), 0775), 0);
  expect_refused(moved, 0, RT_EUNTRUSTED, "group-writable", NULL);
  assert_int_equal(chmod(at("g2"), 0755), 0);
  open_expect_path(moved, moved);
  assert_int_equal(chmod(moved, 0664), 0);
  expect_refused(moved, 0, RT_EUNTRUSTED, "plugin file", "group-writable",
                 NULL);
  assert_int_equal(chmod(moved, 0644), 0);
  open_expect_path(moved, moved);
  snprintf(p, sizeof p, "rm -rf '%s' '%s'", at("g1"), at("g2"));
  assert_int_equal(system(p), 0);
}

/* A scanned directory's entries are opened relative to it without
 * following symlinks; a symlinked entry is still checked where it
 * really lives. */
static void test_scan_symlinked_entry(void **state)
{
  (void)state;
  char p[PATH_MAX];
  make_subdir("s", 0755);
  make_subdir("ww", 0777); /* world-writable, no sticky bit */
  make_subdir("ok", 0755);
  snprintf(p, sizeof p, "%s/ww/p.so", dir);
  install_bench(p, "rtbenchscan1", 0);
  snprintf(p, sizeof p, "%s/ok/p.so", dir);
  install_bench(p, "rtbenchscan2", 0);
  snprintf(p, sizeof p, "%s/s/plain.so", dir);
  install_bench(p, "rtbenchscan3", 0);
  assert_int_equal(symlink("../ww/p.so", at("s/bad.so")), 0);
  assert_int_equal(symlink("../ok/p.so", at("s/good.so")), 0);
  rt_manifest_list *l;
  assert_int_equal(rt_module_scan(at("s"), 0, &l), 0);
  assert_int_equal(l->count, 3); /* sorted: bad, good, plain */
  const rt_manifest_entry *e = &l->entries[0];
  assert_string_equal(e->path, at("s/bad.so"));
  assert_int_equal(e->status, RT_EUNTRUSTED);
  assert_non_null(strstr(e->reason, "/ww' is world-writable"));
  e = &l->entries[1];
  assert_int_equal(e->status, 0);
  assert_string_equal(e->manifest->name, "rtbenchscan2");
  e = &l->entries[2];
  assert_int_equal(e->status, 0);
  assert_string_equal(e->manifest->name, "rtbenchscan3");
  rt_manifest_list_free(l);
  snprintf(p, sizeof p, "rm -rf '%s' '%s' '%s'", at("s"), at("ww"),
           at("ok"));
  assert_int_equal(system(p), 0);
}

/* A file too large to be read whole takes the other path: its descriptor
 * is compared in memory, its dynamic section read apart. */
static void test_large_plugin_file(void **state)
{
  (void)state;
  rt_module *m;
  install_bench(at("big.so"), "rtbenchbig01", 100000);
  assert_int_equal(rt_module_open(at("big.so"), 0, &m), 0);
  assert_string_equal(rt_module_name(m), "rtbenchbig01");
  rt_value args[2] = {{RT_TYPE_I32, 0, {.i32 = 40}},
                      {RT_TYPE_I32, 0, {.i32 = 2}}};
  assert_int_equal(call_i32(m, "add", args, 2), 42);
  assert_int_equal(rt_module_close(m), 0);
  assert_false(mapped(at("big.so")));
  size_t n;
  unsigned char *p = plugin_bytes("mismatch", &n);
  unsigned char *big = rt_calloc(1, 100000);
  assert_non_null(big);
  memcpy(big, p, n);
  write_file(at("bigmis.so"), big, 100000, 0644);
  rt_free(big);
  rt_free(p);
  expect_refused(at("bigmis.so"), 0, RT_EDESCRIPTOR, "plugin 'mismatch'",
                 "descriptor says version '1.0.1' but its manifest says "
                 "'1.0.0'", NULL);
  unlink(at("big.so"));
  unlink(at("bigmis.so"));
}

static int32_t sq(int32_t x) { return x * x; }
static int32_t neg(int32_t x) { return -x; }
RT_PLUGIN_STATIC(builtin_plugin, "builtin", "2.0", "Linked in",
                 RT_EXPORT(sq, "(i32) -> i32", "square"));
RT_PLUGIN_STATIC(bad_static, "badstatic", "2.0", "Bad signature",
                 RT_EXPORT(neg, "(i32 -> i32", "negate"));

static void test_static_registration(void **state)
{
  (void)state;
  assert_int_equal(rt_module_register_static(&builtin_plugin), 0);
  assert_int_equal(rt_module_register_static(&builtin_plugin), 0);
  rt_module *m;
  assert_int_equal(rt_module_find("builtin", &m), 0);
  assert_string_equal(rt_module_path(m), "(static)");
  rt_value x = {RT_TYPE_I32, 0, {.i32 = 9}};
  assert_int_equal(call_i32(m, "sq", &x, 1), 81);
  assert_int_equal(rt_module_close(m), 0);
  assert_int_equal(rt_module_register_static(&bad_static), RT_ESIG);
  assert_int_equal(rt_module_find("badstatic", &m), RT_ENOTFOUND);
}

static int count_one(rt_module *m, void *ctx)
{
  (void)m;
  ++*(size_t *)ctx;
  return 0;
}

static void test_foreach(void **state)
{
  (void)state;
  size_t n = 0;
  assert_int_equal(rt_module_foreach(count_one, &n), 0);
  assert_int_equal(n, rt_module_count());
  assert_true(n >= 2); /* stay, builtin */
}

static void test_search_path_order(void **state)
{
  (void)state;
  mkdir(at("p1"), 0755);
  mkdir(at("p2"), 0755);
  mkdir(at("p3"), 0755);
  /* p1 (added) has a broken good.so, p2 (RT_PLUGIN_PATH) the real one. */
  write_file(at("p1/good.so"), "junk", 4, 0644);
  install_as("good", "p2/good.so", 0644);
  install_as("good", "p3/good.so", 0644);
  rt_module_path_clear();
  assert_int_equal(rt_module_path_add(at("p1")), 0);
  char env[2 * PATH_MAX];
  snprintf(env, sizeof env, "%s::%s", at("p2"), at("p3"));
  assert_int_equal(rt_setenv("RT_PLUGIN_PATH", env), 0);
  /* The first file found decides: p1's refusal, p2 and p3 not tried. */
  rt_module *m = (rt_module *)1;
  assert_int_equal(rt_module_load("good", &m), RT_EELF);
  assert_null(m);
  const char *msg = rt_last_error();
  assert_non_null(strstr(msg, "p1/good.so' is not an ELF file"));
  assert_non_null(strstr(msg, "not tried: "));
  assert_non_null(strstr(msg, "p2/good.so'"));
  assert_non_null(strstr(msg, "p3/good.so'"));
  assert_false(mapped(at("p2/good.so")));
  /* Skipping a refused candidate is asked for. */
  assert_int_equal(rt_module_load_flags("good", RT_MODULE_SKIP_REFUSED, &m),
                   0);
  assert_non_null(strstr(rt_module_path(m), "/p2/good.so"));
  assert_int_equal(rt_last_error_code(), 0);
  assert_int_equal(rt_module_close(m), 0);

  /* Added directories come before RT_PLUGIN_PATH. */
  install_as("good", "p1/good.so", 0644);
  assert_int_equal(rt_module_load("good", &m), 0);
  assert_non_null(strstr(rt_module_path(m), "/p1/good.so"));
  assert_int_equal(rt_module_close(m), 0);
  rt_module_path_clear();
  rt_setenv("RT_PLUGIN_PATH", NULL);
  for (int i = 1; i <= 3; i++) {
    char f[32];
    snprintf(f, sizeof f, "p%d/good.so", i);
    unlink(at(f));
    snprintf(f, sizeof f, "p%d", i);
    rmdir(at(f));
  }
}

static void test_search_error_chain(void **state)
{
  (void)state;
  mkdir(at("q1"), 0755);
  write_file(at("q1/initfail.so"), "junk", 4, 0644);
  rt_module_path_clear();
  assert_int_equal(rt_module_path_add(at("q1")), 0);
  assert_int_equal(rt_setenv("RT_PLUGIN_PATH", dir), 0);
  rt_module *m = (rt_module *)1;
  assert_int_equal(rt_module_load("nosuch", &m), RT_ENOTFOUND);
  assert_null(m);
  const char *msg = rt_last_error();
  assert_non_null(strstr(msg, "plugin 'nosuch' not found"));
  assert_non_null(strstr(msg, "q1/nosuch.so"));
  assert_non_null(strstr(msg, so("nosuch")));
  assert_non_null(strstr(msg, rt_module_plugindir()));
  /* Both candidates exist: the first one's refusal, the second untried. */
  assert_int_equal(rt_module_load("initfail", &m), RT_EELF);
  msg = rt_last_error();
  assert_non_null(strstr(msg, "plugin 'initfail' was refused"));
  assert_non_null(strstr(msg, "q1/initfail.so' is not an ELF file"));
  assert_null(strstr(msg, "failed to initialise"));
  assert_non_null(strstr(msg, "not tried: "));
  assert_non_null(strstr(msg, so("initfail")));
  /* Both tried when skipping is asked for: both refusals, the first code. */
  assert_int_equal(rt_module_load_flags("initfail", RT_MODULE_SKIP_REFUSED,
                                        &m), RT_EELF);
  msg = rt_last_error();
  assert_non_null(strstr(msg, "q1/initfail.so' is not an ELF file"));
  assert_non_null(strstr(msg, "failed to initialise"));
  rt_module_path_clear();
  rt_setenv("RT_PLUGIN_PATH", NULL);
  unlink(at("q1/initfail.so"));
  rmdir(at("q1"));
}


/* ---- issue 18: what users on other systems met ---- */

/* Where libc.so.6 is mapped from. */
static const char *libc_path(void)
{
  static char path[PATH_MAX];
  Dl_info info;
  assert_true(dladdr((void *)printf, &info) && info.dli_fname);
  assert_non_null(realpath(info.dli_fname, path));
  return path;
}

/* Notes in a segment aligned to 8 (.note.gnu.property, added by CET and
 * -z shstk) pad to 8: libc and rthost are not malformed, only not
 * plugins. */
static void test_foreign_notes_not_malformed(void **state)
{
  (void)state;
  const char *top = getenv("top_builddir");
  char rthost[PATH_MAX];
  /* libtool may leave a wrapper script at host/rthost */
  snprintf(rthost, sizeof rthost, "%s/host/.libs/rthost", top ? top : ".");
  if (access(rthost, X_OK) < 0)
    snprintf(rthost, sizeof rthost, "%s/host/rthost", top ? top : ".");
  const char *files[] = {libc_path(), rthost};
  for (size_t i = 0; i < 2; i++) {
    int rc = rt_module_check(files[i], RT_MODULE_TRUST_ANY);
    const char *msg = rt_last_error();
    if (rc != RT_EMANIFEST || strstr(msg, "malformed"))
      fail_msg("%s: %s (%s)", files[i], rt_err_name(rc), msg);
    assert_non_null(strstr(msg, "has no libruntime manifest note"));
    rt_buf b = RT_BUF_INIT;
    assert_int_equal(rt_file_read_all(files[i], &b), 0);
    rt_manifest *m = NULL;
    assert_int_equal(rt_manifest_parse(b.data, b.len, files[i], &m),
                     RT_EMANIFEST);
    assert_null(strstr(rt_last_error(), "malformed"));
    rt_buf_free(&b);
  }
}

/* The same note walk on a minimal ELF image whose manifest follows an
 * 8-aligned GNU property note in one PT_NOTE segment of alignment 8. */
static void test_note_alignment_8(void **state)
{
  (void)state;
  size_t n;
  unsigned char *p = plugin_bytes("good", &n);
  rt_manifest *good;
  assert_int_equal(rt_manifest_parse(p, n, "good", &good), 0);
  /* Find the manifest note and its segment, re-lay the segment as
   * [GNU property note, 4-byte name, 8-aligned] + [manifest note, 8
   * padded], aligned 8, at the end of a copy of the file. */
  ElfW(Ehdr) eh;
  memcpy(&eh, p, sizeof eh);
  size_t note_off = 0;
  unsigned idx = 0;
  for (unsigned i = 0; i < eh.e_phnum && note_off == 0; i++) {
    ElfW(Phdr) ph;
    memcpy(&ph, p + eh.e_phoff + i * sizeof ph, sizeof ph);
    const unsigned char *hit =
        ph.p_type == PT_NOTE ? memmem(p + ph.p_offset, ph.p_filesz,
                                      "libruntime", 11)
                             : NULL;
    if (hit) {
      note_off = (size_t)(hit - p) - 12;
      idx = i;
    }
  }
  assert_true(note_off > 0);
  uint32_t w[3];
  memcpy(w, p + note_off, sizeof w);
  size_t seg_len = 32 + 12 + 16 + ((w[1] + 7) & ~7u);
  unsigned char *q = rt_calloc(1, n + 8 + seg_len);
  assert_non_null(q);
  memcpy(q, p, n);
  size_t off = (n + 7) & ~(size_t)7;
  unsigned char *seg = q + off;
  uint32_t prop[3] = {4, 16, 5}; /* "GNU", 16 bytes, NT_GNU_PROPERTY_TYPE_0 */
  memcpy(seg, prop, 12);
  memcpy(seg + 12, "GNU", 4);
  memset(seg + 16, 0xee, 16); /* the property data, at 16: aligned to 8 */
  memcpy(seg + 32, w, 12);
  memcpy(seg + 44, "libruntime", 11); /* 11 bytes, pad to 56 = 8-aligned */
  memcpy(seg + 56, p + note_off + 12 + 12, w[1]); /* name padded to 12 */
  ElfW(Phdr) ph;
  memcpy(&ph, q + eh.e_phoff + idx * sizeof ph, sizeof ph);
  ph.p_offset = off;
  ph.p_filesz = seg_len;
  ph.p_align = 8;
  memcpy(q + eh.e_phoff + idx * sizeof ph, &ph, sizeof ph);
  rt_manifest *m = NULL;
  if (rt_manifest_parse(q, off + seg_len, "aligned8", &m) < 0)
    fail_msg("%s", rt_last_error());
  assert_string_equal(m->name, "good");
  assert_int_equal(m->nexports, good->nexports);
  rt_manifest_free(m);
  rt_manifest_free(good);
  rt_free(q);
  rt_free(p);
}

/* "a plugin named x lives in x.so": by name the file must hold it; by
 * path any file name is taken (the caller chose the file). */
static void test_name_must_match_file(void **state)
{
  (void)state;
  make_subdir("nm", 0755);
  install_bench(at("nm/other.so"), "rtbenchname1", 0);
  rt_module_path_clear();
  assert_int_equal(rt_module_path_add(at("nm")), 0);
  rt_module *m = (rt_module *)1;
  assert_int_equal(rt_module_load("other", &m), RT_EMANIFEST);
  assert_null(m);
  const char *msg = rt_last_error();
  assert_non_null(strstr(msg, "nm/other.so' holds plugin 'rtbenchname1', "
                              "but a plugin named 'other' must be in "
                              "other.so"));
  assert_int_equal(rt_module_count(), rt_module_count());
  assert_int_equal(rt_module_find("rtbenchname1", &m), RT_ENOTFOUND);
  assert_false(mapped(at("nm/other.so")));
  assert_int_equal(rt_module_load(at("nm/other.so"), &m), 0);
  assert_string_equal(rt_module_name(m), "rtbenchname1");
  assert_int_equal(rt_module_close(m), 0);
  rt_module_path_clear();
  unlink(at("nm/other.so"));
  rmdir(at("nm"));
}

/* A symlink in a world-writable directory to a trusted plugin: every way
 * of reaching it gives the same refusal, naming the link. */
static void test_symlink_trust_agrees(void **state)
{
  (void)state;
  char p[PATH_MAX];
  make_subdir("tw", 0777);
  make_subdir("tok", 0755);
  snprintf(p, sizeof p, "%s/tok/p.so", dir);
  install_bench(p, "rtbenchtrus1", 0);
  assert_int_equal(symlink("../tok/p.so", at("tw/link.so")), 0);
  const char *link = at("tw/link.so");
  char want[PATH_MAX];
  snprintf(want, sizeof want, "directory '%s/tw' is world-writable", dir);
  rt_manifest *mf = (rt_manifest *)1;
  assert_int_equal(rt_manifest_read(link, 0, &mf), RT_EUNTRUSTED);
  char first[1024];
  snprintf(first, sizeof first, "%s", rt_last_error());
  assert_non_null(strstr(first, want));
  assert_non_null(strstr(first, link));
  assert_int_equal(rt_module_check(link, 0), RT_EUNTRUSTED);
  assert_string_equal(rt_last_error(), first);
  expect_refused(link, 0, RT_EUNTRUSTED, want, NULL);
  assert_string_equal(rt_last_error(), first);
  rt_manifest_list *l;
  assert_int_equal(rt_module_scan(at("tw"), 0, &l), 0);
  assert_int_equal(l->count, 1);
  assert_int_equal(l->entries[0].status, RT_EUNTRUSTED);
  assert_string_equal(l->entries[0].reason, first);
  rt_manifest_list_free(l);
  /* The target itself, where it lives, is trusted. */
  assert_int_equal(rt_module_check(p, 0), 0);
  snprintf(p, sizeof p, "rm -rf '%s' '%s'", at("tw"), at("tok"));
  assert_int_equal(system(p), 0);
}

/* Three linking mistakes, three messages. */
static void test_runtime_linking_mistakes(void **state)
{
  (void)state;
  rt_setenv("RT_TEST_NOLINK_CTOR", NULL);
  expect_refused(so("nolink"), 0, RT_EDUPRUNTIME, "plugin 'nolink'",
                 "is not linked with libruntime", "-lruntime", NULL);
  assert_null(rt_getenv("RT_TEST_NOLINK_CTOR")); /* refused before dlopen */
  expect_refused(so("privexport"), 0, RT_EDUPRUNTIME, "plugin 'private'",
                 "carries its own copy of libruntime",
                 "it defines and exports rt_abi_version itself", NULL);
  assert_int_equal(rt_module_check(so("privexport"), 0), RT_EDUPRUNTIME);
}

/* An init hook that loads its own plugin fails with its own message;
 * one that loads another plugin works. */
static void test_init_reentry(void **state)
{
  (void)state;
  rt_setenv("RT_TEST_REENTER", so("reenter"));
  expect_refused(so("reenter"), 0, RT_EINIT, "plugin 'reenter'",
                 "is still initialising", NULL);
  rt_module_path_clear();
  assert_int_equal(rt_module_path_add(dir), 0);
  rt_setenv("RT_TEST_REENTER", "reenter");
  rt_module *m = (rt_module *)1;
  assert_int_equal(rt_module_load("reenter", &m), RT_EINIT);
  assert_non_null(strstr(rt_last_error(), "is still initialising"));
  rt_setenv("RT_TEST_REENTER", "good");
  rt_setenv("RT_TEST_REENTER_LOADED", NULL);
  assert_int_equal(rt_module_load("reenter", &m), 0);
  assert_string_equal(rt_getenv("RT_TEST_REENTER_LOADED"), "good");
  assert_int_equal(rt_module_close(m), 0);
  rt_module_path_clear();
  rt_setenv("RT_TEST_REENTER", NULL);
}

static void test_init_fails_silently(void **state)
{
  (void)state;
  expect_refused(so("initsilent"), 0, RT_EINIT,
                 "init hook of 'initsilent' failed (returned -1) without a "
                 "message", NULL);
}

static bool printable(const char *s)
{
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
      return false;
  return true;
}

/* A loaded plugin's file replaced by rename, then opened again. */
static void test_replaced_while_loaded(void **state)
{
  (void)state;
  rt_module *m, *again = (rt_module *)1;
  install_bench(at("rep.so"), "rtbenchrepl1", 0);
  assert_int_equal(rt_module_open(at("rep.so"), 0, &m), 0);
  install_bench(at("rep.new"), "rtbenchrepl2", 0);
  assert_int_equal(rename(at("rep.new"), at("rep.so")), 0);
  assert_int_equal(rt_module_open(at("rep.so"), 0, &again), RT_EEXIST);
  assert_null(again);
  const char *msg = rt_last_error();
  assert_true(printable(msg));
  assert_non_null(strstr(msg, "was replaced after plugin 'rtbenchrepl1' "
                              "was loaded from it"));
  assert_int_equal(rt_module_check(at("rep.so"), 0), RT_EEXIST);
  assert_int_equal(rt_module_close(m), 0);
  /* Once the old one is unloaded, the new file loads. */
  assert_int_equal(rt_module_open(at("rep.so"), 0, &m), 0);
  assert_string_equal(rt_module_name(m), "rtbenchrepl2");
  assert_int_equal(rt_module_close(m), 0);
  unlink(at("rep.so"));
}

/* Every rt_module_* that succeeds leaves no error behind. */
static void expect_clear(const char *what)
{
  if (rt_last_error_code() != 0 || rt_last_error()[0] != '\0')
    fail_msg("%s left: %s", what, rt_last_error());
  rt_set_error(RT_EIO, "a stale error");
}

static void test_success_leaves_no_error(void **state)
{
  (void)state;
  rt_module *m;
  rt_set_error(RT_EIO, "a stale error");
  assert_int_equal(rt_module_load("nosuch-plugin", &m), RT_ENOTFOUND);
  assert_int_equal(rt_module_load(so("good"), &m), 0);
  expect_clear("rt_module_load");
  assert_int_equal(rt_module_path_add(dir), 0);
  expect_clear("rt_module_path_add");
  rt_module *byname;
  assert_int_equal(rt_module_load("good", &byname), 0);
  expect_clear("rt_module_load by name");
  assert_int_equal(rt_module_close(byname), 0);
  expect_clear("rt_module_close");
  assert_int_equal(rt_module_find("good", &byname), 0);
  expect_clear("rt_module_find");
  assert_int_equal(rt_module_close(byname), 0);
  const rt_fn *fn;
  assert_int_equal(rt_module_fn(m, "add", &fn), 0);
  expect_clear("rt_module_fn");
  assert_int_equal(rt_module_export(m, 0, NULL, NULL, NULL), 0);
  expect_clear("rt_module_export");
  rt_value args[2] = {{RT_TYPE_I32, 0, {.i32 = 1}},
                      {RT_TYPE_I32, 0, {.i32 = 2}}};
  rt_value ret = RT_VALUE_INIT;
  assert_int_equal(rt_module_call(m, "add", args, 2, &ret), 0);
  expect_clear("rt_module_call");
  assert_int_equal(rt_module_check(so("good"), 0), 0);
  expect_clear("rt_module_check");
  rt_manifest *mf;
  assert_int_equal(rt_manifest_read(so("good"), 0, &mf), 0);
  expect_clear("rt_manifest_read");
  rt_manifest_free(mf);
  size_t n;
  unsigned char *p = plugin_bytes("good", &n);
  assert_int_equal(rt_manifest_parse(p, n, "good", &mf), 0);
  expect_clear("rt_manifest_parse");
  rt_manifest_free(mf);
  rt_free(p);
  rt_manifest_list *l;
  assert_int_equal(rt_module_scan(dir, 0, &l), 0);
  expect_clear("rt_module_scan");
  rt_manifest_list_free(l);
  assert_int_equal(rt_module_open(so("good"), 0, &byname), 0);
  expect_clear("rt_module_open");
  assert_int_equal(rt_module_close(byname), 0);
  assert_int_equal(rt_module_close(m), 0);
  rt_module_path_clear();
  rt_clear_error();
}

/* RT_PLUGIN_DIR replaces the compiled-in plugin directory. */
static void test_plugin_dir_env(void **state)
{
  (void)state;
  const char *saved = rt_getenv("RT_PLUGIN_DIR");
  char *copy = saved ? rt_strdup(saved) : NULL;
  assert_int_equal(rt_setenv("RT_PLUGIN_DIR", dir), 0);
  assert_string_equal(rt_module_plugindir(), dir);
  rt_module_path_clear();
  rt_module *m;
  assert_int_equal(rt_module_load("good", &m), 0);
  assert_string_equal(rt_module_path(m), so("good"));
  assert_int_equal(rt_module_close(m), 0);
  assert_int_equal(rt_setenv("RT_PLUGIN_DIR", ""), 0);
  assert_string_not_equal(rt_module_plugindir(), dir);
  assert_int_equal(rt_setenv("RT_PLUGIN_DIR", copy), 0);
  rt_free(copy);
}

static void test_bad_arguments(void **state)
{
  (void)state;
  rt_module *m;
  assert_int_equal(rt_module_open(NULL, 0, &m), RT_EINVAL);
  assert_int_equal(rt_module_open(so("good"), 0, NULL), RT_EINVAL);
  assert_int_equal(rt_module_load("", &m), RT_EINVAL);
  assert_int_equal(rt_module_path_add(""), RT_EINVAL);
  assert_int_equal(rt_module_close(NULL), 0);
  assert_int_equal(rt_module_find(NULL, &m), RT_EINVAL);
}

/* Last: it leaves the private plugin resident.  With the check forced
 * off, the plugin's allocations are not the process heap's and its
 * buffered output is not ordered with the host's. */
static void private_and_host_write(rt_module *m)
{
  say(m, "private 1\n");
  rt_puts(rt_stdout(), "host 2\n");
  rt_flush(rt_stdout());
  rt_value ret = RT_VALUE_INIT;
  assert_int_equal(rt_module_call(m, "flush", NULL, 0, &ret), 0);
}

static void test_private_runtime_forced(void **state)
{
  (void)state;
  rt_module *m;
  assert_int_equal(rt_module_open(so("privlinked"),
                                  RT_MODULE_UNSAFE_ALLOW_PRIVATE_RUNTIME, &m),
                   0);
  void *mine = rt_alloc(8);
  bool owned = rt_heap_owns(mine);
  rt_free(mine);
  struct rt_heap_stats before, after;
  rt_value n = {RT_TYPE_SIZE, 0, {.size = 48}}, ret = RT_VALUE_INIT;
  assert_int_equal(rt_heap_stats(&before), 0);
  assert_int_equal(rt_module_call(m, "grab", &n, 1, &ret), 0);
  assert_int_equal(rt_heap_stats(&after), 0);
  void *p = ret.v.ptr;
  assert_non_null(p);
  /* Not this process's heap: the host's heap never saw it ... */
  assert_int_equal(after.total_allocs, before.total_allocs);
  assert_false(rt_heap_owns(p));
  /* ... the plugin's second heap did. */
  rt_value arg = {RT_TYPE_PTR, 0, {.ptr = p}};
  assert_int_equal(rt_module_call(m, "owns", &arg, 1, &ret), 0);
  assert_int_equal(ret.v.b, owned);
  assert_int_equal(rt_module_call(m, "drop", &arg, 1, &ret), 0);
  char *out = capture_stdout(private_and_host_write, m);
  assert_string_equal(out, "host 2\nprivate 1\n"); /* out of order */
  rt_free(out);
  assert_int_equal(rt_module_close(m), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_plugin_loads),
      cmocka_unit_test(test_unknown_function),
      cmocka_unit_test(test_good_memory_is_the_process_heap),
      cmocka_unit_test(test_good_output_interleaves),
      cmocka_unit_test(test_same_file_twice_is_one_module),
      cmocka_unit_test(test_resident_by_default),
      cmocka_unit_test(test_close_refused_while_call_in_flight),
      cmocka_unit_test(test_missing_file),
      cmocka_unit_test(test_out_of_descriptors),
      cmocka_unit_test(test_noexec_mount),
      cmocka_unit_test(test_loader_out_of_memory),
      cmocka_unit_test(test_static_tls_refused),
      cmocka_unit_test(test_directory_named_so),
      cmocka_unit_test(test_symlink_loop),
      cmocka_unit_test(test_world_writable_file),
      cmocka_unit_test(test_world_writable_directories),
      cmocka_unit_test(test_foreign_owner),
      cmocka_unit_test(test_not_elf),
      cmocka_unit_test(test_truncated),
      cmocka_unit_test(test_wrong_machine),
      cmocka_unit_test(test_relocatable_object),
      cmocka_unit_test(test_malformed_manifest),
      cmocka_unit_test(test_manifest_fuzz),
      cmocka_unit_test(test_bad_signature),
      cmocka_unit_test(test_no_manifest),
      cmocka_unit_test(test_wrong_abi),
      cmocka_unit_test(test_unresolved_symbol),
      cmocka_unit_test(test_no_descriptor),
      cmocka_unit_test(test_descriptor_mismatch),
      cmocka_unit_test(test_init_fails),
      cmocka_unit_test(test_init_exits),
      cmocka_unit_test(test_private_runtime_refused),
      cmocka_unit_test(test_check_leaves_nothing),
      cmocka_unit_test(test_manifest_read),
      cmocka_unit_test(test_scan),
      cmocka_unit_test(test_static_registration),
      cmocka_unit_test(test_foreach),
      cmocka_unit_test(test_search_path_order),
      cmocka_unit_test(test_search_error_chain),
      cmocka_unit_test(test_bad_arguments),
      cmocka_unit_test(test_private_runtime_forced),
      cmocka_unit_test(test_many_plugins),
      cmocka_unit_test(test_resolved_path_shortcut),
      cmocka_unit_test(test_scan_symlinked_entry),
      cmocka_unit_test(test_large_plugin_file),
      cmocka_unit_test(test_foreign_notes_not_malformed),
      cmocka_unit_test(test_note_alignment_8),
      cmocka_unit_test(test_name_must_match_file),
      cmocka_unit_test(test_symlink_trust_agrees),
      cmocka_unit_test(test_runtime_linking_mistakes),
      cmocka_unit_test(test_init_reentry),
      cmocka_unit_test(test_init_fails_silently),
      cmocka_unit_test(test_replaced_while_loaded),
      cmocka_unit_test(test_success_leaves_no_error),
      cmocka_unit_test(test_plugin_dir_env),
  };
  return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
