#!/bin/sh
# coprocess.sh — `rthost shell` driven as a co-process: a program writes
# one command, waits for its answer, then writes the next.  Each answer
# (result or error line) must be out before the shell reads on; results
# and errors keep command order in one file; a finished command's output
# survives a later crash.
. "$top_srcdir/tests/helpers/host_lib.sh"

command -v python3 > /dev/null || skip_all "python3 drives the co-process"

# drive ARG...: rthost --plugin-path ... ARG... as a co-process, fed the
# lines of $tmp/script one at a time; each line's answer is read (stdout
# and stderr, which the driver keeps apart) before the next is sent, with
# a 10 s limit.  Prints "LINE => OUT | ERR" per command, or HANG.
drive() {
  python3 - "$rthost" "$tmp/script" --plugin-path "$plugdir" \
    --plugin-path "$testplugdir" "$@" << 'PY'
import os, select, subprocess, sys, time
rthost, script, args = sys.argv[1], sys.argv[2], sys.argv[3:]
p = subprocess.Popen([rthost] + args, stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
def answer():
    """What the shell writes within 10 s, until a line has come and it
    has been quiet for 0.2 s."""
    got = {p.stdout: b"", p.stderr: b""}
    deadline = time.time() + 10
    while time.time() < deadline:
        quiet = 0.2 if any(v.endswith(b"\n") for v in got.values()) else 10
        r, _, _ = select.select(list(got), [], [], min(quiet, deadline - time.time()))
        if not r:
            break
        for f in r:
            chunk = os.read(f.fileno(), 65536)
            if not chunk:
                return got, True
            got[f] += chunk
    return got, False
for line in open(script):
    p.stdin.write(line.encode()); p.stdin.flush()
    got, eof = answer()
    out = got[p.stdout].decode().strip().replace("\n", "\\n")
    err = got[p.stderr].decode().strip().replace("\n", "\\n")
    if not out and not err:
        print("%s => HANG" % line.strip())
    else:
        print("%s => %s | %s" % (line.strip(), out, err))
p.stdin.close()
print("exit %d" % p.wait())
PY
}

cat > "$tmp/script" << 'SCRIPT'
call mathx.add 1 2
call mathx.add 1
call strings.upper 'one line'
call nosuch.f
call crash.say "a plugin's line"
stats
SCRIPT
drive shell > "$tmp/log"
log=$(cat "$tmp/log")
diag "$log"
check "co-process: each result answered before the next line" \
  grep -qx 'call mathx.add 1 2 => 3 | ' "$tmp/log"
check "co-process: an error line answered at once" \
  grep -q '^call mathx.add 1 =>  | rthost: mathx: add(i32, i32) -> i32: missing argument 2' "$tmp/log"
check "co-process: quoted argument" \
  grep -qx "call strings.upper 'one line' => ONE LINE | " "$tmp/log"
check "co-process: load error answered" \
  grep -q '^call nosuch.f =>  | rthost: nosuch: ' "$tmp/log"
check "co-process: plugin output flushed with its result" \
  grep -qx "call crash.say \"a plugin's line\" => a plugin's line\\\\n1 | " "$tmp/log"
check "co-process: stats answered" grep -q '^stats => stats: heap: ' "$tmp/log"
check "co-process: no command left unanswered" test "$(grep -c HANG "$tmp/log")" -eq 0
check "co-process: exit status is the worst" grep -qx 'exit 3' "$tmp/log"

# The same with --json: each answer one document.
drive --json shell > "$tmp/log"
diag "$(cat "$tmp/log")"
check "co-process --json: a document per command" \
  test "$(grep -c '=> {"schema":1' "$tmp/log")" -eq 6
check "co-process --json: errors are documents too" \
  grep -q '^call nosuch.f => {"schema":1,"error":"nosuch","code":3,"name":"ENOTFOUND"' "$tmp/log"
check "co-process --json: no command left unanswered" test "$(grep -c HANG "$tmp/log")" -eq 0

# --isolate: a crash is answered and the co-process goes on.
printf 'call crash.segv\ncall mathx.add 2 2\ncall crash.count\ncall crash.count\n' > "$tmp/script"
drive --isolate shell > "$tmp/log"
diag "$(cat "$tmp/log")"
check "co-process --isolate: the crash answered" \
  grep -qx 'call crash.segv =>  | rthost: crash.segv: crashed (SIGSEGV)' "$tmp/log"
check "co-process --isolate: the next command answered" \
  grep -qx 'call mathx.add 2 2 => 4 | ' "$tmp/log"
check "co-process --isolate: state is not kept between calls" \
  test "$(grep -c '^call crash.count => 1 | $' "$tmp/log")" -eq 2

# stdout and stderr the same file: results and error lines in command
# order.
printf 'call mathx.add 1 1\ncall mathx.add x 1\ncall hello.greet you\ncall mathx.nope\ncall mathx.add 2 2\n' |
  "$rthost" --plugin-path "$plugdir" shell > "$tmp/both" 2>&1
status=$?
check "one file: exit status" test "$status" -eq 4
first=$(sed -n 1p "$tmp/both"); second=$(sed -n 2p "$tmp/both")
third=$(sed -n 3p "$tmp/both"); fourth=$(sed -n 4p "$tmp/both")
fifth=$(sed -n 5p "$tmp/both"); sixth=$(sed -n 6p "$tmp/both")
diag "$(cat "$tmp/both")"
check "one file: result 1 first" test "$first" = 2
case $second in "rthost: mathx: add(i32, i32) -> i32: argument 1 expects i32"*) ok "one file: error 2 second" ;; *) fail "one file: error 2 second" ;; esac
case $third in "Hello, you!"*) ok "one file: plugin output 3 third" ;; *) fail "one file: plugin output 3 third" ;; esac
case $fourth in "rthost: mathx: "*nope*) ok "one file: error 4 fourth" ;; *) fail "one file: error 4 fourth" ;; esac
check "one file: result 5 last" test "$fifth" = 4 -a -z "$sixth"

# A crash (without --isolate) loses nothing a finished command printed.
printf 'call mathx.add 1 2\ncall crash.segv\n' |
  "$rthost" --plugin-path "$plugdir" --plugin-path "$testplugdir" shell > "$tmp/out" 2> /dev/null
status=$?
# (Killed by SIGSEGV; under AddressSanitizer, which catches the signal,
# exit status 1.)
check "a crash ends the shell (without --isolate)" test "$status" -ne 0
check "the finished command's result is in the file" test "$(cat "$tmp/out")" = 3
finish
