#!/bin/sh
# host_call.sh — `rthost call` into every bundled plugin: argument
# conversion per signature, results, output interleaving, and every failure
# path (unknown plugin, unknown function, argument count and text, a
# function that fails).
. "$top_srcdir/tests/helpers/host_lib.sh"

# --- results, one per plugin function
run call mathx add 2 3;              expect "mathx add" 0 "5" ""
run call mathx add -7 0x10;          expect "negative and hex arguments" 0 "9" ""
run call mathx add 2147483647 1;     expect "i32 wraps" 0 "-2147483648" ""
run call mathx mul -3 1000000000000; expect "mathx mul" 0 "-3000000000000" ""
run call mathx fib 90;               expect "mathx fib" 0 "2880067194370816120" ""
run call mathx hypot 3 4;            expect "mathx hypot" 0 "5" ""
run call mathx hypot inf nan;        expect "hypot of inf" 0 "inf" ""
run call mathx hypot 0.1 0;          expect "f64 prints round-trip" 0 "0.1" ""
run call mathx vadd "{1, 2}" "{3,4.5}"; expect "struct by value" 0 "{4, 6.5}" ""
run call mathx dot "{1,2}" "{3,4}";  expect "structs in, f64 out" 0 "11" ""
run call strings upper "hello, world"; expect "strings upper" 0 "HELLO, WORLD" ""
run call strings reverse "héllo";    expect "reverse keeps UTF-8" 0 "olléh" ""
run call strings concat foo bar;     expect "strings concat" 0 "foobar" ""
run call strings concat "" "";       expect "empty strings" 0 "" ""
run call strings length "four";      expect "strings length" 0 "4" ""
run call hello greeting World;       expect "hello greeting" 0 "Hello, World!" ""
run call hello greet World
expect "hello greet prints through rt_stdout" 0 "Hello, World! (printed by the hello plugin)" ""
run call counter next;               expect "counter next" 0 "1" ""
run call counter reset;              expect "void result prints nothing" 0 "" ""
printf 'one two\nthree\n' > "$tmp/words.txt"
run call wc count "$tmp/words.txt";  expect "wc count" 0 "2 3 14 $tmp/words.txt" ""
run call wc count "$tmp/none.txt"
expect "wc of a missing file fails the call" 4 "" "rthost: wc: count(str) -> str failed: *$tmp/none.txt*"
run call dns resolve 127.0.0.1;      expect "dns resolve of an address" 0 "127.0.0.1" ""
run call dns resolve nosuch.invalid
expect "dns resolve of a bad name fails the call" 4 "" "rthost: dns: resolve(str) -> str failed: *nosuch.invalid*"
run call dns cache
expect_status "dns cache" 0
expect_out_match "dns cache" "* entries, * hits, * misses"
run call callback apply @square 7;   expect "callback into the host" 0 "49" ""
run call callback twice @negate 5;   expect "callback twice" 0 "5" ""
run call callback sum @square 3;     expect "three callbacks" 0 "14" ""
run call callback apply @trace 42
expect "host output during the plugin's call" 0 "callback trace(42) ran in rthost
42" ""
run call callback apply NULL 1
expect "a NULL callback fails the call" 4 "" "rthost: callback: apply(ptr, i32) -> i32 failed: *NULL*"
run call callback apply @nosuch 1
expect "unknown built-in callback" 2 "" "rthost: callback: apply(ptr, i32) -> i32: argument 1 expects ptr: *@nosuch*"
run call "$plugdir/mathx.so" add 1 1; expect "PLUGIN as a path" 0 "2" ""
run call strings upper -- --json
expect "-- ends the options" 0 "--JSON" ""

# --- failure paths
run call nosuch f
expect "unknown plugin" 3 "" "rthost: nosuch: *nosuch*"
run call mathx sub 1 2
expect "unknown function" 4 "" "rthost: mathx: *sub*"
run call mathx add 1
expect "too few arguments" 2 "" "rthost: mathx: add(i32, i32) -> i32: missing argument 2 (i32): it takes 2, got 1"
run call mathx add 1 2 3
expect "too many arguments" 2 "" "rthost: mathx: add(i32, i32) -> i32: too many arguments: it takes 2, got 3 (the first extra one is '3')"
run call mathx add 1 two
expect "argument text that is no i32" 2 "" "rthost: mathx: add(i32, i32) -> i32: argument 2 expects i32: *two*"
run call mathx add 1 4294967296
expect "argument out of range" 2 "" "rthost: mathx: add(i32, i32) -> i32: argument 2 expects i32: *4294967296*"
run call mathx vadd "{1}" "{1,2}"
expect "struct with too few members" 2 "" "rthost: mathx: vadd(*: argument 1 expects {f64, f64}: *"
run call mathx fib 94
expect "a function that reports failure" 4 "" "rthost: mathx: fib(u32) -> u64 failed: fib(94) does not fit in u64*"
run call mathx
expect "call without a function" 2 "" "rthost: call: expected PLUGIN FUNCTION*"

# --- one heap: --stats shows plugin allocations and strings freed by the host
run --stats call strings upper abc
expect_status "--stats" 0
expect_out "--stats keeps stdout for results" "ABC"
case "$err" in
  *"stats: heap: "*" allocations, "*" frees, "*) ok "--stats: heap line" ;;
  *) fail "--stats: heap line"; show ;;
esac
case "$err" in
  *"stats: plugins: 1 loaded (strings); 1 calls"*) ok "--stats: plugin line" ;;
  *) fail "--stats: plugin line"; show ;;
esac
case "$err" in
  *"1 strings returned by plugins were freed by rthost, 1 of them recognised by rt_heap_owns()"*)
    ok "--stats: the plugin's string was a block of the one heap" ;;
  *) fail "--stats: the plugin's string was a block of the one heap"; show ;;
esac
case "$err" in
  *"stats: io: "*" bytes written through the shared streams"*) ok "--stats: io line" ;;
  *) fail "--stats: io line"; show ;;
esac

# --- output that cannot be written is an error, not a silent success
"$rthost" --plugin-path "$plugdir" call strings upper abc 2> "$tmp/err" > /dev/full
status=$?; err=$(cat "$tmp/err"); out=
expect "stdout on a full disk" 1 "" "rthost: stdout: cannot write the output: no space left on device"
finish
