/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * The installer's parts (docs/design.md section 2).  Calls go one way, each
 * file only to those after it: ins_serve.c answers the verifier, ins_check.c
 * checks an INSTALL_REQ again, ins_run.c runs install.sh, ins_state.c keeps what
 * must survive a crash, ins_extract.c unpacks into a staging dir.
 */
#ifndef GWE_INSTALLD_H
#define GWE_INSTALLD_H

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../common/config.h"
#include "../../common/log.h"
#include "../../common/util.h"
#include "../../verify/vfy_sig.h"
#include "../../ipc/ipc.h"

struct ins_ctx {
	struct gwe_config	cfg;
	struct vfy_keyring	kr;
	char	apps_dir[PATH_MAX];	/* state_dir/installd/apps */
	char	marker_path[PATH_MAX];	/* state_dir/installd/installing */
	char	results_dir[PATH_MAX];	/* state_dir/installd/results */
	char	staging_dir[PATH_MAX];	/* state_dir/installd/staging */
	int	conn;			/* the verifier's connection, -1 none */
};

/* The install in progress: what the "installing" marker holds. */
struct ins_job {
	uint64_t job;
	char	 app[IPC_APP_LEN];
	char	 version[IPC_VER_LEN];
	char	 staging[PATH_MAX];
	uint64_t pgid;			/* install.sh's group, 0 before it runs */
	uint64_t start;			/* its start time, /proc/PID/stat field 22 */
};

/* ins_serve.c: the whole protocol, for ipc_handler_find(); ctx is a struct ins_ctx. */
extern const struct ipc_handler ins_handlers[];
extern const size_t ins_nhandlers;

/* ins_check.c */
int	ins_check(struct ins_ctx *, const struct ipc_install_req *, int fd,
	    char *reason, size_t reasonlen);

/* ins_run.c: 0 it ran, -1 it could not start, -2 killed before it ran (no marker). */
int	ins_run(struct ins_ctx *, struct ins_job *, struct ipc_result *);

/* ins_state.c */
void	ins_state_init(struct ins_ctx *);
int	ins_each(const char *dir, int (*)(const char *, void *), void *);
/* The installed-apps record of an app is an APP_ENTRY: its version and
 * digest are of the last install that exited 0. */
int	ins_app_get(struct ins_ctx *, const char *app, struct ipc_app_entry *);
int	ins_app_update(struct ins_ctx *, const struct ipc_install_req *,
	    const struct ipc_result *);
void	ins_result_save(struct ins_ctx *, const struct ipc_result *);
int	ins_result_load(struct ins_ctx *, uint64_t job, struct ipc_result *);
int	ins_result_forget(struct ins_ctx *, uint64_t job);
void	ins_result_text(struct ipc_result *, uint32_t status, const char *name,
	    const char *reason);
int	ins_marker(struct ins_ctx *, const struct ins_job *);
int	ins_proc_start(pid_t pid, uint64_t *start);
void	ins_recover(struct ins_ctx *);

/* ins_extract.c */
int	ins_staging_new(struct ins_ctx *, const char *app, char *dir, size_t dirlen);
int	ins_rmtree(const char *dir);
int	ins_extract(struct ins_ctx *, int fd, uint64_t size, const char *dir,
	    char *reason, size_t reasonlen);

#endif
