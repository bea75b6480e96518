#!/bin/sh
# pipes.sh — rthost in a pipeline whose reader leaves early (head -c1):
# never killed by SIGPIPE (status 141); the write error is reported (exit
# 1) or the output was already out.  The library's side of this is the io
# part's SIGPIPE handling; these are the user-visible cases of issue 19.
. "$top_srcdir/tests/helpers/host_lib.sh"

# piped NAME CMD...: run CMD... | head -c1, keeping CMD's exit status.
piped() {
  what=$1; shift
  { "$@" 2> "$tmp/err"; echo $? > "$tmp/status"; } | head -c1 > "$tmp/first"
  status=$(cat "$tmp/status"); err=$(cat "$tmp/err")
  if [ "$status" -ne 141 ] && [ "$status" -lt 128 ]; then
    ok "$what: not killed by a signal (exit $status)"
  else
    fail "$what: not killed by a signal (exit $status)"; diag "$err"
  fi
  check "$what: the reader got its byte" test -s "$tmp/first"
  case $status in
    0) ok "$what: exit 0 (all written before the reader left)" ;;
    1) case $err in *"rthost: stdout: cannot write the output: "*)
         ok "$what: exit 1 with the write error" ;;
       *) fail "$what: exit 1 with the write error"; diag "$err" ;; esac ;;
    *) fail "$what: exit 0 or 1 (got $status)"; diag "$err" ;;
  esac
}

long=$(head -c 200000 /dev/zero | tr '\0' a)
# One argument may hold 128 KiB at most (MAX_ARG_STRLEN).
arg=$(head -c 100000 /dev/zero | tr '\0' a)
printf 'call strings.upper %s\n' "$long" > "$tmp/cmd"
piped "shell | head -c1" sh -c '"$1" --plugin-path "$2" shell < "$3"' sh \
  "$rthost" "$plugdir" "$tmp/cmd"
piped "call | head -c1" "$rthost" --plugin-path "$plugdir" call strings upper "$arg"

many="$tmp/many"; mkdir "$many"
(cd "$many" && i=0 && while [ $i -lt 10000 ]; do
   : > "p$i.so"; i=$((i + 1)); done)
piped "--json list of 10000 files | head -c1" \
  "$rthost" --json list "$many"
piped "list of 10000 files | head -c1" "$rthost" list "$many"
finish
