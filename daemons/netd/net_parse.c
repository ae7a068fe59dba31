/*
 * Parsers for the platform's answers.  Everything here is untrusted input
 * from the network: lengths are explicit, nothing is assumed
 * NUL-terminated, and each refusal says why.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/util.h"
#include "net_parse.h"

/* ---- form-urlencoded ---------------------------------------------------- */

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode s[0,len) into out (at least len + 1 bytes).  Returns the decoded
 * length, or -1 with *bad set to the offset of a broken escape.
 */
static long
pct_decode(const char *s, size_t len, char *out, size_t *bad)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '+')
			out[o++] = ' ';
		else if (s[i] == '%') {
			if (i + 2 >= len || (hi = hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)s[i + 2])) < 0) {
				*bad = i;
				return -1;
			}
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			out[o++] = s[i];
	}
	out[o] = '\0';
	return (long)o;
}

void
net_form_free(struct net_form_field *fields, size_t nfields)
{
	size_t i;

	for (i = 0; i < nfields; i++) {
		free(fields[i].value);
		fields[i].value = NULL;
		fields[i].len = 0;
		fields[i].present = 0;
		fields[i].too_long = 0;
	}
}

static struct net_form_field *
form_find(struct net_form_field *fields, size_t nfields, const char *name, size_t nlen)
{
	size_t i;

	for (i = 0; i < nfields; i++)
		if (strlen(fields[i].name) == nlen && memcmp(fields[i].name, name, nlen) == 0)
			return &fields[i];
	return NULL;
}

/* One "name=value" pair (value may be absent: "name" alone is an empty value). */
static int
form_pair(const char *p, size_t plen, size_t off, struct net_form_field *fields,
    size_t nfields, size_t max_value, size_t *unknown, char *scratch,
    char *reason, size_t reasonlen)
{
	const char *eq = memchr(p, '=', plen);
	size_t klen = eq != NULL ? (size_t)(eq - p) : plen;
	const char *v = eq != NULL ? eq + 1 : p + plen;
	size_t vlen = eq != NULL ? plen - klen - 1 : 0;
	struct net_form_field *f;
	size_t bad;
	long n;

	if ((n = pct_decode(p, klen, scratch, &bad)) < 0) {
		snprintf(reason, reasonlen, "bad percent-encoding at byte %zu", off + bad);
		return -1;
	}
	if (n == 0) {
		snprintf(reason, reasonlen, "empty alias name at byte %zu", off);
		return -1;
	}
	if ((f = form_find(fields, nfields, scratch, (size_t)n)) == NULL ||
	    strlen(scratch) != (size_t)n) {
		(*unknown)++;
		return 0;
	}
	if (f->present) {
		snprintf(reason, reasonlen, "duplicate alias %s", f->name);
		return -1;
	}
	f->present = 1;
	if ((n = pct_decode(v, vlen, scratch, &bad)) < 0) {
		snprintf(reason, reasonlen, "bad percent-encoding at byte %zu",
		    off + klen + 1 + bad);
		return -1;
	}
	if ((size_t)n > max_value) {
		f->too_long = 1;
		f->len = (size_t)n;
		return 0;
	}
	if ((f->value = malloc((size_t)n + 1)) == NULL) {
		snprintf(reason, reasonlen, "out of memory");
		return -1;
	}
	memcpy(f->value, scratch, (size_t)n + 1);
	f->len = (size_t)n;
	return 0;
}

int
net_form_parse(const char *body, size_t len, struct net_form_field *fields,
    size_t nfields, size_t max_value, size_t *unknown, char *reason, size_t reasonlen)
{
	size_t i, start = 0;
	char *scratch;
	size_t dummy;

	if (unknown == NULL)
		unknown = &dummy;
	*unknown = 0;
	for (i = 0; i < nfields; i++) {
		fields[i].value = NULL;
		fields[i].len = 0;
		fields[i].present = 0;
		fields[i].too_long = 0;
	}
	if (len > NET_FORM_MAX_BYTES) {
		snprintf(reason, reasonlen, "form body of %zu bytes is too large", len);
		return -1;
	}
	if ((scratch = malloc(len + 1)) == NULL) {
		snprintf(reason, reasonlen, "out of memory");
		return -1;
	}
	for (i = 0; i <= len; i++) {
		if (i < len && body[i] != '&')
			continue;
		if (i > start && form_pair(body + start, i - start, start, fields,
		    nfields, max_value, unknown, scratch, reason, reasonlen) == -1) {
			free(scratch);
			net_form_free(fields, nfields);
			return -1;
		}
		start = i + 1;
	}
	free(scratch);
	return 0;
}

