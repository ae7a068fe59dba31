/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * The message table and the codec that walks it.  Encoding and decoding
 * are field by field with explicit little-endian byte order; the decoder
 * checks the exact length before it reads a byte of payload and never
 * reads past what it was given.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../common/util.h"
#include "ipc.h"

/* A field's wire kind and width follow from its C type; ST is its table's struct. */
#define KIND(x)		_Generic((x), uint32_t: IK_U32, int32_t: IK_I32, uint64_t: IK_U64, \
			    char *: IK_STR, uint8_t *: IK_BYTES)
#define M(f)		(((ST *)0)->f)
#define F(f, what) { #f, KIND(M(f)), sizeof(M(f)), offsetof(ST, f), 0, what }
#define VAR(f, what) { #f, IK_VAR, sizeof(M(f)), offsetof(ST, f), offsetof(ST, f##_len), what }

#define ST struct ipc_verify_req
static const struct ipc_field f_verify[] = {
	F(job, "job id chosen by netd, echoed in the result"),
	F(size, "tarball bytes; must equal the memfd's size"),
	F(origin, "1 OTA order, 2 local (gwe --install-apps)"),
	F(name, "tarball name `<APP>.v<VERSION>.tar.gz`"),
	VAR(sig, "the `.minisig` file's text (0 bytes: unsigned)"),
};
#undef ST
#define ST struct ipc_install_req
static const struct ipc_field f_install[] = {
	F(job, "job id, echoed in the result"),
	F(size, "tarball bytes; must equal the memfd's size"),
	F(origin, "1 OTA order, 2 local"),
	F(name, "tarball name"),
	F(app, "app part of the name"),
	F(version, "version part of the name"),
	F(digest, "BLAKE2b-512 of the tarball as the verifier saw it"),
	VAR(sig, "the .minisig text, re-verified by the installer"),
};
#undef ST
#define ST struct ipc_result
static const struct ipc_field f_result[] = {
	F(job, "job id of the request"),
	F(origin, "1 OTA, 2 local"),
	F(status, "1 installed, 2 failed, 3 refused, 4 interrupted, 5 error"),
	F(exit_code, "install.sh exit status, -1 if it did not exit"),
	F(signal, "signal that ended install.sh, 0 if none"),
	F(truncated, "1 when the output was cut at output_cap"),
	F(output_total, "bytes install.sh wrote in all"),
	F(duration_ms, "time taken"),
	F(finished_at, "Unix seconds"),
	F(name, "tarball name"),
	VAR(output, "install.sh output, or the line 'gwe: <name>: <reason>'"),
};
#undef ST
#define ST struct ipc_app_entry
static const struct ipc_field f_app[] = {
	F(installed_at, "Unix seconds the last install finished"),
	F(status, "IPC status of the last install"),
	F(exit_code, "install.sh exit status of the last install"),
	F(app, "app name"),
	F(version, "installed version (last exit-0 install)"),
	F(digest, "BLAKE2b-512 of that tarball"),
};
#undef ST
#define ST struct ipc_status_answer
static const struct ipc_field f_status[] = {
	F(last_checkin, "Unix seconds of the last check-in attempt, 0 never"),
	F(last_ok, "of the last successful check-in"),
	F(next_checkin, "when the next is due"),
	F(update_interval, "seconds in force"),
	F(queued, "results waiting to be written to fetch_status"),
	F(verifyd_up, "1 when netd is connected to the verifier"),
	F(last_error, "last check-in error, empty if none"),
	VAR(fetch_status, "last text written to fetch_status"),
};
#undef ST
#define ST struct ipc_ctl_install
static const struct ipc_field f_ctl_install[] = {
	F(size, "tarball bytes; must equal the memfd's size"),
	F(name, "tarball name"),
	VAR(sig, "the .minisig text"),
};
#undef ST
#define ST struct ipc_ctl_done
static const struct ipc_field f_done[] = {
	F(ok, "1 the check-in reached the platform, 0 not"),
	F(message, "what happened"),
};
#undef ST
#define ST struct ipc_error
static const struct ipc_field f_error[] = {
	F(code, "1 protocol, 2 busy, 3 unavailable, 4 refused"),
	F(message, "what was wrong"),
};
#undef ST
#define ST struct ipc_ack
static const struct ipc_field f_ack[] = {
	F(job, "job whose result netd has queued on disk"),
};
#undef ST
#define ST struct ipc_apps_end
static const struct ipc_field f_apps_end[] = {
	F(count, "number of APP_ENTRY messages sent before"),
};
#undef ST

