/*
 * libFuzzer target: the bytes as a .minisig text and as a public key
 * text.  Both parsers take an exact length, so the input is given as is
 * (no NUL); ASan catches any read past it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../verify/vfy_sig.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_sig(const struct vfy_minisig *sig)
{
	size_t clen;

	/* a parsed comment is NUL-terminated, without LF, CR or NUL */
	clen = strnlen(sig->trusted_comment, sizeof(sig->trusted_comment));
	if (clen > VFY_COMMENT_MAX ||
	    memchr(sig->trusted_comment, '\n', clen) != NULL ||
	    memchr(sig->trusted_comment, '\r', clen) != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[VFY_REASON_MAX];
	struct vfy_minisig sig;
	struct vfy_pubkey pk;

	why[0] = '\0';
	if (vfy_minisig_parse((const char *)data, size, &sig, why,
	    sizeof(why)) == 0)
		check_sig(&sig);
	else if (why[0] == '\0')
		abort();	/* every refusal has a reason */
	why[0] = '\0';
	if (vfy_pubkey_parse((const char *)data, size, &pk, why,
	    sizeof(why)) == -1 && why[0] == '\0')
		abort();
	return 0;
}
