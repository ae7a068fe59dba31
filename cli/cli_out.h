/*
 * How the gwe CLI prints text that came from outside (install.sh output,
 * fetch_status, error messages, archive entry names; docs/design.md
 * section 9): for a terminal with its control characters escaped, so it
 * cannot drive the operator's terminal; as JSON written by hand with full
 * escaping and valid UTF-8 only.
 */
#ifndef GWE_CLI_OUT_H
#define GWE_CLI_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * s[0..len) as a JSON string, quotes included: ", \ and control
 * characters escaped, valid UTF-8 kept, each byte of an invalid
 * sequence written as U+FFFD.  A NUL byte ends the string.
 */
void	cli_json_str(FILE *out, const char *s, size_t len);
/* A NUL-terminated string, as cli_json_str. */
void	cli_json_cstr(FILE *out, const char *s);
/*
 * s[0..len) for a terminal: newline and tab kept, other control
 * characters and DEL as \xNN, a backslash as \\; stops at a NUL.
 */
void	cli_text_str(FILE *out, const char *s, size_t len);
/* Each line of s[0..len) after prefix, as cli_text_str; a missing last newline added. */
void	cli_text_lines(FILE *out, const char *prefix, const char *s, size_t len);
/* Unix seconds as ISO-8601 UTC ("2026-11-27T13:40:05Z"); "never" for 0. */
void	cli_iso_time(uint64_t t, char *buf, size_t len);

#endif
