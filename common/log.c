/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 *
 * Logging: syslog with the process's own ident, and stderr when in the
 * foreground.  openlog() uses LOG_NDELAY so the syslog socket is open
 * before the process chroots or applies its seccomp filter.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *log_ident = "gwe";
static int log_fg = 1;
static int log_level = LOG_LVL_INFO;

void
log_init(const char *ident, int foreground, int level)
{
	log_ident = ident;
	log_fg = foreground;
	log_level = level;
	tzset();
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setlevel(int level)
{
	log_level = level;
}

int
log_getlevel(void)
{
	return log_level;
}

void
log_setstderr(int on)
{
	log_fg = on;
}

static const char *
log_prefix(int pri)
{
	switch (pri) {
	case LOG_CRIT:		return "fatal";
	case LOG_ERR:		return "error";
	case LOG_WARNING:	return "warning";
	case LOG_DEBUG:		return "debug";
	default:		return "info";
	}
}

/* One line: the message, then ": strerror" when errnum is set. */
static void
vlog(int pri, int errnum, const char *fmt, va_list ap)
{
	char msg[2048];
	char *p;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* One event a line, whatever the caller passed in. */
	for (p = msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (errnum != 0)
		syslog(pri, "%s error=\"%s\"", msg, strerror(errnum));
	else
		syslog(pri, "%s", msg);
	if (log_fg) {
		if (errnum != 0)
			dprintf(STDERR_FILENO, "%s[%d]: %s: %s error=\"%s\"\n",
			    log_ident, (int)getpid(), log_prefix(pri), msg,
			    strerror(errnum));
		else
			dprintf(STDERR_FILENO, "%s[%d]: %s: %s\n", log_ident,
			    (int)getpid(), log_prefix(pri), msg);
	}
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(LOG_WARNING, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_LVL_INFO)
		return;
	va_start(ap, fmt);
	vlog(LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_LVL_DEBUG)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(LOG_CRIT, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
