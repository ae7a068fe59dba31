/*
 * The CLI's text output (cli_out.h): terminal text with control
 * characters escaped, JSON strings, ISO-8601 times.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../common/text.h"
#include "cli_out.h"

/* Bytes cleaned at a time for the terminal. */
#define TEXT_PIECE	1024

/* Length of the valid UTF-8 sequence at p (RFC 3629), or 0. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		need = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;	/* no overlong forms */
		else if (p[0] == 0xed)
			hi = 0x9f;	/* no surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		need = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;	/* <= U+10FFFF */
	} else
		return 0;
	if (n < need || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < need; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return need;
}

void
cli_json_str(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	unsigned char c;

	fputc('"', out);
	while (i < len && p[i] != '\0') {
		c = p[i];
		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
			i++;
		} else if (c == '\n') {
			fputs("\\n", out);
			i++;
		} else if (c == '\t') {
			fputs("\\t", out);
			i++;
		} else if (c == '\r') {
			fputs("\\r", out);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			fputc(c, out);
			i++;
		} else if ((n = utf8_len(p + i, len - i)) > 0) {
			fwrite(p + i, 1, n, out);
			i += n;
		} else {
			fputs("\\ufffd", out);
			i++;
		}
	}
	fputc('"', out);
}

/*
 * Where to end a piece of s[i..e]: before a byte that is no UTF-8
 * continuation byte, within the last 4; else at e, which then follows 3
 * continuation bytes and so ends no character.  Either way the cleaner
 * reads each character whole, as if given all of s.
 */
static size_t
piece_end(const unsigned char *s, size_t i, size_t e)
{
	size_t q;

	for (q = e; q > i && e - q <= 3; q--)
		if ((s[q] & 0xc0) != 0x80)
			return q;
	return e;
}

void
cli_text_str(FILE *out, const char *s, size_t len)
{
	static char buf[4 * TEXT_PIECE + 1];
	size_t i = 0, e, n;

	len = strnlen(s, len);
	while (i < len) {
		e = len - i > TEXT_PIECE ?
		    piece_end((const unsigned char *)s, i, i + TEXT_PIECE) : len;
		n = gwe_text_clean(buf, sizeof(buf), s + i, e - i, GWE_TEXT_TTY, NULL);
		fwrite(buf, 1, n, out);
		i = e;
	}
}

void
cli_iso_time(uint64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt;

	if (t == 0) {
		snprintf(buf, len, "never");
		return;
	}
	tt = (time_t)t;
	if (t > (uint64_t)INT64_MAX || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "@%" PRIu64, t);
}

void
cli_text_lines(FILE *out, const char *prefix, const char *s, size_t len)
{
	size_t i = 0, e;

	len = strnlen(s, len);
	while (i < len) {
		for (e = i; e < len && s[e] != '\n'; e++)
			;
		fputs(prefix, out);
		cli_text_str(out, s + i, e - i);
		fputc('\n', out);
		i = e + 1;
	}
}

void
cli_json_cstr(FILE *out, const char *s)
{
	cli_json_str(out, s, strlen(s));
}