static int
pct_encode_append(struct gwe_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[3];
	size_t i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
			if (gwe_buf_add(b, &s[i], 1) == -1)
				return -1;
			continue;
		}
		e[0] = '%';
		e[1] = hex[c >> 4];
		e[2] = hex[c & 15];
		if (gwe_buf_add(b, e, 3) == -1)
			return -1;
	}
	return 0;
}

int
net_form_add(struct gwe_buf *b, const char *name, const char *value, size_t vlen)
{
	if (b->len > 0 && gwe_buf_add(b, "&", 1) == -1)
		return -1;
	if (pct_encode_append(b, name, strlen(name)) == -1 ||
	    gwe_buf_add(b, "=", 1) == -1 ||
	    pct_encode_append(b, value, vlen) == -1)
		return -1;
	return 0;
}

/* ---- the install order ------------------------------------------------- */

static int
order_entry(struct json_object *e, size_t i, struct net_order *o, char *reason,
    size_t reasonlen)
{
	char app[VFY_APP_MAX + 1], version[VFY_VERSION_MAX + 1], why[VFY_REASON_MAX];
	struct json_object *name;
	const char *s;
	int len;

	if (!json_object_is_type(e, json_type_object)) {
		snprintf(reason, reasonlen, "install[%zu] is not an object", i);
		return -1;
	}
	if (!json_object_object_get_ex(e, "name", &name)) {
		snprintf(reason, reasonlen, "install[%zu] has no name", i);
		return -1;
	}
	if (!json_object_is_type(name, json_type_string)) {
		snprintf(reason, reasonlen, "install[%zu].name is not a string", i);
		return -1;
	}
	s = json_object_get_string(name);
	len = json_object_get_string_len(name);
	if (len < 0 || (size_t)len != strlen(s)) {
		snprintf(reason, reasonlen, "install[%zu].name holds a NUL byte", i);
		return -1;
	}
	if (vfy_name_parse(s, app, version, why, sizeof(why)) == -1) {
		snprintf(reason, reasonlen, "install[%zu].name: %s", i, why);
		return -1;
	}
	memcpy(o->names[o->n++], s, (size_t)len + 1);
	return 0;
}

