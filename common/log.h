/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * Logging in the style of OpenBSD's log.c: syslog with the process's own
 * ident, plus stderr when running in the foreground.  One event a line:
 * a short message followed by key=value details.
 */
#ifndef GWE_LOG_H
#define GWE_LOG_H

#include <stdarg.h>

#define LOG_LVL_ERR	0
#define LOG_LVL_WARN	1
#define LOG_LVL_INFO	2
#define LOG_LVL_DEBUG	3

/* ident is e.g. "gwe-netd"; foreground also logs to stderr. */
void	log_init(const char *ident, int foreground, int level);
void	log_setlevel(int level);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
