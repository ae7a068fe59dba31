/*
 * The gwe CLI's Gateway Engine flags that only print (docs/man/gwe.8):
 * -p/--path, -e/--engine-conf, --mac-address IFACE; and
 * --download-latest AREA, which gwe refuses: it is updated by its package
 * manager, not by fetching itself (docs/operator.md, "Updating gwe").
 * Each returns 0, or -1 with a message in err.
 */
#ifndef GWE_CLI_INFO_H
#define GWE_CLI_INFO_H

#include <stddef.h>
#include <stdio.h>

/* -p: the directory the running gwe program is in, where make install puts all four. */
int	cli_info_path(FILE *out, char *err, size_t errlen);
/*
 * -e: the [engine] section in force: every key, the file's value or the
 * default, as "key = value" lines; an empty value as ''.  A missing file
 * is the defaults when missing_ok.
 */
int	cli_info_engine(const char *conf, int missing_ok, FILE *out, char *err,
	    size_t errlen);
/*
 * --mac-address: iface's MAC address as activation uses it for the
 * serial number: upper case, colon-separated, 17 characters.
 */
int	cli_info_mac(const char *iface, FILE *out, char *err, size_t errlen);
/* Whether area is one of Gateway Engine's release areas of --download-latest. */
int	cli_info_release_area(const char *area);
/* --download-latest: the refusal, on stderr; the exit status (1). */
int	cli_info_download_refused(const char *area);

#endif
