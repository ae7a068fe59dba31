/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * Tarball names and versions (docs/design.md section 6):
 *   <APP>.v<VERSION>.tar.gz
 * APP is 1-64 of [A-Za-z0-9_-]; VERSION is 1-32 of [A-Za-z0-9._-], starts
 * with a digit, contains no "..".  Nothing else may reach a path or a
 * command line.
 */
#ifndef GWE_VFY_NAME_H
#define GWE_VFY_NAME_H

#include <sys/stat.h>

#include <stddef.h>

#define VFY_APP_MAX	64
#define VFY_VERSION_MAX	32
/* 64 + ".v" + 32 + ".tar.gz" */
#define VFY_NAME_MAX	(VFY_APP_MAX + 2 + VFY_VERSION_MAX + 7)
#define VFY_REASON_MAX	256
/*
 * install.sh runs as root, extracted as root's: the owner's execute bit is the
 * one that speaks for it (root's execve() would take any).  One rule for both.
 */
#define VFY_INSTALL_EXEC(mode)	(((mode) & S_IXUSR) != 0)

/*
 * Parse and check a tarball name.  On success fills app and version
 * (NUL-terminated) and returns 0; otherwise returns -1 and writes the
 * reason ("name does not end in .tar.gz", ...) into reason.
 */
int	vfy_name_parse(const char *name, char app[VFY_APP_MAX + 1],
	    char version[VFY_VERSION_MAX + 1], char *reason, size_t reasonlen);
/* Only the app part: 1-64 of [A-Za-z0-9_-].  Returns 1 valid, 0 not. */
int	vfy_app_valid(const char *app);
/* Only the version part, by the grammar above.  Returns 1 valid, 0 not. */
int	vfy_version_valid(const char *version);
/*
 * Compare two valid versions part by part on '.': parts that are all
 * digits compare as numbers (and sort before non-numeric parts),
 * others byte-wise; a version with more parts is greater when the
 * common parts are equal.  Returns <0, 0, >0.
 */
int	vfy_version_cmp(const char *a, const char *b);
/*
 * libarchive turns pax names (UTF-8) into the locale's charset and warns when
 * it cannot, which both refuse: in a UTF-8 locale they pass byte for byte.  Call
 * before any sandbox (it reads the locale); without one it logs a warning.
 */
void	vfy_utf8_locale(void);

#endif
