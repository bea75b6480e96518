#!/bin/sh
# dlopen.sh — libruntime.so loaded with dlopen() by a program that does
# not link it, as a language's extension module or another program's
# plugin brings it in.  Such a library takes its thread-local storage
# from a surplus of about 1.6 KiB that glibc shares among all of them:
# libruntime's 1,176 bytes (a 1 KiB error message among them) made
# dlopen() fail ("cannot allocate memory in static TLS block") beside a
# library that held 600.  Its TLS stays within 256 bytes, it loads
# beside a library holding 1 KiB, and the error messages it now maps per
# thread work in every thread and are unmapped when the thread exits.
# And it is never unloaded (-z nodelete): a thread that used it and exits
# after the host dlclose()d it runs its key destructors (a segfault, exit
# 139, before).
. "$top_srcdir/tests/helpers/tap.sh"

case "$RT_SAN_FLAGS" in
  *sanitize*) skip_all "sanitizer build: its runtime must be loaded first" ;;
esac
lib="$top_builddir/libruntime/.libs/libruntime.so.1"
[ -e "$lib" ] || skip_all "no shared library built ($lib)"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

tls=$(readelf -lW "$lib" | awk '$1 == "TLS" { print $6 }')
check "libruntime.so's thread-local storage is at most 256 bytes ($tls)" \
  test -n "$tls" -a "$((tls))" -le 256

# A neighbour with 1 KiB of initial-exec TLS, loaded first.
cat > "$tmp/neighbour.c" <<'EOC'
__thread char neighbour_tls[1024] __attribute__((tls_model("initial-exec")));
char *neighbour(void) { return neighbour_tls; }
EOC
cat > "$tmp/host.c" <<'EOC'
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static int (*set_error)(int, const char *, ...);
static const char *(*last_error)(void);

/* An error set in a thread of its own: its message, and where it was. */
static void *in_thread(void *arg)
{
  static char seen[128];
  set_error(-22, "thread %d: bad value", (int)(intptr_t)arg);
  snprintf(seen, sizeof seen, "%s", last_error());
  return (void *)last_error();
}

int main(int argc, char **argv)
{
  (void)argc;
  if (!dlopen(argv[1], RTLD_NOW)) {
    printf("neighbour: %s\n", dlerror());
    return 1;
  }
  void *rt = dlopen(argv[2], RTLD_NOW);
  if (!rt) {
    printf("libruntime: %s\n", dlerror());
    return 1;
  }
  *(void **)&set_error = dlsym(rt, "rt_set_error");
  *(void **)&last_error = dlsym(rt, "rt_last_error");
  if (!set_error || !last_error)
    return 1;
  set_error(-2, "main: no file '%s'", "x");
  printf("main: %s\n", last_error());
  for (int i = 0; i < 3; i++) {
    pthread_t t;
    void *msg;
    if (pthread_create(&t, NULL, in_thread, (void *)(intptr_t)i) != 0 ||
        pthread_join(t, &msg) != 0)
      return 1;
    /* The thread's message page is gone with it. */
    unsigned char v;
    void *page = (void *)((uintptr_t)msg & ~(uintptr_t)4095);
    int gone = mincore(page, 4096, &v) != 0 && errno == ENOMEM;
    printf("thread %d: unmapped at exit: %s\n", i, gone ? "yes" : "no");
  }
  printf("main again: %s\n", last_error());
  return 0;
}
EOC
cat > "$tmp/unload.c" <<'EOC'
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void *(*alloc)(size_t);
static void (*release)(void *);
static int (*set_error)(int, const char *, ...);
static int used[2], go[2];

/* Uses the library, then exits only after the host has closed it. */
static void *worker(void *arg)
{
  (void)arg;
  char c;
  release(alloc(100));
  set_error(-22, "worker");
  if (write(used[1], "u", 1) != 1 || read(go[0], &c, 1) != 1)
    return NULL;
  return NULL;
}

int main(int argc, char **argv)
{
  (void)argc;
  void *rt = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!rt || pipe(used) || pipe(go))
    return 1;
  *(void **)&alloc = dlsym(rt, "rt_alloc");
  *(void **)&release = dlsym(rt, "rt_free");
  *(void **)&set_error = dlsym(rt, "rt_set_error");
  pthread_t t;
  char c;
  if (pthread_create(&t, NULL, worker, NULL) || read(used[0], &c, 1) != 1)
    return 1;
  printf("dlclose: %d\n", dlclose(rt));
  fflush(stdout);
  if (write(go[1], "g", 1) != 1 || pthread_join(t, NULL))
    return 1;
  printf("the worker exited\n");
  return 0;
}
EOC
if ${CC:-cc} -shared -fPIC "$tmp/neighbour.c" -o "$tmp/libneighbour.so" \
     > "$tmp/cc.log" 2>&1 &&
   ${CC:-cc} "$tmp/host.c" -o "$tmp/host" -ldl -lpthread >> "$tmp/cc.log" 2>&1; then
  out=$("$tmp/host" "$tmp/libneighbour.so" "$lib" 2>&1)
  want="main: main: no file 'x'
thread 0: unmapped at exit: yes
thread 1: unmapped at exit: yes
thread 2: unmapped at exit: yes
main again: main: no file 'x'"
  if [ "$out" = "$want" ]; then
    ok "dlopen()ed beside 1 KiB of a neighbour's TLS: messages in every thread"
  else
    diag "$out"
    fail "dlopen()ed beside 1 KiB of a neighbour's TLS: messages in every thread"
  fi
else
  diag "$(cat "$tmp/cc.log")"; fail "the host and its neighbour build"
fi

check "libruntime.so is marked NODELETE" \
  sh -c "readelf -dW '$lib' | grep -q 'FLAGS_1.*NODELETE'"
if ${CC:-cc} "$tmp/unload.c" -o "$tmp/unload" -ldl -lpthread > "$tmp/cc.log" 2>&1; then
  out=$("$tmp/unload" "$lib" 2>&1); st=$?
  if [ $st -eq 0 ] && [ "$out" = "dlclose: 0
the worker exited" ]; then
    ok "a thread that used it exits after dlclose()"
  else
    diag "exit $st: $out"; fail "a thread that used it exits after dlclose()"
  fi
else
  diag "$(cat "$tmp/cc.log")"; fail "the unloading host builds"
fi
finish
