#!/bin/sh
# lineedit.sh — `rthost shell` at a terminal (a pseudo-terminal driven by
# tests/helpers/term.py): a prompt, Ctrl-D ending on a new line, and with
# libedit line editing, history and tab completion of commands, plugin
# names and PLUGIN.FUNCTION.
. "$top_srcdir/tests/helpers/host_lib.sh"

command -v python3 > /dev/null || skip_all "python3 drives the terminal"
pty="$top_srcdir/tests/helpers/term.py"
term() { # SCRIPT-TEXT: run the shell on a terminal through the steps
  printf '%s\n' "$1" > "$tmp/steps"
  env ${term_locale:+LC_ALL=$term_locale} TERM=dumb \
    python3 "$pty" "$tmp/steps" "$rthost" --plugin-path "$plugdir" shell \
    > "$tmp/out" 2> "$tmp/err"
  status=$?; out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
}

term 'expect rthost> 
send call mathx.add 2 3\r
expect 5
expect rthost> 
send \x04'
expect_status "terminal: prompt, call, Ctrl-D" 0
case $out in "exit 0"*) ok "terminal: the shell ends at Ctrl-D" ;; *) fail "terminal: the shell ends at Ctrl-D"; show ;; esac
# What the terminal showed after the last prompt ends with a newline.
case $out in *"\\n'") ok "terminal: Ctrl-D ends with a newline" ;;
  *) fail "terminal: Ctrl-D ends with a newline"; show ;; esac

if ! grep -q '^#define HAVE_LIBEDIT 1' "$top_builddir/config.h"; then
  diag "built without libedit: no editing, history or completion to test"
  finish
fi

term 'expect rthost> 
send ca\t
expect call 
send mathx.a\t
expect mathx.add
send  40 2\r
expect 42
expect rthost> 
send lo\t
expect load 
send str\t
expect strings
send \r
expect loaded strings
expect rthost> 
send \x1b[A\x1b[A\r
expect 42
expect rthost> 
send \x04'
expect_status "terminal with libedit" 0
case $out in "exit 0"*) ok "libedit: completion of commands, PLUGIN.FUNCTION, plugins; history" ;;
  *) fail "libedit: completion of commands, PLUGIN.FUNCTION, plugins; history"; show ;; esac

# Typed in a UTF-8 locale, non-ASCII characters reach the plugin (libedit
# in the C locale dropped them: "héllo" arrived as "hllo").
term_locale=C.UTF-8 term 'expect rthost> 
send call strings.upper "héllo wörld"\r
expect HéLLO WöRLD
expect rthost> 
send \x04'
expect_status "libedit, UTF-8: non-ASCII text typed" 0
finish
