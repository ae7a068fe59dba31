/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
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
#include "text.h"

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

/* One line: the message, cleaned (common/text.h), then its error="strerror". */
static void
vlog(int pri, int errnum, const char *fmt, va_list ap)
{
	char raw[2048], msg[2048], err[160] = "";

	vsnprintf(raw, sizeof(raw), fmt, ap);
	gwe_text_clean(msg, sizeof(msg), raw, sizeof(raw), GWE_TEXT_LOG, NULL);
	if (errnum != 0)
		snprintf(err, sizeof(err), " error=\"%s\"", strerror(errnum));
	syslog(pri, "%s%s", msg, err);
	if (log_fg)
		dprintf(STDERR_FILENO, "%s[%d]: %s: %s%s\n", log_ident, (int)getpid(),
		    log_prefix(pri), msg, err);
}

/* The body of every log function below: fmt and its arguments to vlog(). */
#define LOG_VA(pri, errnum) do {		\
	va_list ap;				\
	va_start(ap, fmt);			\
	vlog((pri), (errnum), fmt, ap);		\
	va_end(ap);				\
} while (0)

void
log_warn(const char *fmt, ...)
{
	int saved = errno;

	LOG_VA(LOG_WARNING, saved);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	LOG_VA(LOG_WARNING, 0);
}

void
log_info(const char *fmt, ...)
{
	if (log_level >= LOG_LVL_INFO)
		LOG_VA(LOG_INFO, 0);
}

void
log_debug(const char *fmt, ...)
{
	if (log_level >= LOG_LVL_DEBUG)
		LOG_VA(LOG_DEBUG, 0);
}

void
fatal(const char *fmt, ...)
{
	LOG_VA(LOG_CRIT, errno);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	LOG_VA(LOG_CRIT, 0);
	exit(1);
}
