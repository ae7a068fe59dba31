/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * What every gwe program does first: its command line, its config, its log.
 */
#ifndef GWE_DAEMON_H
#define GWE_DAEMON_H

#include "config.h"

struct daemon_opts {
	const char	*conf;		/* -f FILE */
	int		 foreground;	/* -F */
	int		 debug;		/* -d: debug level regardless of config */
	int		 once;		/* --once (netd only) */
};

/*
 * Close inherited fds (daemon_close_fds), then parse -f FILE, -F, -d, -h/--help,
 * -V/--version (and --once when allow_once); exits 0 after help or version, 2 on a
 * usage error.
 */
void	daemon_args(int argc, char **argv, const char *prog, const char *usage_extra,
	    int allow_once, struct daemon_opts *o);
/* Load the configuration or exit 1 with the reason on stderr. */
void	daemon_config(const struct daemon_opts *o, struct gwe_config *cfg);
/* Resolve a [security] user or exit with the reason. */
void	daemon_user(const char *what, const char *spec, uid_t *uid, gid_t *gid);
/* 0 if dir is a directory owned by root that no one else can write, else -1 and why. */
int	daemon_dir_safe(const char *dir, char *err, size_t errlen);
/* Close every fd above 2: call first thing in main, before any sandbox. */
void	daemon_close_fds(void);

#endif
