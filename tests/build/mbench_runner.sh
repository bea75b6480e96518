#!/bin/sh
# mbench_runner.sh — bench/suite/mimalloc-bench.sh (`make
# bench-mimalloc-bench`) on its failure paths, with a stand-in checkout
# whose glibc-simple is a small malloc loop of this test's own: no path,
# a path that is not a checkout, an unknown program name, a missing or
# unloadable contender library (skipped, said so), and a program that
# aborts or exits non-zero under libruntime-malloc.so (reported with its
# status, no figure, exit 1); and the ratio/rss lines when all goes well.
. "$top_srcdir/tests/helpers/tap.sh"
. "$top_srcdir/tests/helpers/malloc_lib.sh"

command -v python3 > /dev/null || skip_all "python3 not found (the runner measures with it)"
command -v bash > /dev/null || skip_all "bash not found (the runner is a bash script)"
runner="$top_srcdir/bench/suite/mimalloc-bench.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# run NAME EXPECTED_STATUS [ENV=VALUE...] -- ARGS...: the runner's
# output in $tmp/out; ok if it exits EXPECTED_STATUS.
run() {
  name=$1 want=$2; shift 2
  set -- env MBENCH_REPS=1 MBENCH_TIMEOUT=60 "$@"
  "$@" > "$tmp/out" 2>&1
  rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$name: exit status $want"
  else diag "exit $rc, expected $want:" "$(cat "$tmp/out")"; fail "$name: exit status $want"; fi
}
# has TEXT: the last run printed a line matching TEXT (grep -E).
has() {
  if grep -Eq -- "$1" "$tmp/out"; then ok "prints: $1"
  else diag "$(cat "$tmp/out")"; fail "prints: $1"; fi
}
# lacks TEXT: ... and none matching it.
lacks() {
  if grep -Eq -- "$1" "$tmp/out"; then diag "$(cat "$tmp/out")"; fail "does not print: $1"
  else ok "does not print: $1"; fi
}

run "no checkout given" 2 bash "$runner"
has "no mimalloc-bench checkout given; usage: "
run "a path that is no directory" 2 bash "$runner" "$tmp/nowhere"
has "'$tmp/nowhere' is not a directory"
mkdir "$tmp/empty"
run "a directory that is no checkout" 2 bash "$runner" "$tmp/empty"
has "is not a mimalloc-bench checkout \(no bench.sh\)"

# The stand-in checkout: the files the runner looks for, and glibc-simple.
mb=$tmp/mb
mkdir -p "$mb/bench/larson" "$mb/bench/cfrac" "$mb/bench/glibc-bench"
: > "$mb/bench.sh"; : > "$mb/bench/CMakeLists.txt"
: > "$mb/bench/larson/larson.cpp"; : > "$mb/bench/cfrac/cfrac.c"
cat > "$mb/bench/glibc-bench/bench-malloc-simple.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* A malloc loop; MBENCH_TEST_FAIL=abort|exit3 makes it fail when the
   runtime heap is preloaded, and only then. */
int main(void)
{
  const char *pre = getenv("LD_PRELOAD"), *how = getenv("MBENCH_TEST_FAIL");
  if (pre && strstr(pre, "libruntime-malloc") && how) {
    if (strcmp(how, "abort") == 0)
      abort();
    return 3;
  }
  unsigned long sum = 0;
  for (int i = 0; i < 200000; i++) {
    char *p = malloc(16 + (unsigned)i % 512);
    if (p == NULL)
      return 1;
    p[0] = (char)i;
    sum += (unsigned char)p[0];
    free(p);
  }
  printf("%lu\n", sum);
  return 0;
}
EOF
build=$tmp/build
nolib="MBENCH_MIMALLOC=$tmp/none/libmimalloc.so"
noje="MBENCH_JEMALLOC=$tmp/none/libjemalloc.so.2"

run "an unknown program name" 2 MBENCH_ONLY=glibc-simple,nosuch "$nolib" "$noje" \
  MBENCH_RT="$malloc_so" bash "$runner" "$mb" "$build"
has "MBENCH_ONLY names 'nosuch', not one of: cfrac "

run "a program not in the checkout" 2 MBENCH_ONLY=glibc-thread "$nolib" "$noje" \
  MBENCH_RT="$malloc_so" bash "$runner" "$mb" "$build"
has "lacks .*bench-malloc-thread.c: not a complete mimalloc-bench checkout"

run "all well, two contenders missing" 0 MBENCH_ONLY=glibc-simple "$nolib" "$noje" \
  MBENCH_RT="$malloc_so" bash "$runner" "$mb" "$build"
has "^mbench: mimalloc: skipped \(library '$tmp/none/libmimalloc.so' not found\)"
has "^mbench: jemalloc: skipped \(library '$tmp/none/libjemalloc.so.2' not found\)"
has "^ratio: mbench.glibc-simple: rt/glibc = [0-9]+\.[0-9][0-9]$"
has "^rss: mbench.glibc-simple: rt/glibc = [0-9]+\.[0-9][0-9]$"
has "^ratio: mbench.geomean: rt/glibc = [0-9]+\.[0-9][0-9]$"
lacks "rt/mimalloc|rt/jemalloc|failed"

run "aborts under rt" 1 MBENCH_TEST_FAIL=abort MBENCH_ONLY=glibc-simple "$nolib" "$noje" \
  MBENCH_RT="$malloc_so" bash "$runner" "$mb" "$build"
has "^mbench: glibc-simple rt: failed, killed by signal 6 \(ABRT\); no figure$"
has "^failed: mbench.glibc-simple: rt: killed by signal 6"
lacks "^(ratio|rss): mbench.glibc-simple"

run "exits 3 under rt" 1 MBENCH_TEST_FAIL=exit3 MBENCH_ONLY=glibc-simple "$nolib" "$noje" \
  MBENCH_RT="$malloc_so" bash "$runner" "$mb" "$build"
has "^mbench: glibc-simple rt: failed, exit status 3; no figure$"
lacks "^(ratio|rss): mbench.glibc-simple"

# A library the dynamic linker cannot preload: ld.so only warns and the
# program would run on glibc, a figure that is not rt's.
echo "not a library" > "$tmp/libbogus.so"
run "an rt library that cannot be preloaded" 1 MBENCH_ONLY=glibc-simple "$nolib" "$noje" \
  MBENCH_RT="$tmp/libbogus.so" bash "$runner" "$mb" "$build"
has "^mbench: rt: skipped \(library '$tmp/libbogus.so' cannot be preloaded: "
has "^mbench: rt was skipped: no ratio lines$"
lacks "^ratio:"
finish
