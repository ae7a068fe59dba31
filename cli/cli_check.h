/* gwe --check-tarball: the verifier's checks, run in the verifier's sandbox. */
#ifndef GWE_CLI_CHECK_H
#define GWE_CLI_CHECK_H

struct cli_check_opts {
	const char	*conf;		/* -f FILE, or the default path */
	int		 conf_given;	/* -f was on the command line */
	const char	*file;		/* the tarball */
	const char	*sig;		/* --sig, or NULL for FILE.minisig */
	const char	*pubkey;	/* --pubkey, or NULL for every *.pub in keys_dir */
};

/* Prints "accepted" or "refused: <reason>"; returns the exit status 0, 1 or 2. */
int	cli_check_tarball(const struct cli_check_opts *o);

#endif