#define R(a, b)		IPC_ROUTE(PEER_##a, PEER_##b)
#define FIELDS(f)	f, sizeof(f) / sizeof((f)[0])

static const struct ipc_def ipc_defs[] = {
	{ IPC_VERIFY_REQ, "VERIFY_REQ", 1, 152, IPC_SIG_MAX, R(NETD, VERIFYD),
	    FIELDS(f_verify), "Check this tarball and, if it passes, have it installed",
	    "the tarball, a memfd with all four seals" },
	{ IPC_INSTALL_REQ, "INSTALL_REQ", 1, 328, IPC_SIG_MAX, R(VERIFYD, INSTALLD),
	    FIELDS(f_install), "Install this verified tarball",
	    "the same sealed memfd the verifier checked" },
	{ IPC_RESULT, "RESULT", 0, 184, IPC_OUTPUT_MAX,
	    R(INSTALLD, VERIFYD) | R(VERIFYD, NETD) | R(NETD, CLI),
	    FIELDS(f_result), "The outcome of one job", NULL },
	{ IPC_ACK, "ACK", 0, 8, 0, R(NETD, VERIFYD) | R(VERIFYD, INSTALLD),
	    FIELDS(f_ack), "gwe-netd has the result on disk; the producer may forget it", NULL },
	{ IPC_UNACKED_QUERY, "UNACKED_QUERY", 0, 0, 0,
	    R(NETD, VERIFYD) | R(VERIFYD, INSTALLD), NULL, 0,
	    "Send again every result not yet acknowledged", NULL },
	{ IPC_APPS_QUERY, "APPS_QUERY", 0, 0, 0,
	    R(CLI, NETD) | R(NETD, VERIFYD) | R(VERIFYD, INSTALLD), NULL, 0,
	    "List the installed apps (answered by APP_ENTRY... APPS_END)", NULL },
	{ IPC_APP_ENTRY, "APP_ENTRY", 0, 192, 0,
	    R(INSTALLD, VERIFYD) | R(VERIFYD, NETD) | R(NETD, CLI),
	    FIELDS(f_app), "One installed app", NULL },
	{ IPC_APPS_END, "APPS_END", 0, 4, 0,
	    R(INSTALLD, VERIFYD) | R(VERIFYD, NETD) | R(NETD, CLI),
	    FIELDS(f_apps_end), "End of an installed-apps answer", NULL },
	{ IPC_CTL_STATUS, "CTL_STATUS", 0, 0, 0, R(CLI, NETD), NULL, 0,
	    "`gwe status`: ask netd for its state", NULL },
	{ IPC_CTL_STATUS_ANSWER, "CTL_STATUS_ANSWER", 0, 300, IPC_STATUS_MAX, R(NETD, CLI),
	    FIELDS(f_status), "The state of gwe-netd", NULL },
	{ IPC_CTL_CHECKIN, "CTL_CHECKIN", 0, 0, 0, R(CLI, NETD), NULL, 0,
	    "`gwe --once`: check in now (answered by CTL_DONE when it is over)", NULL },
	{ IPC_CTL_INSTALL, "CTL_INSTALL", 1, 140, IPC_SIG_MAX, R(CLI, NETD),
	    FIELDS(f_ctl_install), "`gwe --install-apps`: install a local tarball (answered by RESULT)",
	    "the tarball, a memfd with all four seals" },
	{ IPC_CTL_DONE, "CTL_DONE", 0, 260, 0, R(NETD, CLI), FIELDS(f_done),
	    "A control request is over", NULL },
	{ IPC_ERROR, "ERROR", 0, 260, 0,
	    R(NETD, CLI) | R(VERIFYD, NETD) | R(INSTALLD, VERIFYD),
	    FIELDS(f_error), "The request could not be served", NULL },
};

#define NDEFS (sizeof(ipc_defs) / sizeof(ipc_defs[0]))

