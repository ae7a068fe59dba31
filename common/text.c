/* Runs as root: compiled into gwe-installd (docs/trusted-surface.md). */
#include <stdio.h>
#include <string.h>

#include "text.h"

/*
 * The length of the sequence at s: a whole well-formed character (*valid
 * set; Unicode table 3-7) or its longest ill-formed prefix (*valid clear).
 */
static size_t
utf8_seq(const unsigned char *s, size_t len, int *valid)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	*valid = c != 0;
	if (c < 0x80)
		return 1;
	*valid = 0;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		lo = c == 0xe0 ? 0xa0 : 0x80;	/* overlong */
		hi = c == 0xed ? 0x9f : 0xbf;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		lo = c == 0xf0 ? 0x90 : 0x80;	/* overlong */
		hi = c == 0xf4 ? 0x8f : 0xbf;	/* over U+10FFFF */
	} else
		return 1;
	for (i = 1; i <= need; i++) {
		if (i >= len || s[i] < lo || s[i] > hi)
			return i;
		lo = 0x80;
		hi = 0xbf;
	}
	*valid = 1;
	return need + 1;
}

/* May the well-formed character s[0..n) be copied as it is? */
static int
kept(const unsigned char *s, size_t n, unsigned flags)
{
	unsigned char c = s[0];

	if (flags & GWE_TEXT_REPAIR)
		return 1;
	if (n > 1)	/* C1 controls are U+0080-U+009F */
		return !(flags & GWE_TEXT_ASCII) && !(c == 0xc2 && s[1] < 0xa0);
	if (c == '"')
		return !(flags & GWE_TEXT_QUOTE);
	if (c == '\\')
		return !(flags & (GWE_TEXT_QUOTE | GWE_TEXT_ESCAPE));
	if (c == '\t' || c == '\n')
		return (flags & GWE_TEXT_KEEPNL) && !(c == '\n' && (flags & GWE_TEXT_NOLF));
	return c >= 0x20 && c < 0x7f;
}

/* What a refused byte c becomes, in out[8]. */
static const char *
refused(unsigned char c, unsigned flags, char *out)
{
	if (flags & GWE_TEXT_REPAIR)
		return "\xef\xbf\xbd";
	if ((flags & GWE_TEXT_FOLD) && (c == '\n' || c == '\r'))
		return " ";
	if ((flags & GWE_TEXT_ESCAPE) && c == '\\')
		return "\\\\";
	if (flags & GWE_TEXT_ESCAPE) {
		snprintf(out, 8, "\\x%02x", c);
		return out;
	}
	return "?";
}

size_t
gwe_text_clean(char *dst, size_t dstlen, const char *src, size_t srclen,
    unsigned flags, size_t *changed)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0, n, w, nch = 0;
	const char *out;
	char esc[8];
	int valid;

	while (i < srclen && (s[i] != '\0' || (flags & GWE_TEXT_REPAIR))) {
		n = utf8_seq(s + i, srclen - i, &valid);
		if (valid && kept(s + i, n, flags)) {
			out = src + i;
			w = n;
		} else {
			out = refused(s[i], flags, esc);
			w = strlen(out);
			if (!(flags & GWE_TEXT_REPAIR))
				n = 1;	/* the next byte is looked at again */
		}
		if (o + w >= dstlen)
			break;
		memcpy(dst + o, out, w);
		nch += out != src + i;
		o += w;
		i += n;
	}
	if (dstlen > 0)
		dst[o] = '\0';
	if (changed != NULL)
		*changed = nch;
	return o;
}
