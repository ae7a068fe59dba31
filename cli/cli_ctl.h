/*
 * The gwe CLI's commands that talk to gwe-netd over its control socket
 * run_dir/netd.sock (docs/design.md section 9; docs/protocol.md): gwe status
 * [--json] (cli_status.c), gwe --once, gwe --install-apps FILE... (cli_ctl.c).
 *
 * Every wait on the socket has a time-out.  Text that came from outside
 * (install.sh output, fetch_status, error messages) is printed through
 * cli_out.h.
 */
#ifndef GWE_CLI_CTL_H
#define GWE_CLI_CTL_H

#include <stddef.h>
#include <stdint.h>

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

/* ---- the control socket, shared with cli_status.c ------------------------- */

struct gwe_config;
struct ipc_msg;

/*
 * Connect to run_dir/netd.sock as root, the one peer netd accepts, and
 * check that root listens there.  fd, or -1 with err set.
 */
int	cli_ctl_connect(const struct gwe_config *cfg, char *err, size_t errlen);
/*
 * Receive netd's answer to request seq into m.  1, or -1 with err set
 * (closed, time-out, protocol error, or an answer to something else).
 */
int	cli_ctl_recv(int fd, struct ipc_msg *m, uint32_t seq, unsigned timeout_s,
	    char *err, size_t errlen);

#endif
