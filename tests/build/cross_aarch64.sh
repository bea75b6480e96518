#!/usr/bin/env bash
# cross_aarch64.sh [BUILD_DIR] — libruntime on aarch64 (AAPCS64), the
# other machine with a call fast path: cross-built with Debian's
# aarch64-linux-gnu toolchain and libraries (multiarch arm64), and the
# suites that run in one process run under qemu-user.  Above all the call
# matrix (test_call_abi, test_call_matrix: every case through the fast
# path and through libffi, compared with the direct C call's bits), which
# on this x86-64 machine never runs the aarch64 register plan otherwise:
# scalars, and structs as AAPCS64 passes them (HFAs in SIMD registers,
# the NSRN/NGRN = 8 stack cases, copies passed by reference, results in
# v0..v3, x0:x1 and at x8).
#
# Output: TAP, one line per CMocka test, numbered across the suites.
# Skips (1..0 # SKIP) when the cross toolchain, qemu or the arm64
# libraries are missing; .ci/run installs them:
#   dpkg --add-architecture arm64; apt-get update
#   apt-get install gcc-aarch64-linux-gnu qemu-user libffi-dev:arm64 \
#     libcmocka-dev:arm64
# Suites that re-execute themselves (test_heap, test_fork, ...) need
# binfmt_misc, which a container rarely has, so they are not run here.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$top/build-aarch64}
host=aarch64-linux-gnu
libdir=/usr/lib/$host
suites=(test_error test_version test_buf test_os test_hardening test_heap_threads
        test_io test_call_sig test_call_value test_call_matrix test_call_abi
        test_call_closure test_call_threads test_call_results test_call_fast)

missing=()
command -v "$host-gcc" > /dev/null || missing+=("gcc-$host")
command -v qemu-aarch64 > /dev/null || missing+=(qemu-user)
[ -e "$libdir/libffi.so" ] || missing+=(libffi-dev:arm64)
[ -e "$libdir/libcmocka.so" ] || missing+=(libcmocka-dev:arm64)
if [ ${#missing[@]} -gt 0 ]; then
  echo "1..0 # SKIP no aarch64 cross build here: install ${missing[*]}"
  exit 0
fi

rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 1
bail() { echo "Bail out! $1"; tail -30 "$2" | sed 's/^/# /'; exit 1; }
PKG_CONFIG_LIBDIR=$libdir/pkgconfig:/usr/share/pkgconfig \
  "$top/configure" -q --host="$host" --enable-werror > configure.log 2>&1 ||
  bail "configure --host=$host failed" configure.log
make -j"$(nproc)" libruntime/libruntime.la \
  "${suites[@]/#/tests/unit/}" > make.log 2>&1 ||
  bail "the cross build failed" make.log
file -L libruntime/.libs/libruntime.so.1 | grep -q 'ARM aarch64' ||
  bail "libruntime.so.1 is not an aarch64 object" make.log

n=0 failed=0
for s in "${suites[@]}"; do
  # libtool's wrapper is a script; the program itself is under .libs.
  qemu-aarch64 -E LD_LIBRARY_PATH="$dir/libruntime/.libs" \
    -E CMOCKA_MESSAGE_OUTPUT=TAP -E top_builddir="$dir" \
    -E top_srcdir="$top" "tests/unit/.libs/$s" > "$s.log" 2>&1
  rc=$?
  lines=$(grep -E '^(not )?ok ' "$s.log")
  if [ -z "$lines" ]; then
    n=$((n + 1)); failed=$((failed + 1))
    echo "not ok $n - aarch64 $s: no result (exit $rc)"
    sed 's/^/# /' "$s.log" | tail -20
    continue
  fi
  while IFS= read -r line; do
    n=$((n + 1))
    case $line in
      "not ok "*) failed=$((failed + 1))
                  echo "not ok $n - aarch64 $s:${line#not ok *[0-9] -}" ;;
      *) echo "ok $n - aarch64 $s:${line#ok *[0-9] -}" ;;
    esac
  done <<< "$lines"
  if [ "$rc" -ne 0 ] && ! grep -q '^not ok ' "$s.log"; then
    n=$((n + 1)); failed=$((failed + 1))
    echo "not ok $n - aarch64 $s: exit $rc"
  fi
  grep -q '^not ok ' "$s.log" && grep -vE '^(not )?ok |^1\.\.' "$s.log" |
    sed 's/^/# /' | head -40
done
echo "1..$n"
[ "$failed" -eq 0 ]
