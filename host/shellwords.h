/*
 * shellwords.h — split one line of `rthost shell` input into words.
 *
 * Words are separated by blanks (space, tab, CR, LF).  A double-quoted
 * part groups blanks into one word and may touch unquoted text
 * (a"b c"d is the one word `ab cd`); "" is an empty word.  A backslash
 * escapes a double quote or a backslash, inside quotes or out (\" and \\);
 * any other backslash is an ordinary character, so Windows-like paths and
 * regular expressions pass through untouched.
 *
 * A pure function of its input (no IO, no global state), so that a fuzz
 * target can drive it with arbitrary bytes.
 */
#ifndef RTHOST_SHELLWORDS_H
#define RTHOST_SHELLWORDS_H

#include <runtime.h>

/*
 * rthost_split_line: split LINE (NUL-terminated) into *ARGC words.
 * *ARGV receives one block on the runtime heap holding a NULL-terminated
 * array of *ARGC pointers followed by the words themselves; free all of it
 * with one rt_free(*ARGV).  A blank line gives *ARGC 0 and a block holding
 * only the NULL.
 * Errors: RT_EINVAL for an unterminated double quote, with
 * "unterminated double quote opened at column N" appended to ERR (when ERR
 * is not NULL) and as the thread's last error; RT_ENOMEM.  On failure
 * *ARGV is NULL and *ARGC 0.
 */
int rthost_split_line(const char *line, char ***argv, size_t *argc,
                      rt_buf *err);

#endif /* RTHOST_SHELLWORDS_H */