static int
order_shape(struct json_object *root, struct net_order *o, char *reason, size_t reasonlen)
{
	struct json_object *inst;
	size_t i, n;

	if (!json_object_is_type(root, json_type_object)) {
		snprintf(reason, reasonlen, "not a JSON object");
		return -1;
	}
	if (!json_object_object_get_ex(root, "install", &inst)) {
		snprintf(reason, reasonlen, "no \"install\" key");
		return -1;
	}
	if (!json_object_is_type(inst, json_type_array)) {
		snprintf(reason, reasonlen, "\"install\" is not an array");
		return -1;
	}
	n = json_object_array_length(inst);
	if (n == 0) {
		snprintf(reason, reasonlen, "\"install\" is empty");
		return -1;
	}
	if (n > NET_ORDER_MAX_ENTRIES) {
		snprintf(reason, reasonlen, "\"install\" has %zu entries, at most %d allowed",
		    n, NET_ORDER_MAX_ENTRIES);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (order_entry(json_object_array_get_idx(inst, i), i, o, reason,
		    reasonlen) == -1)
			return -1;
	return 0;
}

static int
only_space(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return 0;
	return 1;
}

int
net_order_parse(const char *buf, size_t len, size_t max_bytes, struct net_order *o,
    char *reason, size_t reasonlen)
{
	struct json_tokener *tok;
	struct json_object *root;
	enum json_tokener_error jerr;
	size_t used;
	int rc;

	memset(o, 0, sizeof(*o));
	if (len > max_bytes) {
		snprintf(reason, reasonlen, "%zu bytes, larger than max_order_bytes %zu",
		    len, max_bytes);
		return -1;
	}
	if (len == 0 || only_space(buf, len)) {
		snprintf(reason, reasonlen, "empty");
		return -1;
	}
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(reason, reasonlen, "holds a NUL byte");
		return -1;
	}
	if ((tok = json_tokener_new_ex(NET_ORDER_MAX_DEPTH + 1)) == NULL) {
		snprintf(reason, reasonlen, "out of memory");
		return -1;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (root == NULL) {
		if (jerr == json_tokener_continue)
			snprintf(reason, reasonlen, "not JSON: unexpected end");
		else if (jerr == json_tokener_error_depth)
			snprintf(reason, reasonlen, "JSON nested deeper than %d",
			    NET_ORDER_MAX_DEPTH);
		else
			snprintf(reason, reasonlen, "not JSON: %s",
			    json_tokener_error_desc(jerr));
		return -1;
	}
	if (used > len || !only_space(buf + used, len - used)) {
		json_object_put(root);
		snprintf(reason, reasonlen, "not JSON: data after the value");
		return -1;
	}
	rc = order_shape(root, o, reason, reasonlen);
	json_object_put(root);
	if (rc == -1)
		memset(o, 0, sizeof(*o));
	return rc;
}

/* ---- small values ----------------------------------------------------- */

/*
 * A decimal number from [p, p+n) without a terminator; -1 if not all
 * digits.  At most 20 digits, leading zeros counted, as always.
 */
static int
dec_span(const char *p, size_t n, uint64_t max, uint64_t *out)
{
	return n > 20 ? -1 : gwe_parse_u64n(p, n, 0, max, out);
}

int
net_interval_parse(const char *buf, size_t len, uint64_t *out, char *reason,
    size_t reasonlen)
{
	uint64_t v;

	if (len == 0) {
		snprintf(reason, reasonlen, "empty");
		return -1;
	}
	if (dec_span(buf, len, UINT64_MAX, &v) == -1) {
		snprintf(reason, reasonlen, "not a whole number");
		return -1;
	}
	if (v < 1 || v > NET_INTERVAL_MAX) {
		snprintf(reason, reasonlen, "out of range 1..%d", NET_INTERVAL_MAX);
		return -1;
	}
	*out = v;
	return 0;
}

int
net_content_range_parse(const char *value, uint64_t *first, uint64_t *last,
    uint64_t *total, char *reason, size_t reasonlen)
{
	const char *p = value, *dash, *slash, *end;

	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "bytes ", 6) != 0) {
		snprintf(reason, reasonlen, "Content-Range is not in bytes");
		return -1;
	}
	p += 6;
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' ||
	    end[-1] == '\n'))
		end--;
	if ((dash = memchr(p, '-', (size_t)(end - p))) == NULL ||
	    (slash = memchr(dash, '/', (size_t)(end - dash))) == NULL ||
	    dec_span(p, (size_t)(dash - p), UINT64_MAX, first) == -1 ||
	    dec_span(dash + 1, (size_t)(slash - dash - 1), UINT64_MAX, last) == -1) {
		snprintf(reason, reasonlen, "malformed Content-Range");
		return -1;
	}
	if ((size_t)(end - slash - 1) == 1 && slash[1] == '*')
		*total = UINT64_MAX;
	else if (dec_span(slash + 1, (size_t)(end - slash - 1), UINT64_MAX - 1, total) == -1) {
		snprintf(reason, reasonlen, "malformed Content-Range total");
		return -1;
	}
	if (*first > *last || (*total != UINT64_MAX && *last >= *total)) {
		snprintf(reason, reasonlen, "inconsistent Content-Range");
		return -1;
	}
	return 0;
}

int
net_cik_parse(const char *buf, size_t len, char cik[NET_CIK_LEN + 1], char *reason,
    size_t reasonlen)
{
	size_t i;

	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len != NET_CIK_LEN) {
		snprintf(reason, reasonlen, "CIK of %zu bytes, want %d hex digits",
		    len, NET_CIK_LEN);
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (hexval((unsigned char)buf[i]) < 0) {
			snprintf(reason, reasonlen, "CIK has a non-hex byte at %zu", i);
			return -1;
		}
		cik[i] = buf[i];
	}
	cik[len] = '\0';
	return 0;
}

int
net_content_info_parse(const char *buf, size_t len, uint64_t *size, uint64_t *updated,
    char *reason, size_t reasonlen)
{
	const char *c1, *c2, *c3, *end = buf + len;

	while (end > buf && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	if ((c1 = memchr(buf, ',', (size_t)(end - buf))) == NULL ||
	    (c2 = memchr(c1 + 1, ',', (size_t)(end - c1 - 1))) == NULL) {
		snprintf(reason, reasonlen, "content info is not type,size,timestamp,meta");
		return -1;
	}
	c3 = memchr(c2 + 1, ',', (size_t)(end - c2 - 1));
	if (c3 == NULL)
		c3 = end;
	if (dec_span(c1 + 1, (size_t)(c2 - c1 - 1), UINT64_MAX - 1, size) == -1) {
		snprintf(reason, reasonlen, "content info size is not a number");
		return -1;
	}
	if (dec_span(c2 + 1, (size_t)(c3 - c2 - 1), UINT64_MAX, updated) == -1) {
		snprintf(reason, reasonlen, "content info timestamp is not a number");
		return -1;
	}
	return 0;
}
