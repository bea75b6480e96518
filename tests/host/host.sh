#!/bin/sh
# host.sh — rthost's command line: options, list, info, check, and every
# refusal of a broken plugin file, with stdout, stderr and exit status.
. "$top_srcdir/tests/helpers/host_lib.sh"

# --- options and usage
run --version
expect "--version" 0 "rthost (libruntime) $(sed -n 's/^Version: //p' "$top_builddir/libruntime/runtime.pc"), plugin ABI 1.0" ""
run --help
expect_status "--help" 0
expect_out_match "--help" "usage: rthost *list*info*check*call*shell*--plugin-path*"
run call --help
expect_status "--help after the command" 0
run
expect "no command" 2 "" "rthost: rthost: no command given; try rthost --help"
run frobnicate
expect "unknown command" 2 "" "rthost: frobnicate: unknown command*"
run --frob list
expect "unknown option before the command" 2 "" "rthost: --frob: unknown option*"
run list --frob
expect "unknown option after the command" 2 "" "rthost: --frob: unknown option*"
"$rthost" list --plugin-path > "$tmp/out" 2> "$tmp/err"; status=$?
out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
expect "--plugin-path without a directory" 2 "" "rthost: --plugin-path: needs a directory"
"$rthost" call mathx add 2 3 --plugin-path="$plugdir" > "$tmp/out" 2> "$tmp/err"
status=$?; out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
expect "--plugin-path=DIR after the command" 0 "5" ""
"$rthost" call mathx add 2 3 > "$tmp/out" 2> "$tmp/err"; status=$?
out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
expect_status "without --plugin-path mathx is not found" 3
expect_err_match "not found names the plugin" "rthost: mathx: *"
RT_PLUGIN_PATH="$plugdir" "$rthost" call mathx add 2 3 > "$tmp/out" 2> "$tmp/err"
status=$?; out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
expect "RT_PLUGIN_PATH is searched" 0 "5" ""

# --- list: every bundled plugin, read from manifests
run list
expect_status "list" 0
for p in hello mathx strings dns wc counter callback; do
  expect_out_match "list shows $p" "*$p 1.0.0 (ABI 1.0)  $plugdir/$p.so*"
done
expect_out_match "list shows signatures and docs" \
  "*add *(i32, i32) -> i32 *sum of two integers*"
expect_out_match "list shows struct signatures" \
  "*vadd *({f64, f64}, {f64, f64}) -> {f64, f64}*"
run list "$plugdir"
expect_status "list DIR" 0
expect_out_match "list DIR shows mathx" "*mathx 1.0.0*"
run list "$tmp/nonexistent"
expect_status "list of a missing directory" 2
expect_err_match "list of a missing directory names it" "rthost: $tmp/nonexistent: *"
"$rthost" --plugin-path "$tmp/nonexistent" list > "$tmp/out" 2> "$tmp/err"
status=$?; out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
expect "list with a missing --plugin-path directory" 2 "" "rthost: $tmp/nonexistent: *"
RT_PLUGIN_PATH="$tmp/nonexistent:$plugdir" "$rthost" --plugin-path "$plugdir" list > "$tmp/out" 2> "$tmp/err"
status=$?; out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
expect_status "list: a missing RT_PLUGIN_PATH directory is skipped" 0
expect_err "list: a missing RT_PLUGIN_PATH directory is skipped" ""
check "list: a directory on the path twice is listed once" \
  test "$(printf '%s\n' "$out" | grep -c '^mathx ')" -eq 1
empty="$tmp/empty"; mkdir "$empty"
run list "$empty"
expect "list of an empty directory" 0 "" ""

# --- info
run info mathx
expect_status "info NAME" 0
expect_out_match "info NAME" "name:        mathx
version:     1.0.0
description: Arithmetic helpers
path:        $plugdir/mathx.so
ABI:         1.0 (fits this runtime's 1.*)
exports:     6
*fib *(u32) -> u64*"
run info "$plugdir/strings.so"
expect_status "info PATH" 0
expect_out_match "info PATH" "name:        strings*"
run info nosuch
expect "info of an unknown plugin" 3 "" "rthost: nosuch: *nosuch*"
run info
expect "info without a plugin" 2 "" "rthost: info: expected one PLUGIN*"

# --- broken plugin files, made here
bad="$tmp/bad"; mkdir "$bad"
echo "this is not an ELF file" > "$bad/text.so"
head -c 100 "$plugdir/mathx.so" > "$bad/truncated.so"
printf '\177ELF' > "$bad/tiny.so"
cp "$plugdir/mathx.so" "$bad/writable.so"; chmod 666 "$bad/writable.so"
run check "$bad/text.so"
expect "check of a non-ELF file" 3 "" "rthost: $bad/text.so: *"
run check "$bad/truncated.so"
expect "check of a truncated ELF file" 3 "" "rthost: $bad/truncated.so: *"
run check "$bad/writable.so"
expect "check of a world-writable file" 3 "" "rthost: $bad/writable.so: *writable*"
run check "$bad/missing.so"
expect "check of a missing file" 3 "" "rthost: $bad/missing.so: *"
run check "$plugdir/mathx.so"
expect "check of a good plugin" 0 "$plugdir/mathx.so: ok: mathx 1.0.0, 6 exports" ""
run check "$plugdir/mathx.so" "$bad/text.so" "$plugdir/hello.so"
expect_status "check: one bad file fails the whole" 3
expect_out "check: the good ones are reported" \
"$plugdir/mathx.so: ok: mathx 1.0.0, 6 exports
$plugdir/hello.so: ok: hello 1.0.0, 2 exports"
expect_err_match "check: the bad one on stderr" "rthost: $bad/text.so: *"
run check
expect "check without files" 2 "" "rthost: check: expected one or more plugin FILEs"

# list shows broken files with their reason, and does not fail for them.
run list "$bad"
expect_status "list of broken files" 0
expect_out_match "list: non-ELF file refused" "*$bad/text.so: refused (E*): *"
expect_out_match "list: truncated file refused" "*$bad/truncated.so: refused (E*): *"
expect_out_match "list: writable file refused" "*$bad/writable.so: refused (EUNTRUSTED): *"
run call "$bad/text.so" add 1 2
expect "call into a broken file" 3 "" "rthost: $bad/text.so: *"

# The loader's broken test plugins (tests/plugins, built by make check):
# each refused by check, call and list with its reason.
# Copied (umask 022), so that a build made under umask 002 is refused
# for what each file is, not for its group-writable mode.
tp="$tmp/testplugins"; mkdir "$tp"
cp "$top_builddir"/tests/plugins/.libs/*.so "$tp"/ 2>/dev/null
if [ -f "$tp/nodesc.so" ]; then
  for p in abimajor abiminor nodesc nonote mismatch unresolved badsig private privlinked; do
    [ -f "$tp/$p.so" ] || { fail "test plugin $p.so built"; continue; }
    run check "$tp/$p.so"
    expect "check refuses $p.so" 3 "" "rthost: $tp/$p.so: *"
    run call "$tp/$p.so" f
    expect "call refuses $p.so" 3 "" "rthost: $tp/$p.so: *"
  done
  run call "$tp/initfail.so" f
  expect "call: a plugin whose init fails" 3 "" "rthost: $tp/initfail.so: *"
  run list "$tp"
  expect_status "list of the test plugins" 0
  expect_out_match "list shows the unresolved-symbol plugin" "*unresolved*"
  expect_out_match "list shows a wrong-ABI plugin as refused" "*abimajor.so: refused (EABI): *"
else
  diag "the loader's test plugins are not built; skipping them"
fi
finish
