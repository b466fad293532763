/* execmon - error messages folded, and whether a run shows an error: the filter's error= key. */
#ifndef EXECMON_ERRORS_MATCH_H
#define EXECMON_ERRORS_MATCH_H

#include <stddef.h>

#include "store.h"

/* The bounds of a folded message (errors.h says how they apply). */
#define ERRORS_MESSAGE_MAX 256
#define ERRORS_SCAN_MAX 4096

/* Where an error occurred: a run's failure, an llm.call, a tool.call. */
enum errors_where { ERRW_RUN, ERRW_LLM, ERRW_TOOL, ERRW__COUNT };

/*
 * Fold a message so that texts differing only in numbers, ids, durations
 * and quoted values are equal. Reads the first line of msg (leading blank
 * lines and spaces skipped; at most ERRORS_SCAN_MAX bytes), writes at most
 * size - 1 bytes and a NUL into out, and returns the length. The rules, in
 * the order they apply:
 *  - a control character (C0, DEL) is a space; runs of spaces become one,
 *    and leading and trailing spaces go;
 *  - a quoted value, '...', "..." or `...` on the line, becomes '?', "?"
 *    or `?`; a quote opens only at the start or after a character that is
 *    not a letter, a digit or '>', and closes at the same quote followed by
 *    the end or a character that is not a letter, a digit or '<' (so
 *    "model's" is no quote);
 *  - a word is a run of ASCII letters, digits, '_', '-' and '.' (a
 *    leading or trailing '.', '-' or '_' is not part of it). A word
 *    without digits is kept. Otherwise:
 *      digits with '.' between them (42, 3.14, 10.0.0.1)     -> <n>
 *      a number and a time unit (30s, 1.5ms, 2min, 3h, 7d)    -> <dur>
 *        (units: ns us ms s sec secs m min mins h hr hrs d day days)
 *      a number and up to three other letters (10KB, 4o)      -> <n>KB
 *      hex digits and '-' only, 6 or more (a uuid, a sha)     -> <id>
 *      with '_', '-' or '.' inside: each part on its own     (run-<n>)
 *      letters then digits (r7, job42)                        -> r<n>
 *      anything else with a digit (a1b2, 0x1f, 01T10)         -> <id>
 *  - a cut never falls inside a character or a placeholder.
 * Case is kept. Replacing any digit by another never changes the result.
 */
size_t errors_normalise(const char *msg, char *out, size_t size);

/*
 * Whether r shows an error named by spec: "CLASS" (the class alone) or
 * "CLASS: MESSAGE" (MESSAGE the folded message, as errors_normalise gives
 * it), by its failure or by an llm.call or tool.call error of its log held
 * now, whatever where. This is the filter's error= key.
 */
int errors_run_has(const struct run *r, const char *spec);

#endif
