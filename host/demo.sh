#!/bin/sh
# demo.sh BUILD_DIR — the scripted demo run by `./quickstart demo`.
#
# A short rthost session over the bundled plugins: what is there, a call
# into each plugin, the errors rthost gives, and one shell session whose
# statistics show the single heap and IO layer that host and plugins share,
# and a crashing plugin survived with --isolate.
# Every command is printed before it runs, as you would type it.
build=${1:?usage: demo.sh BUILD_DIR}
build=$(cd "$build" && pwd)
[ -x "$build/host/rthost" ] || { echo "demo: no rthost in $build/host" >&2; exit 1; }
# The build tree's plugins, found by name the way installed ones are.
RT_PLUGIN_PATH="$build/plugins"; export RT_PLUGIN_PATH
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

rthost() { "$build/host/rthost" "$@"; }

# say TEXT: a heading.  run WORD...: print the command, run it, and say
# how it failed if it did.
say() { printf '\n## %s\n' "$*"; }
run() {
  printf '$'; for w in "$@"; do
    case $w in *[\ \"{}]*|'') printf " '%s'" "$w" ;; *) printf ' %s' "$w" ;; esac
  done; printf '\n'
  "$@" || echo "(exit status $?)"
}

say "rthost is the command-line host of libruntime; plugins are in RT_PLUGIN_PATH=build/plugins"
run rthost --version

say "What plugins are there?  Read from each file's manifest: no plugin code runs"
run rthost list

say "Validate a plugin as the loader would (ELF, manifest, ABI, same runtime)"
run rthost check "$build/plugins/mathx.so"

say "Call functions whose signatures rthost learns at run time (through libffi)"
run rthost call mathx add 2 3
run rthost call mathx hypot 3 4
run rthost call mathx vadd "{1, 2}" "{3, 4.5}"
run rthost call strings reverse "libruntime"
run rthost call hello greet newcomer
printf 'one two three\nfour five\n' > "$tmp/words.txt"
run rthost call wc count "$tmp/words.txt"
run rthost call dns resolve localhost
run rthost call callback sum @square 10
run rthost call counter next
run rthost --json call mathx vadd "{1, 2}" "{3, 4.5}"

say "Errors: one line on stderr, and an exit status that says what went wrong"
run rthost call mathx add 2
run rthost call mathx add 2 two
run rthost call mathx sub 2 3
run rthost call nosuch f

say "One process, many calls: rthost shell reads commands from stdin"
cat > "$tmp/session" <<'SESSION'
call hello.greet "from the shell"
call counter.next
call counter.next
call counter.next
call strings.upper "plugin strings are freed by the host"
call callback.apply @trace 7
call dns.resolve localhost
call dns.resolve localhost
call dns.cache
call hello.greet again
SESSION
echo '$ rthost --stats shell <<EOF'; cat "$tmp/session"; echo 'EOF'
rthost --stats shell < "$tmp/session" 2>&1
echo
echo "Above: the plugins' lines (Hello, trace) sit exactly where their calls"
echo "were, because plugins and host write to the same rt_stdout() buffer;"
echo "the strings plugins allocated were freed by rthost, and the heap"
echo "recognised every one as its own block: one heap for all modules."

say "A plugin that crashes: --isolate runs each call in a child process"
# The test plugin 'crash' misbehaves on purpose (tests/plugins/crash.c).
if make -s -C "$build" tests/plugins/host.stamp > "$tmp/make.log" 2>&1; then
  RT_PLUGIN_PATH="$RT_PLUGIN_PATH:$build/tests/plugins/host"
  cat > "$tmp/crashing" <<'SESSION'
call mathx.add 1 2
call crash.say_then_segv "printed just before the segfault"
call mathx.add 3 4
SESSION
  echo '$ rthost shell --isolate <<EOF'; cat "$tmp/crashing"; echo 'EOF'
  rthost shell --isolate < "$tmp/crashing" 2>&1
  echo "(exit status $?: a call crashed, and the shell went on)"
  echo
  echo "The crash cost the child process that made the call, not the shell:"
  echo "its output before the segfault is there, and the next call ran."
  echo "Without --isolate the same session dies with the plugin."
else
  echo "(the crash test plugin could not be built; see $tmp/make.log)"
fi
