#!/bin/sh
# abi.sh — the built libruntime.so.1 keeps the ABI recorded in
# libruntime/abi/libruntime.so.1.abi (abidw, Debian's abigail-tools).
# Additions pass; a removed or changed function, variable or public type
# fails with abidiff's report.  After an intended addition, record the new
# baseline with `make abi-baseline` and commit it.
. "$top_srcdir/tests/helpers/tap.sh"

command -v abidiff >/dev/null 2>&1 ||
  skip_all "abidiff not installed (Debian package abigail-tools)"
[ -z "$RT_SAN_FLAGS" ] ||
  skip_all "sanitizer build: the ABI is checked in the normal build"

baseline="$top_srcdir/libruntime/abi/libruntime.so.1.abi"
check "ABI baseline is recorded" test -s "$baseline"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# rt__ functions are the private version node (RUNTIME_PRIVATE_1.1, for
# libruntime-malloc.so): no ABI promise, not in the baseline.
printf '[suppress_function]\n  name_regexp = ^rt__\n' > "$tmp/private.supp"

abidiff --suppressions "$tmp/private.supp" --no-added-syms --hd2 "$top_srcdir/libruntime/runtime" \
  "$baseline" "$rt_lib" > "$tmp/report" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
  ok "libruntime.so.1 is ABI-compatible with the baseline"
else
  diag "abidiff exit status $rc (4: ABI change, 8: incompatible change):"
  diag "$(cat "$tmp/report")"
  fail "libruntime.so.1 is ABI-compatible with the baseline"
fi

# Additions are allowed but must be recorded, so that the next change is
# compared against them.
abidiff --suppressions "$tmp/private.supp" --hd2 "$top_srcdir/libruntime/runtime" "$baseline" "$rt_lib" \
  > "$tmp/all" 2>&1
added=$(sed -n 's/.* \([0-9][0-9]*\) Added functions.*/\1/p' "$tmp/all" | head -n 1)
if [ "${added:-0}" -eq 0 ]; then
  ok "no unrecorded additions"
else
  diag "$added function(s) added since the baseline; run 'make abi-baseline' and commit it"
  diag "$(grep -A2 'Added function' "$tmp/all" | head -40)"
  fail "no unrecorded additions"
fi
finish
