#!/usr/bin/env python3
"""term.py — run a command on a pseudo-terminal and type into it.

usage: term.py SCRIPT COMMAND [ARG...]

SCRIPT is a file of steps, one a line: "send TEXT" types TEXT (with the
escapes \\t \\r \\n \\x04 and \\x1b understood), "expect TEXT" waits (5 s at
most) until TEXT has appeared in the output since the last expect.  Exit
status 0 if every expect was met and the command ended, else 1 with the
output seen so far on stderr."""
import os, pty, select, sys, termios, time

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
    def wait_reading():
        """Until the terminal is in non-canonical mode (libedit waiting
        for a key), 2 s at most (a plain line reader never leaves
        canonical mode); then a little longer for the reader to block."""
        try:
            slave = os.open(os.readlink("/proc/%d/fd/0" % pid),
                            os.O_RDONLY | os.O_NOCTTY)
        except OSError:
            read_for(0.3)
            return
        try:
            deadline = time.time() + 2
            while time.time() < deadline:
                if not termios.tcgetattr(slave)[3] & termios.ICANON:
                    break
                read_for(0.02)
        finally:
            os.close(slave)
        read_for(0.1)
    for step in open(script, encoding="utf-8").read().splitlines():
        if not step:
            continue
        verb, _, text = step.partition(" ")
        data = text.encode().decode("unicode_escape").encode("latin-1")
        if verb == "send":
            # Let the reader settle first: libedit sets up the terminal
            # after printing the prompt (with TCSAFLUSH, which drops
            # input typed before), so a key sent at once may be lost.
            wait_reading()
            os.write(fd, data)
        elif verb == "expect":
            if not read_for(5, data):
                sys.stderr.write("did not see %r in:\n%r\n" % (data, seen))
                os.kill(pid, 9)
                return 1
            seen = seen[seen.index(data) + len(data):]
    read_for(2)
    # Once the child has closed the terminal, reading fails at once: wait
    # by the clock, not by reads.
    deadline = time.time() + 10
    while time.time() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        read_for(0.1)
        time.sleep(0.02)
    else:
        sys.stderr.write("still running after the last step; output: %r\n"
                         % seen)
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        return 1
    if not os.WIFEXITED(status):
        sys.stderr.write("ended by a signal; output: %r\n" % seen)
        return 1
    sys.stdout.write("exit %d\n" % os.WEXITSTATUS(status))
    sys.stdout.write(repr(seen) + "\n")
    return 0

sys.exit(main())
