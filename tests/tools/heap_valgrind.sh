#!/bin/sh
# heap_valgrind.sh — valgrind's memcheck sees inside the runtime heap:
# use after free, uninitialised reads and leaks of rt_alloc'd blocks.
. "$top_srcdir/tests/helpers/tap.sh"

command -v valgrind >/dev/null 2>&1 || skip_all "valgrind is not installed"
case "$RT_SAN_FLAGS" in
  *sanitize*) skip_all "sanitizer build (valgrind cannot run it)" ;;
esac
grep -q '^#define HAVE_VALGRIND_MEMCHECK_H 1' "$top_builddir/config.h" ||
  skip_all "built without valgrind/memcheck.h"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$top_builddir/libtool" --mode=execute valgrind --leak-check=full \
  "$top_builddir/tests/tools/heap_tooling" >"$log" 2>&1
# Debian 12's valgrind (3.19) cannot read the DWARF 5 that clang 14 emits
# by default; its reports then lose the heap's client requests.  Build
# with -gdwarf-4 to run this test under clang (CI's clang stage does).
if grep -q 'Serious error when reading debug info' "$log"; then
  skip_all "valgrind cannot read this build's debug info (clang: add -gdwarf-4 to CFLAGS)"
fi
diag "$(grep -E 'Invalid|uninitialised|lost:' "$log")"
check "a read after rt_free is an invalid read" \
  grep -q 'Invalid read of size 1' "$log"
check "a read of a fresh block is uninitialised" \
  grep -q 'depends on uninitialised value' "$log"
check "a leaked 77-byte block (80 usable) is definitely lost" \
  grep -q 'definitely lost: 80 bytes in 1 blocks' "$log"
check "the freed block is not reported as a leak" \
  grep -q 'in use at exit: 80 bytes in 1 blocks' "$log"
finish
