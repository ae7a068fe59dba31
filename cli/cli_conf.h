/*
 * The configuration edits behind the gwe CLI's Gateway-Engine-compatible
 * flags (docs/design.md sections 8 and 9): -c -r -m -P -u -i -l -d -t -a set a key,
 * -g prints the [device] section, -C prints the CIK in use; and the one
 * configuration load of every other command.
 *
 * An edit changes the INI text in place: the value on the key's line is
 * replaced (indentation, separator spacing and any inline "; comment" are
 * kept), or the key is added at the end of its section, or the section is
 * added at the end of the file.  Everything else (comments, blank lines,
 * order, sections we do not own) is kept byte for byte.  Every function
 * returns 0, or -1 with a message in err naming the file and the key.
 */
#ifndef GWE_CLI_CONF_H
#define GWE_CLI_CONF_H

#include <stddef.h>
#include <stdio.h>

#include "../common/config.h"

/* Mode of a configuration file that cli_conf_set has to create. */
#define CLI_CONF_NEW_MODE	0600

/*
 * The configuration a command runs with (status, -o, -I, -z, -C): the
 * defaults, then the file at path, as the daemons load it.  1 loaded; 0
 * the file does not exist and missing_ok (the defaults kept); -1 with
 * "gwe: <reason>" printed on stderr.
 */
int	cli_conf_load(const char *path, int missing_ok, struct gwe_config *cfg);
/*
 * Set [section] key = value in the file at path.  The value must pass
 * config_set() (the daemons' own rules) and read back unchanged through
 * the INI parser; a file that config_load() refuses is not edited; a
 * missing file is created (mode CLI_CONF_NEW_MODE).  The write is a
 * safe_write() that keeps the file's mode and owner; a symbolic link is
 * followed, so its target is edited.
 */
int	cli_conf_set(const char *path, const char *section, const char *key,
	    const char *value, char *err, size_t errlen);
/*
 * Remove every [section] key line (and its continuation lines), so the
 * default applies again (-a ''); the same checks and write as cli_conf_set.
 * A missing file is left missing.
 */
int	cli_conf_unset(const char *path, const char *section, const char *key,
	    char *err, size_t errlen);
/* -P/--set-product-id: vendor and model both set to value, in one write. */
int	cli_conf_set_product(const char *path, const char *value, char *err,
	    size_t errlen);
/*
 * -t/--set-update-interval: set [engine] update_interval (a whole number
 * >= 1), then remove netd's stored interval state_dir/netd/update_interval
 * so the new value holds after netd's next restart.
 */
int	cli_conf_set_interval(const char *path, const char *value, char *err,
	    size_t errlen);
/*
 * -g/--gateway-cfg: print every occurrence of [section] as written in the
 * file (header, keys, comments), without the trailing blank lines and the
 * comment block that leads into the next header; just the header when the
 * file has no such section.
 */
int	cli_conf_print_section(const char *path, const char *section, FILE *out,
	    char *err, size_t errlen);
/*
 * -C/--gateway-cik: print the CIK netd uses: state_dir/netd/cik when it
 * holds a valid CIK, else [device] cik, else '' (Gateway Engine's
 * "not activated").
 */
int	cli_conf_cik(const struct gwe_config *cfg, FILE *out, char *err,
	    size_t errlen);

#endif
