/*
 * shellwords.h — split one line of `rthost shell` input into words.
 *
 * Words are separated by blanks (space, tab, CR, LF) and quoted as in a
 * POSIX shell (without expansions): 'single quotes' keep everything up to
 * the next ' as it is; "double quotes" group too, and inside them a
 * backslash escapes only " \ $ and `; outside quotes a backslash escapes
 * any character (\  is a blank inside a word, \\ a backslash).  Quoted
 * parts may touch unquoted text (a"b c"d is the one word `ab cd`); '' and
 * "" are empty words.
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
 * Errors: RT_EINVAL for an unterminated single or double quote ("...
 * opened at column N") or a backslash ending the line, the short reason
 * appended to ERR (when ERR is not NULL) and the long one (with how to
 * fix it) as the thread's last error; RT_ENOMEM.  On failure *ARGV is
 * NULL and *ARGC 0.
 */
int rthost_split_line(const char *line, char ***argv, size_t *argc,
                      rt_buf *err);

/*
 * rthost_check_line: 0 if LINE (LEN bytes, as read) has no NUL byte;
 * else RT_EINVAL, "the line has a NUL byte at column N" appended to ERR.
 */
int rthost_check_line(const char *line, size_t len, rt_buf *err);

#endif /* RTHOST_SHELLWORDS_H */
