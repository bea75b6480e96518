#!/bin/sh
# malloc_override.sh — libruntime-malloc.so preloaded: every allocation
# function of the C library is the runtime heap's (tests/build/malloc_check.c,
# one mode per behaviour), bad frees abort with the heap's message, and
# without it malloc is left alone.
. "$top_srcdir/tests/helpers/tap.sh"
. "$top_srcdir/tests/helpers/malloc_lib.sh"

prog="$top_builddir/tests/build/malloc_check"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
malloc_copy

check "the library exports no rt_ symbol and every malloc name" sh -c '
  syms=$(${NM:-nm} -D --defined-only "$1" | awk "{print \$3}")
  for s in malloc free calloc realloc reallocarray memalign aligned_alloc \
           posix_memalign valloc pvalloc malloc_usable_size _Znwm _Znam \
           _ZdlPv _ZdaPv _ZdlPvm _ZdaPvm _ZnwmSt11align_val_t \
           _ZdlPvmSt11align_val_t _ZnwmRKSt9nothrow_t _ZdaPvSt11align_val_tRKSt9nothrow_t; do
    echo "$syms" | grep -qx "$s" || { echo "missing $s" >&2; exit 1; }
  done
  ! echo "$syms" | grep -q "^rt_"' sh "$malloc_so"

for mode in owned align contents errors foreign threads; do
  if preloaded "$prog" "$mode" > "$tmp/out" 2>&1; then
    ok "preloaded: $mode"
  else
    diag "$(cat "$tmp/out")"; fail "preloaded: $mode"
  fi
done

# Linked first instead of preloaded.
if ${CC:-cc} -I"$top_srcdir/libruntime" -I"$top_builddir/libruntime" \
     "$top_srcdir/tests/build/malloc_check.c" -o "$tmp/linked" \
     -L"$malloc_dir" -L"$libs_dir" -lruntime-malloc -lruntime -lpthread 2> "$tmp/cc.log"; then
  if LD_LIBRARY_PATH="$malloc_dir:$libs_dir" "$tmp/linked" owned > "$tmp/out" 2>&1; then
    ok "linked first (-lruntime-malloc): owned"
  else
    diag "$(cat "$tmp/out")"; fail "linked first (-lruntime-malloc): owned"
  fi
else
  diag "$(cat "$tmp/cc.log")"; fail "a program links with -lruntime-malloc"
fi

if "$prog" default > "$tmp/out" 2>&1; then ok "not preloaded: malloc is not the runtime heap"
else diag "$(cat "$tmp/out")"; fail "not preloaded: malloc is not the runtime heap"; fi
# The same check fails when preloaded: the test can tell the two apart.
if preloaded "$prog" default > /dev/null 2>&1; then fail "preloaded: 'default' sees the runtime heap"
else ok "preloaded: 'default' sees the runtime heap"; fi

# A small program's resident memory stays near the C library's malloc's,
# whatever the transparent huge page policy (.ci/run repeats this suite
# with it set to "always", where each of the heap's segments and its
# segment map once brought in 2 MiB: 7.8 MB against glibc's 1.3).
if base=$("$prog" rss 2> "$tmp/err") && rt=$(preloaded "$prog" rss 2>> "$tmp/err"); then
  thp=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2> /dev/null)
  if [ "$rt" -le $((base + 1024)) ]; then
    ok "a small program's resident memory: $rt KiB, glibc's $base (huge pages: ${thp:-none})"
  else
    fail "a small program's resident memory: $rt KiB, glibc's $base (huge pages: ${thp:-none})"
  fi
else
  diag "$(cat "$tmp/err")"; fail "malloc_check rss runs, with and without the heap"
fi

# aborts MODE TEXT: MODE ends in SIGABRT with TEXT on stderr.
aborts() {
  preloaded "$prog" "$1" > "$tmp/out" 2>&1
  rc=$?
  if [ $rc -eq 134 ] && grep -q "$2" "$tmp/out"; then ok "free(): $1 pointer aborts: $2"
  else diag "exit $rc: $(cat "$tmp/out")"; fail "free(): $1 pointer aborts: $2"; fi
}
aborts interior "rt_free: 0x[0-9a-f]* points inside the 64-byte block"
aborts double "rt_free: double free of"
aborts wild "is inside libruntime's heap but is not a block it handed out"
finish
