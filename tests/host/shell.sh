#!/bin/sh
# host_shell.sh — `rthost shell`: many commands in one process, state kept
# between calls, plugin and host output in order, errors reported and
# skipped over, and the exit status of the session.
. "$top_srcdir/tests/helpers/host_lib.sh"

run_in 'call mathx.add 2 3
call mathx.mul 6 7
call strings.upper "two words"
call strings.concat "say \"hi\"" !' shell
expect "several calls in one session" 0 "5
42
TWO WORDS
say \"hi\"!" ""

run_in 'call counter.next
call counter.next
call counter.set_step 10
call counter.next
call counter.peek' shell
expect "state kept between calls" 0 "1
2
12
12" ""

run_in 'call hello.greet first
call mathx.add 1 1
call hello.greet second
call callback.apply @trace 7' shell
expect "plugin and host output interleave in order" 0 "Hello, first! (printed by the hello plugin)
2
Hello, second! (printed by the hello plugin)
callback trace(7) ran in rthost
7" ""

run_in '# a comment, then a blank line

load mathx strings
call mathx.add 1 2' shell
expect "comments, blank lines, load" 0 "loaded mathx 1.0.0 from $plugdir/mathx.so
loaded strings 1.0.0 from $plugdir/strings.so
3" ""

run_in 'call mathx.add 1
call mathx.add 2 2' shell
expect "an argument error is reported and the shell goes on" 2 "4" \
  "rthost: mathx: add(i32, i32) -> i32: missing argument 2 (i32): it takes 2, got 1"

run_in 'call nosuch.f
call mathx.add 2 2' shell
expect "a load error is reported and the shell goes on" 3 "4" "rthost: nosuch: *"

run_in 'call mathx.nope
call mathx.add 1 2
call mathx.add x 1' shell
expect_status "the worst status of the session is the exit status" 4
expect_out "the session went on after each error" "3"
case "$err" in
  "rthost: mathx: "*nope*"
rthost: mathx: add(i32, i32) -> i32: argument 1 expects i32: "*) ok "one line per error" ;;
  *) fail "one line per error"; show ;;
esac

run_in 'call strings.upper "never closed
call mathx.add 1 1' shell
expect "unterminated quote" 2 "2" "rthost: shell: line 1: unterminated double quote opened at column 20"

run_in 'frobnicate
call mathx.add 1 1' shell
expect "unknown shell command" 2 "2" "rthost: frobnicate: unknown shell command*"

run_in 'call mathx.add 1 1
quit
call mathx.add 2 2' shell
expect "quit ends the session" 0 "2" ""

run_in 'call mathx add 1 1' shell
expect "call without PLUGIN.FUNCTION" 2 "" "rthost: call: expected PLUGIN.FUNCTION*"

run_in "call $plugdir/mathx.so.add 20 22" shell
expect "PLUGIN.FUNCTION with a path" 0 "42" ""

run_in 'list' shell
expect_status "list in the shell" 0
expect_out_match "list in the shell" "*mathx 1.0.0 (ABI 1.0)*"

run_in 'call strings.upper x
stats' shell
expect_status "stats in the shell" 0
expect_out_match "stats in the shell, on stdout" "X
stats: heap: *
stats: plugins: 1 loaded (strings); 1 calls
stats: io: *"

run_in 'help' shell
expect_status "help" 0
expect_out_match "help lists the commands" "commands:*load*call*list*stats*quit*"

run shell extra
expect "shell takes no arguments" 2 "" "rthost: shell: takes no arguments*"

# No prompt when stdin is not a terminal: the output above had none.
run_in '' shell
expect "empty input: no prompt, no output" 0 "" ""

# Many calls in one process.
i=0; : > "$tmp/many"
while [ $i -lt 2000 ]; do echo "call mathx.add $i 1"; i=$((i + 1)); done > "$tmp/many"
"$rthost" --plugin-path "$plugdir" shell < "$tmp/many" > "$tmp/out" 2> "$tmp/err"
status=$?
check "2000 calls: exit 0" test "$status" -eq 0
check "2000 calls: 2000 results" test "$(wc -l < "$tmp/out")" -eq 2000
check "2000 calls: the last is 2000" test "$(tail -n 1 "$tmp/out")" = 2000
check "2000 calls: no errors" test ! -s "$tmp/err"
finish
