/*
 * The gwe CLI's commands that talk to gwe-netd over its control socket
 * run_dir/netd.sock (docs/design.md section 9; docs/protocol.md): gwe status
 * [--json], gwe --once, gwe --install-apps FILE...
 *
 * Every wait on the socket has a time-out.  Text that came from outside
 * (install.sh output, fetch_status, error messages) is printed with its
 * control characters escaped, so it cannot drive the operator's terminal;
 * JSON is written by hand with full escaping and valid UTF-8 only.
 */
#ifndef GWE_CLI_CTL_H
#define GWE_CLI_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses (docs/man/gwe.8, EXIT STATUS). */
#define CLI_EXIT_OK		0
#define CLI_EXIT_FAIL		1	/* refused, failed, did not reach the platform,
					   or (status) a daemon other than netd down */
#define CLI_EXIT_USAGE		2	/* usage, configuration or I/O error; netd
					   down or silent (--once, --install-apps) */
#define CLI_EXIT_NETD_DOWN	3	/* status: gwe-netd did not answer */

/* Default time-outs, in seconds (--timeout overrides). */
#define CLI_STATUS_TIMEOUT	15
#define CLI_ONCE_TIMEOUT	120
#define CLI_INSTALL_SLACK	360	/* added to [limits] install_timeout */

struct cli_ctl_opts {
	const char	*conf;		/* -f FILE, or the default path */
	int		 json;		/* status --json */
	unsigned	 timeout;	/* --timeout seconds, 0 for the default */
	const char	*sig;		/* --sig, only with one tarball */
	char	*const	*files;		/* --install-apps FILE... */
	int		 nfiles;
};

int	cli_ctl_status(const struct cli_ctl_opts *o);
int	cli_ctl_once(const struct cli_ctl_opts *o);
int	cli_ctl_install(const struct cli_ctl_opts *o);

/* ---- output helpers, exposed for tests/unit/test_cli_ctl.c ----------------- */

/*
 * s[0..len) as a JSON string, quotes included: ", \ and control
 * characters escaped, valid UTF-8 kept, each byte of an invalid
 * sequence written as U+FFFD.  A NUL byte ends the string.
 */
void	cli_json_str(FILE *out, const char *s, size_t len);
/*
 * s[0..len) for a terminal: newline and tab kept, other control
 * characters and DEL as \xNN, a backslash as \\; stops at a NUL.
 */
void	cli_text_str(FILE *out, const char *s, size_t len);
/* Unix seconds as ISO-8601 UTC ("2026-11-27T13:40:05Z"); "never" for 0. */
void	cli_iso_time(uint64_t t, char *buf, size_t len);
/* "installed", "failed", "refused", "interrupted", "error", or "unknown". */
const char *cli_status_name(uint32_t st);

#endif
