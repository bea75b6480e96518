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

# rt_install ARG...: `make ARG...` in the build tree, one at a time: the
# tests that install run in parallel, and libtool relinks plugins inside
# the build tree while installing them.  The outer make's jobserver is not
# handed to tests, so MAKEFLAGS is emptied rather than naming a closed pipe.
rt_install() {
  (cd "$top_builddir" && MAKEFLAGS= flock .install-lock $MAKE "$@")
}

# staged_install: `make install DESTDIR=$dest` into a fresh $tmp (removed
# at exit), as one assertion; sets tmp, dest, pc (the installed
# runtime.pc) and libdir.  Ends the test if the install fails.
staged_install() {
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  dest="$tmp/root"
  if ! rt_install install DESTDIR="$dest" > "$tmp/install.log" 2>&1; then
    diag "$(tail -20 "$tmp/install.log")"
    fail "make install DESTDIR=..."; finish
  fi
  ok "make install DESTDIR=..."
  pc=$(find "$dest" -name runtime.pc | head -n 1)
  libdir=$(dirname "$(dirname "$pc")")
}

: "${top_builddir:?run through make check}"
: "${top_srcdir:?run through make check}"
rt_lib="$top_builddir/libruntime/.libs/libruntime.so.1"

# build_plugins_setup: for a test that compiles programs and plugins
# against the built library and runs them through the built rthost: a
# trusted umask, rthost (or skip), a scratch $tmp removed at exit, and
# $cflags/$libs for the build tree's headers and libruntime.so.
build_plugins_setup() {
  umask 022
  rthost="$top_builddir/host/rthost"
  [ -x "$rthost" ] || skip_all "rthost not built"
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  cflags="-I$top_srcdir/libruntime -I$top_builddir/libruntime"
  libs="-L$top_builddir/libruntime/.libs -lruntime"
}
