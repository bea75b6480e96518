#!/bin/sh
# isolate.sh — plugin code that crashes, aborts, exits or hangs, contained
# in child processes: `rthost check` (the load stage of each file) and
# `--isolate` (each call); and the in-flight guard for a plugin that
# closes its own module during a call.
. "$top_srcdir/tests/helpers/host_lib.sh"

[ -f "$testplugdir/crash.so" ] || skip_all "the crash test plugins are not built"
tp=$testplugdir
runx() { run --plugin-path "$tp" "$@"; }

# --- check: every misbehaving constructor refused, the others checked
start=$(date +%s)
runx --timeout 1 check "$tp/ctor_segv.so" "$plugdir/mathx.so" "$tp/ctor_abort.so" \
  "$tp/ctor_exit.so" "$tp/ctor_hang.so" "$plugdir/hello.so"
took=$(( $(date +%s) - start ))
expect_status "check of misbehaving constructors" 3
expect_out "check: the good files are still checked" \
"$plugdir/mathx.so: ok: mathx 1.0.0, 6 exports
$plugdir/hello.so: ok: hello 1.0.0, 2 exports"
for want in "ctor_segv.so: refused: loading it crashed (SIGSEGV)" \
            "ctor_abort.so: refused: loading it crashed (SIGABRT)" \
            "ctor_exit.so: refused: loading it called exit(3)" \
            "ctor_hang.so: refused: loading it timed out after 1 s"; do
  case $err in *"rthost: $tp/$want"*) ok "check: $want" ;;
    *) fail "check: $want"; show ;; esac
done
check "check: the hang is cut at the timeout" test "$took" -lt 5
check "check: a constructor's output goes to stderr, not the report" \
  test "$(printf '%s\n' "$err" | grep -c '^constructor ran$')" -eq 4
runx --json --timeout 1 check "$tp/ctor_segv.so" "$plugdir/mathx.so"
expect_status "check --json of a crashing constructor" 3
case $out in
  *'"ok":false,"error":"EDLOPEN","reason":"refused: loading it crashed (SIGSEGV)'*'"ok":true'*)
    ok "check --json: the crash is the reason" ;;
  *) fail "check --json: the crash is the reason"; show ;;
esac
# No plugin code ran in the check process itself: a process that never
# loads a plugin has no plugin mapped (strace is not needed: the
# constructor would have killed it).
runx check "$tp/ctor_exit.so" "$tp/ctor_segv.so"
expect_status "check survives what would kill it" 3
check "check: both reported" test "$(printf '%s\n' "$err" | grep -c refused)" -eq 2

# --- call --isolate: each way of dying, reported, exit 4
runx --isolate call crash segv
expect "--isolate: segfault" 4 "" "rthost: crash.segv: crashed (SIGSEGV)"
runx --isolate call crash.aborts
expect "--isolate: abort" 4 "" "rthost: crash.aborts: crashed (SIGABRT)"
runx --isolate call crash exits 7
expect "--isolate: exit()" 4 "" "rthost: crash.exits: called exit(7)"
start=$(date +%s)
runx --isolate --timeout 0.5 call crash hangs
took=$(( $(date +%s) - start ))
expect "--isolate: hang" 4 "" "rthost: crash.hangs: timed out after 0.5 s"
check "--isolate: the hang is cut at the timeout" test "$took" -lt 4
runx --isolate call crash say_then_segv "printed before the crash"
expect "--isolate: output before the crash is kept" 4 "printed before the crash" \
  "rthost: crash.say_then_segv: crashed (SIGSEGV)"
runx --isolate call mathx add 2 3
expect "--isolate: a good call" 0 "5" ""
runx --isolate call mathx add 2
expect_status "--isolate: an argument error keeps its status" 2
runx --isolate call nosuch f
expect_status "--isolate: a load error keeps its status" 3
runx --isolate call mathx nope
expect_status "--isolate: an unknown function keeps its status" 4
runx --isolate call hello greet you
expect "--isolate: plugin output of a good call" 0 "Hello, you! (printed by the hello plugin)" ""
runx --isolate --timeout nope call mathx add 1 2
expect "--timeout must be a number" 2 "" "rthost: --timeout: 'nope' is not a number*"

# --json: the crash is a document, with what the plugin printed.
runx --json --isolate call crash say_then_segv "kept"
expect_status "--json --isolate: crash" 4
expect_out "--json --isolate: crash document" \
  '{"schema":1,"error":"crash.say_then_segv","code":4,"name":"call","message":"crashed (SIGSEGV)","output":"kept\n"}'
runx --json --isolate call crash say "captured"
expect "--json --isolate: output captured" 0 \
  '{"schema":1,"plugin":"crash","function":"say","signature":"(str) -> i32","result":1,"output":"captured\n"}' ""

# --- shell --isolate: the shell goes on after each crash
run_in 'call crash.segv
call mathx.add 1 2
call crash.aborts
call crash.exits 3
call crash.count
call crash.count
load crash
call mathx.add 3 4' --plugin-path "$tp" --isolate shell
expect_status "shell --isolate: the worst status" 4
expect_out "shell --isolate: every command after a crash ran" "3
1
1
loaded crash 1.0 from $tp/crash.so
7"
check "shell --isolate: three crash lines" test "$(printf '%s\n' "$err" | grep -c '^rthost: crash\.')" -eq 3
run_in 'load ctor_segv
call mathx.add 1 1' --plugin-path "$tp" --isolate shell
expect "shell --isolate: a load that crashes (its output kept)" 3 "constructor ran
2" "rthost: ctor_segv: crashed (SIGSEGV) while loading"

# --- the in-flight guard: a plugin closing its own module during a call
runx call crash close_self
expect "close of its own module during a call is EBUSY" 0 "EBUSY" ""
run_in 'call crash.close_self
call crash.count' --plugin-path "$tp" shell
expect "the module is still there after the refused close" 0 "EBUSY
1" ""
finish
