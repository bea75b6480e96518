#!/bin/sh
# fdlimit.sh — rthost under a small descriptor limit (ulimit -n).  With
# stdin, stdout and stderr open and the limit at 4, one descriptor is
# free: loading and calling plugins must fit in it (the loader keeps no
# descriptor open across a load, so a shell loads plugin after plugin),
# and what needs two (the pipe to a child process: check, --isolate) is
# a system failure, exit 1, one line saying what and how to fix it — not
# a refusal of the plugin (3) and never a crash.
. "$top_srcdir/tests/helpers/host_lib.sh"

# The real binary: libtool's wrapper is a shell script that needs pipes.
bin="$top_builddir/host/.libs/rthost"
[ -x "$bin" ] || bin="$top_builddir/host/.libs/lt-rthost"
[ -x "$bin" ] || skip_all "no host/.libs/rthost"
LD_LIBRARY_PATH="$top_builddir/libruntime/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH

# nofile N ARG...: the real rthost with at most N descriptors, every
# inherited one above stderr closed first (make's jobserver, the test
# driver's); sets status, out, err.
nofile() {
  n=$1; shift
  (exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
   ulimit -n "$n" && exec "$bin" --plugin-path "$plugdir" "$@") \
    > "$tmp/out" 2> "$tmp/err" < "$tmp/in"
  status=$?
  out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
}
: > "$tmp/in"

nofile 4 call mathx add 2 3
expect "call with one free descriptor" 0 5 ''
# A scan holds its directory open while it reads each file: two
# descriptors.  With one, every file is an error line (not "refused"),
# stdout stays empty and the exit status is 1; with two it lists.
nofile 4 list
expect_status "list with one free descriptor" 1
expect_out "list with one free descriptor" ''
bad=$(printf '%s\n' "$err" | grep -vc \
  "^rthost: $plugdir/[a-z]*\.so: cannot open '$plugdir/[a-z]*\.so': Too many open files; close descriptors or raise the limit (ulimit -n)\$")
nfiles=$(ls "$plugdir"/*.so | wc -l)
check "list with one free descriptor: one error line per plugin file" \
  test "$bad" -eq 0 -a "$(printf '%s\n' "$err" | wc -l)" -eq "$nfiles"
nofile 4 --json list
expect_status "--json list with one free descriptor" 1
check_json_run --json
case $out in
  *'"path":"'"$plugdir"'/mathx.so","ok":false'*EMFILE*) ok "--json list with one free descriptor: the entry says EMFILE" ;;
  *) fail "--json list with one free descriptor: the entry says EMFILE"; show ;;
esac
nofile 5 list
expect_status "list with two free descriptors" 0
expect_out_match "list with two free descriptors" "*mathx 1.0.0*strings 1.0.0*"
expect_err "list with two free descriptors" ''
printf '%s\n' 'call mathx.add 1 2' 'call strings.upper abc' \
  'call hello.greeting fd' 'call counter.next' 'call mathx.add 3 4' \
  > "$tmp/in"
nofile 4 shell
expect_status "shell loading four plugins with one free descriptor" 0
expect_out_match "shell loading four plugins with one free descriptor" \
  "3*ABC*fd*7"
expect_err "shell loading four plugins with one free descriptor" ''
: > "$tmp/in"

nofile 4 check "$plugdir/mathx.so"
expect "check without room for a pipe" 1 '' \
  "rthost: $plugdir/mathx.so: cannot make a pipe for a child process: Too many open files; close descriptors or raise the limit (ulimit -n)"
nofile 4 call --isolate mathx add 2 3
expect "call --isolate without room for a pipe" 1 '' \
  "rthost: mathx: cannot make a pipe*ulimit -n)"
nofile 5 check "$plugdir/mathx.so"
expect "check with room for a pipe" 0 "$plugdir/mathx.so: ok: mathx 1.0.0, 6 exports" ''
nofile 5 call --isolate mathx add 2 3
expect "call --isolate with room for a pipe" 0 5 ''
finish
