#!/bin/sh
# installed_check.sh — `make check` on a machine where libruntime is
# already installed at the configured prefix (as on every user's machine
# after `make install`): the suite must not see the installed plugins.
# Configures a scratch build with --prefix in a scratch directory,
# installs it there, then runs the whole suite from that build.  Slow (a
# full build): run by .ci/run, not by make check.
#   sh tests/build/installed_check.sh [CONFIGURE-ARGS...]
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
scratch=$(mktemp -d)
trap 'chmod -R u+w "$scratch" 2>/dev/null; rm -rf "$scratch"' EXIT
mkdir "$scratch/build"
cd "$scratch/build"
"$src/configure" --prefix="$scratch/prefix" "$@" > configure.log
make -j2 > build.log 2>&1 || { tail -30 build.log; exit 1; }
make install > install.log 2>&1 || { tail -30 install.log; exit 1; }
ls "$scratch/prefix/lib/libruntime/plugins/mathx.so" > /dev/null
echo "installed at $scratch/prefix; running make check with it present"
if ! make -j2 check > check.log 2>&1; then
  grep -E '^(FAIL|ERROR)' check.log || tail -30 check.log
  for log in $(grep -lE '^(not ok|FAIL)' $(find . -name '*.log') 2>/dev/null |
               head -5); do
    echo "== $log"; grep -E '^(not ok|#)' "$log" | head -20
  done
  exit 1
fi
grep -E '^# (TOTAL|PASS|FAIL|ERROR)' check.log
