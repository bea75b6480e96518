#!/bin/sh
# ux.sh — what a first hour with rthost meets: -V, help, the shell's
# PLUGIN.FUNCTION on the command line, did-you-mean hints, info's absolute
# path, the -v search trace, and plugin metadata with control characters
# shown escaped.
. "$top_srcdir/tests/helpers/host_lib.sh"

run -V
expect "-V is --version" 0 "$("$rthost" --version)" ""
run help
expect_status "help command" 0
expect_out_match "help command prints the usage" "usage: rthost *"
run --json help
expect_status "help --json" 0
case $out in *'"commands":["list","info","check","call","shell","help"]'*) ok "help --json lists the commands" ;;
  *) fail "help --json lists the commands"; show ;; esac

run call mathx.add 2 3
expect "call PLUGIN.FUNCTION on the command line" 0 "5" ""
run call "$plugdir/mathx.so.add" 2 3
expect "call PATH.FUNCTION on the command line" 0 "5" ""
run call "$plugdir/mathx.so" add 2 3
expect "call PATH FUNCTION still works" 0 "5" ""
run call mathx
expect "call PLUGIN alone" 2 "" "rthost: call: expected PLUGIN FUNCTION * or PLUGIN.FUNCTION *"

# did you mean
run call mathz add 1 2
expect "unknown plugin: did you mean" 3 "" "rthost: mathz: *; did you mean 'mathx'?"
run call mathx ad 1 2
expect "unknown function: did you mean" 4 "" "rthost: mathx: plugin 'mathx' has no function 'ad'*; did you mean 'add'?"
run call mathx.hypt 3 4
expect "unknown function (dotted): did you mean" 4 "" "*did you mean 'hypot'?"
run call zzzzzz f
expect "nothing near: no hint" 3 "" "rthost: zzzzzz: *"
case $err in *"did you mean"*) fail "nothing near: no hint"; show ;; *) ok "nothing near: no hint" ;; esac
run lsit
expect "unknown command: did you mean" 2 "" "rthost: lsit: unknown command*; did you mean 'list'?"
run_in 'cal mathx.add 1 2' shell
expect "unknown shell command: did you mean" 2 "" "rthost: cal: unknown shell command*; did you mean 'call'?"
run info mathz
expect "info: did you mean" 3 "" "*did you mean 'mathx'?"

# info shows the absolute path, as load does
(cd "$plugdir/.." && "$rthost" --plugin-path plugins info mathx) > "$tmp/out" 2> "$tmp/err"
status=$?; out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
abs=$(cd "$plugdir" && pwd -P)
expect_status "info with a relative --plugin-path" 0
expect_out_match "info shows the absolute path" "*path:        $abs/mathx.so*"

# -v and RT_DEBUG=search: the search, candidate by candidate
"$rthost" -v --plugin-path "$tmp" --plugin-path "$plugdir" call mathx add 1 2 > "$tmp/out" 2> "$tmp/err"
status=$?; out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
expect_status "-v call" 0
expect_out "-v call: the result on stdout" 3
case $err in
  *"rthost: search: mathx: $tmp/mathx.so: not there"*"rthost: search: mathx: $plugdir/mathx.so: answers (mathx 1.0.0, ABI 1.0); taken"*"rthost: search: mathx: loaded from "*/mathx.so*)
    ok "-v: each candidate and the one taken" ;;
  *) fail "-v: each candidate and the one taken"; show ;;
esac
printf 'not ELF' > "$tmp/bogus.so"
run --plugin-path "$tmp" -v info bogus
expect_status "-v info of a refused file" 3
case $err in *"rthost: search: bogus: $tmp/bogus.so: refused (E"*"): "*) ok "-v: why a candidate is refused" ;;
  *) fail "-v: why a candidate is refused"; show ;; esac
RT_DEBUG=search "$rthost" --plugin-path "$plugdir" call mathx add 1 2 > "$tmp/out" 2> "$tmp/err"
status=$?; out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
case $err in *"rthost: search: mathx: "*"taken"*) ok "RT_DEBUG=search traces too" ;;
  *) fail "RT_DEBUG=search traces too"; show ;; esac
run call mathx add 1 2
expect "no trace without -v" 0 3 ""

# Control characters in plugin metadata are shown escaped in text mode.
ctl="$tmp/ctl"; mkdir "$ctl"
python3 - "$plugdir/mathx.so" "$ctl/mathx.so" << 'PY' || fail "patched plugin made"
import sys
data = open(sys.argv[1], "rb").read()
old = b"sum of two integers"
new = b"sum\x1b[31mof\x07two\tinte"
assert len(new) == len(old) and old in data
open(sys.argv[2], "wb").write(data.replace(old, new))
PY
chmod 755 "$ctl/mathx.so"
run list "$ctl"
expect_status "list of a plugin with control characters" 0
case $out in *"sum\\x1b[31mof\\x07two\\tinte"*) ok "list: control characters escaped" ;;
  *) fail "list: control characters escaped"; show ;; esac
if printf '%s' "$out" | LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')"; then
  fail "list: no raw control character on stdout"; show
else ok "list: no raw control character on stdout"; fi
run info "$ctl/mathx.so"
case $out in *"sum\\x1b[31mof\\x07two\\tinte"*) ok "info: control characters escaped" ;;
  *) fail "info: control characters escaped"; show ;; esac
run --json info "$ctl/mathx.so"
case $out in *'sum\u001b[31mof\u0007two\tinte'*) ok "info --json: escaped as JSON" ;;
  *) fail "info --json: escaped as JSON"; show ;; esac
finish