/* The wire sizes above are part of the protocol: pin them. */
_Static_assert(IPC_HDR_LEN == 2 + 2 + 4 + 4 + 4, "header layout");
_Static_assert(8 + 8 + 4 + IPC_NAME_LEN == 148, "VERIFY_REQ fixed part");
_Static_assert(8 + 8 + 4 + IPC_NAME_LEN + IPC_APP_LEN + IPC_VER_LEN +
    IPC_DIGEST_LEN == 324, "INSTALL_REQ fixed part");
_Static_assert(8 + 4 * 5 + 8 * 3 + IPC_NAME_LEN == 180, "RESULT fixed part");
_Static_assert(8 + 4 + 4 + IPC_APP_LEN + IPC_VER_LEN + IPC_DIGEST_LEN == 192,
    "APP_ENTRY");
_Static_assert(8 * 4 + 4 + 4 + IPC_TEXT_LEN == 296, "CTL_STATUS_ANSWER fixed part");
_Static_assert(8 + IPC_NAME_LEN == 136, "CTL_INSTALL fixed part");
_Static_assert(4 + IPC_TEXT_LEN == 260, "CTL_DONE and ERROR");
_Static_assert(IPC_HDR_LEN + 328 + IPC_SIG_MAX <= IPC_MSG_MAX, "largest request fits");
_Static_assert(IPC_HDR_LEN + 184 + IPC_OUTPUT_MAX <= IPC_MSG_MAX, "largest result fits");
_Static_assert(NDEFS == IPC_TYPE_MAX - 1, "every type has a definition");

static const char *peer_names[PEER_COUNT] = { "cli", "netd", "verifyd", "installd" };

/* ipc_defs[] is in type order, so a type is its index plus one. */
const struct ipc_def *
ipc_def(uint16_t type)
{
	if (type == 0 || type >= IPC_TYPE_MAX)
		return NULL;
	return &ipc_defs[type - 1];
}

const char *
ipc_type_name(uint16_t type)
{
	const struct ipc_def *d = ipc_def(type);

	return d != NULL ? d->name : "UNKNOWN";
}

const char *
ipc_peer_name(enum ipc_peer p)
{
	return (unsigned)p < PEER_COUNT ? peer_names[p] : "unknown";
}

int
ipc_route_ok(uint16_t type, enum ipc_peer from, enum ipc_peer to)
{
	const struct ipc_def *d = ipc_def(type);

	if (d == NULL || (unsigned)from >= PEER_COUNT || (unsigned)to >= PEER_COUNT)
		return 0;
	return (d->routes & IPC_ROUTE(from, to)) != 0;
}

const char *
ipc_status_name(uint32_t st)
{
	static const char *const names[IPC_ST_MAX + 1] = {
		[IPC_ST_INSTALLED] = "installed", [IPC_ST_FAILED] = "failed",
		[IPC_ST_REFUSED] = "refused", [IPC_ST_INTERRUPTED] = "interrupted",
		[IPC_ST_ERROR] = "error",
	};

	return st <= IPC_ST_MAX && names[st] != NULL ? names[st] : "unknown";
}

const struct ipc_handler *
ipc_handler_find(const struct ipc_handler *t, size_t n, enum ipc_peer from, uint16_t type)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].from == from && t[i].type == type)
			return &t[i];
	return NULL;
}

void
ipc_init(struct ipc_msg *m, uint16_t type, uint32_t seq)
{
	memset(m, 0, sizeof(*m));
	m->hdr.version = IPC_VERSION;
	m->hdr.type = type;
	m->hdr.seq = seq;
	m->fd = -1;
}

/* ---- little-endian helpers ---------------------------------------------- */

