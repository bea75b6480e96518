#!/usr/bin/env python3
"""term.py — run a command on a pseudo-terminal and type into it.

usage: term.py SCRIPT COMMAND [ARG...]

SCRIPT is a file of steps, one a line: "send TEXT" types TEXT (with the
escapes \\t \\r \\n \\x04 and \\x1b understood), "expect TEXT" waits (5 s at
most) until TEXT has appeared in the output since the last expect.  Exit
status 0 if every expect was met and the command ended, else 1 with the
output seen so far on stderr."""
import os, pty, select, sys, time

def main():
    script, argv = sys.argv[1], sys.argv[2:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    seen = b""
    def read_for(seconds, want=None):
        nonlocal seen
        deadline = time.time() + seconds
        while time.time() < deadline:
            if want is not None and want in seen:
                return True
            r, _, _ = select.select([fd], [], [], 0.05)
            if r:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
        return want is None or want in seen
    for step in open(script, encoding="utf-8").read().splitlines():
        if not step:
            continue
        verb, _, text = step.partition(" ")
        data = text.encode().decode("unicode_escape").encode("latin-1")
        if verb == "send":
            os.write(fd, data)
        elif verb == "expect":
            if not read_for(5, data):
                sys.stderr.write("did not see %r in:\n%r\n" % (data, seen))
                os.kill(pid, 9)
                return 1
            seen = seen[seen.index(data) + len(data):]
    read_for(2)
    _, status = os.waitpid(pid, 0)
    if not os.WIFEXITED(status):
        sys.stderr.write("ended by a signal; output: %r\n" % seen)
        return 1
    sys.stdout.write("exit %d\n" % os.WEXITSTATUS(status))
    sys.stdout.write(repr(seen) + "\n")
    return 0

sys.exit(main())
