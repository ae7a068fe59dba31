/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * The one INI configuration file (docs/design.md section 8), read through inih.
 * Every daemon and the CLI load it with config_load(); an unknown key in a
 * section we own is an error naming file, line and key; foreign sections
 * are ignored.
 */
#ifndef GWE_CONFIG_H
#define GWE_CONFIG_H

#include <stdint.h>
#include <sys/types.h>

#include "limits.h"

#define GWE_CONF_DEFAULT	"/etc/gwe/gwe.conf"
#define CONF_STR_MAX		256
#define CONF_PATH_MAX		1024
#define CONF_ERR_MAX		512

struct gwe_config {
	/* [device] */
	char	cik[CONF_STR_MAX];
	char	vendor[CONF_STR_MAX];
	char	model[CONF_STR_MAX];
	char	uuid[CONF_STR_MAX];
	char	iface[CONF_STR_MAX];
	/* [engine] */
	char	host[CONF_STR_MAX];
	uint64_t update_interval;
	uint64_t act_retry_interval;
	int	debug_level;		/* LOG_LVL_* */
	char	user_agent[CONF_STR_MAX];
	int	long_poll;
	char	ca_file[CONF_PATH_MAX];
	/* [security] */
	char	keys_dir[CONF_PATH_MAX];
	int	require_signature;
	int	allow_downgrade;
	char	net_user[CONF_STR_MAX];
	char	verify_user[CONF_STR_MAX];
	/* [limits] */
	struct gwe_limits limits;
	/* [paths] */
	char	state_dir[CONF_PATH_MAX];
	char	run_dir[CONF_PATH_MAX];
	/* where it came from, for messages */
	char	path[CONF_PATH_MAX];
};

/* Fill cfg with the documented defaults. */
void	config_defaults(struct gwe_config *cfg);
/*
 * Load path over the defaults.  Returns 0, or -1 with a message in err
 * naming the file, the line and the key ("gwe.conf:12: [engine] foo: unknown key").
 */
int	config_load(const char *path, struct gwe_config *cfg, char *err, size_t errlen);
/* Set one key as if read from the file (used by the CLI's --set-* flags). */
int	config_set(struct gwe_config *cfg, const char *section, const char *key,
	    const char *value, char *err, size_t errlen);
/* Resolve a user given by name or numeric uid. */
int	config_user(const char *spec, uid_t *uid, gid_t *gid, char *err, size_t errlen);

#endif
