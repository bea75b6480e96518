# tap.sh — tiny TAP helpers for the shell tests.  Source it, call `check`
# or `ok`/`fail` for each assertion, and `finish` at the end.
# The environment (top_builddir, top_srcdir, ...) comes from Makefile.am.

tap_n=0
tap_failed=0

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
fail() {
  tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1))
  echo "not ok $tap_n - $*"
}
# diag TEXT...: a comment line, shown in the test's log.
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# check NAME COMMAND...: one assertion that COMMAND succeeds.
check() {
  name=$1; shift
  if "$@"; then ok "$name"; else fail "$name"; fi
}

# skip_all REASON: the whole test is skipped.
skip_all() { echo "1..0 # SKIP $*"; exit 0; }

finish() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; exit $?; }

: "${top_builddir:?run through make check}"
: "${top_srcdir:?run through make check}"
rt_lib="$top_builddir/libruntime/.libs/libruntime.so.1"