static void
put_le(uint8_t *p, uint64_t v, unsigned width)
{
	unsigned i;

	for (i = 0; i < width; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
get_le(const uint8_t *p, unsigned width)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < width; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void
put_hdr(uint8_t *p, const struct ipc_hdr *h)
{
	put_le(p, h->version, 2);
	put_le(p + 2, h->type, 2);
	put_le(p + 4, h->flags, 4);
	put_le(p + 8, h->len, 4);
	put_le(p + 12, h->seq, 4);
}

static void
get_hdr(const uint8_t *p, struct ipc_hdr *h)
{
	h->version = (uint16_t)get_le(p, 2);
	h->type = (uint16_t)get_le(p + 2, 2);
	h->flags = (uint32_t)get_le(p + 4, 4);
	h->len = (uint32_t)get_le(p + 8, 4);
	h->seq = (uint32_t)get_le(p + 12, 4);
}

/* ---- encode ---------------------------------------------------------------- */

/* Write one field; returns bytes written, or -1 when the value does not fit. */
static ssize_t
put_field(const struct ipc_field *f, const uint8_t *st, uint8_t *p)
{
	uint32_t u32, vlen;
	int32_t i32;
	uint64_t u64;
	size_t n;

	switch (f->kind) {
	case IK_U32:
		memcpy(&u32, st + f->off, 4);
		put_le(p, u32, 4);
		return 4;
	case IK_I32:
		memcpy(&i32, st + f->off, 4);
		put_le(p, (uint32_t)i32, 4);
		return 4;
	case IK_U64:
		memcpy(&u64, st + f->off, 8);
		put_le(p, u64, 8);
		return 8;
	case IK_STR:
		n = strnlen((const char *)st + f->off, f->width);
		if (n >= f->width)
			return -1;
		memset(p, 0, f->width);
		memcpy(p, st + f->off, n);
		return f->width;
	case IK_BYTES:
		memcpy(p, st + f->off, f->width);
		return f->width;
	case IK_VAR:
		memcpy(&vlen, st + f->len_off, 4);
		if (vlen > f->width)
			return -1;
		put_le(p, vlen, 4);
		memcpy(p + 4, st + f->off, vlen);
		return 4 + (ssize_t)vlen;
	}
	return -1;
}

ssize_t
ipc_encode(const struct ipc_msg *m, uint8_t *buf, size_t buflen, char *err,
    size_t errlen)
{
	const struct ipc_def *d = ipc_def(m->hdr.type);
	const uint8_t *st = (const uint8_t *)&m->u;
	struct ipc_hdr h;
	size_t off = IPC_HDR_LEN, i;
	ssize_t n;

	if (d == NULL)
		return gwe_errf(err, errlen, "encode: unknown type %u", m->hdr.type);
	if (buflen < IPC_MSG_MAX)
		return gwe_errf(err, errlen, "encode: buffer too small");
	if (d->has_fd != (m->fd >= 0))
		return gwe_errf(err, errlen, "encode: %s %s an fd", d->name,
		    d->has_fd ? "needs" : "takes no");
	for (i = 0; i < d->nfields; i++) {
		if ((n = put_field(&d->fields[i], st, buf + off)) < 0)
			return gwe_errf(err, errlen, "encode: %s.%s does not fit",
			    d->name, d->fields[i].name);
		off += (size_t)n;
	}
	h = m->hdr;
	h.version = IPC_VERSION;
	h.flags = d->has_fd ? IPC_F_FD : 0;
	h.len = (uint32_t)(off - IPC_HDR_LEN);
	put_hdr(buf, &h);
	return (ssize_t)off;
}

/* ---- decode ---------------------------------------------------------------- */

/* A string field must hold a NUL and nothing but zeros after it. */
static int
str_ok(const uint8_t *p, uint32_t width)
{
	const uint8_t *nul = memchr(p, 0, width);
	const uint8_t *q;

	if (nul == NULL)
		return 0;
	for (q = nul; q < p + width; q++)
		if (*q != 0)
			return 0;
	return 1;
}

static int
get_field(const struct ipc_field *f, const uint8_t *p, uint8_t *st)
{
	uint32_t u32;
	int32_t i32;
	uint64_t u64;

	switch (f->kind) {
	case IK_U32:
		u32 = (uint32_t)get_le(p, 4);
		memcpy(st + f->off, &u32, 4);
		return 0;
	case IK_I32:
		i32 = (int32_t)(uint32_t)get_le(p, 4);
		memcpy(st + f->off, &i32, 4);
		return 0;
	case IK_U64:
		u64 = get_le(p, 8);
		memcpy(st + f->off, &u64, 8);
		return 0;
	case IK_STR:
		if (!str_ok(p, f->width))
			return -1;
		memcpy(st + f->off, p, f->width);
		return 0;
	case IK_BYTES:
		memcpy(st + f->off, p, f->width);
		return 0;
	case IK_VAR:
		break;
	}
	return -1;
}

/* Check the payload length against the definition before reading it. */
static int
check_len(const struct ipc_def *d, const uint8_t *payload, uint32_t len,
    uint32_t *vlen, char *err, size_t errlen)
{
	*vlen = 0;
	if (d->var_max == 0) {
		if (len != d->fixed_len)
			return gwe_errf(err, errlen, "%s: payload is %u bytes, must be %u",
			    d->name, len, d->fixed_len);
		return 0;
	}
	if (len < d->fixed_len)
		return gwe_errf(err, errlen, "%s: payload is %u bytes, shorter than %u",
		    d->name, len, d->fixed_len);
	*vlen = (uint32_t)get_le(payload + d->fixed_len - 4, 4);
	if (*vlen > d->var_max)
		return gwe_errf(err, errlen, "%s: variable part of %u bytes exceeds %u",
		    d->name, *vlen, d->var_max);
	if (len != d->fixed_len + *vlen)
		return gwe_errf(err, errlen, "%s: payload is %u bytes, must be %u",
		    d->name, len, d->fixed_len + *vlen);
	return 0;
}

static int
check_hdr(const struct ipc_hdr *h, size_t len, int nfds, const struct ipc_def **dp,
    char *err, size_t errlen)
{
	const struct ipc_def *d;

	if (h->version != IPC_VERSION)
		return gwe_errf(err, errlen, "protocol version %u, expected %u",
		    (unsigned)h->version, (unsigned)IPC_VERSION);
	if ((d = ipc_def(h->type)) == NULL)
		return gwe_errf(err, errlen, "unknown message type %u", h->type);
	if ((h->flags & ~IPC_F_ALL) != 0)
		return gwe_errf(err, errlen, "%s: unknown flags 0x%x", d->name, h->flags);
	if ((size_t)h->len != len - IPC_HDR_LEN)
		return gwe_errf(err, errlen, "%s: header says %u payload bytes, got %zu",
		    d->name, h->len, len - IPC_HDR_LEN);
	if (nfds > 1)
		return gwe_errf(err, errlen, "%s: %d fds, at most one allowed", d->name, nfds);
	if (d->has_fd && (nfds != 1 || (h->flags & IPC_F_FD) == 0))
		return gwe_errf(err, errlen, "%s: missing its fd", d->name);
	if (!d->has_fd && (nfds != 0 || (h->flags & IPC_F_FD) != 0))
		return gwe_errf(err, errlen, "%s: carries an fd where none belongs", d->name);
	*dp = d;
	return 0;
}

int
ipc_decode(const uint8_t *buf, size_t len, int nfds, struct ipc_msg *m,
    char *err, size_t errlen)
{
	const struct ipc_def *d = NULL;
	const uint8_t *p;
	uint8_t *st;
	uint32_t vlen;
	size_t i;

	memset(&m->hdr, 0, sizeof(m->hdr));
	m->fd = -1;
	if (len < IPC_HDR_LEN)
		return gwe_errf(err, errlen, "message of %zu bytes is shorter than a header", len);
	if (len > IPC_MSG_MAX)
		return gwe_errf(err, errlen, "message of %zu bytes is too long", len);
	get_hdr(buf, &m->hdr);
	if (check_hdr(&m->hdr, len, nfds, &d, err, errlen) == -1)
		return -1;
	p = buf + IPC_HDR_LEN;
	if (check_len(d, p, m->hdr.len, &vlen, err, errlen) == -1)
		return -1;
	st = (uint8_t *)&m->u;
	memset(st, 0, sizeof(m->u));
	for (i = 0; i < d->nfields; i++) {
		const struct ipc_field *f = &d->fields[i];

		if (f->kind == IK_VAR) {
			memcpy(st + f->len_off, &vlen, 4);
			memcpy(st + f->off, p + 4, vlen);
			p += 4 + vlen;
			continue;
		}
		if (get_field(f, p, st) == -1)
			return gwe_errf(err, errlen, "%s.%s: string not NUL-terminated "
			    "and zero-padded", d->name, f->name);
		p += f->width;
	}
	return 0;
}
