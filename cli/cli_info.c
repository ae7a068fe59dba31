/*
 * gwe -p, -e, --mac-address and --download-latest (cli_info.h): Gateway
 * Engine's printing flags, and its self-download, which gwe refuses.
 */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/config.h"
#include "../common/log.h"
#include "../common/util.h"
#include "cli_conf.h"
#include "cli_info.h"

#define MAC_LEN		17	/* "AA:BB:CC:DD:EE:FF" */
#define SYSFS_READ_MAX	4096

static int
flushed(FILE *out, char *err, size_t errlen)
{
	if (fflush(out) == EOF || ferror(out))
		return gwe_errf(err, errlen, "cannot print: %s", strerror(errno));
	return 0;
}

int
cli_info_path(FILE *out, char *err, size_t errlen)
{
	char exe[PATH_MAX];
	ssize_t n;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) == -1)
		return gwe_errf(err, errlen, "/proc/self/exe: %s", strerror(errno));
	exe[n] = '\0';
	fprintf(out, "%s\n", dirname(exe));
	return flushed(out, err, errlen);
}

static const char *
level_name(int level)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };

	return level >= 0 && level <= LOG_LVL_DEBUG ? names[level] : "info";
}

/* One "key = value" line; an empty value as Gateway Engine shows it. */
static void
kv(FILE *out, const char *key, const char *value)
{
	fprintf(out, "%s = %s\n", key, value[0] != '\0' ? value : "''");
}

static void
kv_u64(FILE *out, const char *key, uint64_t v)
{
	fprintf(out, "%s = %llu\n", key, (unsigned long long)v);
}

int
cli_info_engine(const char *conf, int missing_ok, FILE *out, char *err,
    size_t errlen)
{
	struct gwe_config cfg;

	if (cli_conf_load(conf, missing_ok, &cfg) == -1) {
		if (errlen > 0)
			err[0] = '\0';		/* cli_conf_load() said why */
		return -1;
	}
	fprintf(out, "[engine]\n");
	kv(out, "host", cfg.host);
	kv_u64(out, "update_interval", cfg.update_interval);
	kv_u64(out, "act_retry_interval", cfg.act_retry_interval);
	kv(out, "debug_level", level_name(cfg.debug_level));
	kv(out, "user_agent", cfg.user_agent);
	kv(out, "long_poll", cfg.long_poll ? "true" : "false");
	kv(out, "ca_file", cfg.ca_file);
	return flushed(out, err, errlen);
}

/* "aa:bb:cc:dd:ee:ff" and nothing else, upper-cased into mac. */
static int
mac_format(const char *text, char mac[MAC_LEN + 1])
{
	size_t i, n = strlen(text);

	while (n > 0 && isspace((unsigned char)text[n - 1]))
		n--;
	if (n != MAC_LEN)
		return -1;
	for (i = 0; i < MAC_LEN; i++) {
		if (i % 3 == 2 ? text[i] != ':' : !isxdigit((unsigned char)text[i]))
			return -1;
		mac[i] = (char)toupper((unsigned char)text[i]);
	}
	mac[MAC_LEN] = '\0';
	return 0;
}

int
cli_info_mac(const char *iface, FILE *out, char *err, size_t errlen)
{
	struct gwe_config scratch;
	char path[PATH_MAX], mac[MAC_LEN + 1], msg[CONF_ERR_MAX], *text;
	size_t len;
	int bad;

	/* The name passes the rule [device] iface has, so it stays in /sys/class/net. */
	config_defaults(&scratch);
	if (iface[0] == '\0' || strcmp(iface, ".") == 0 || strcmp(iface, "..") == 0)
		return gwe_errf(err, errlen, "--mac-address: '%s' is not an interface "
		    "name", iface);
	if (config_set(&scratch, "device", "iface", iface, msg, sizeof(msg)) == -1)
		return gwe_errf(err, errlen, "--mac-address: %s", msg);
	snprintf(path, sizeof(path), "/sys/class/net/%s/address", iface);
	if (gwe_read_file(path, SYSFS_READ_MAX, &text, &len) == -1)
		return gwe_errf(err, errlen, "--mac-address: %s: %s", iface,
		    errno == ENOENT ? "no such interface" : strerror(errno));
	bad = mac_format(text, mac);
	free(text);
	if (bad)
		return gwe_errf(err, errlen, "--mac-address: %s: has no Ethernet-style "
		    "MAC address", iface);
	fprintf(out, "%s\n", mac);
	return flushed(out, err, errlen);
}

static const char *const release_areas[] = {
	"gmq-master", "gmq-dev", "baseline-master", "baseline-dev",
};

int
cli_info_release_area(const char *area)
{
	size_t i;

	for (i = 0; i < sizeof(release_areas) / sizeof(release_areas[0]); i++)
		if (strcmp(area, release_areas[i]) == 0)
			return 1;
	return 0;
}

int
cli_info_download_refused(const char *area)
{
	fprintf(stderr, "gwe: --download-latest %s: gwe does not download releases of "
	    "itself.\n"
	    "Update it with the package manager (apt install ./gwe_VERSION_ARCH.deb), or\n"
	    "over the air with a signed app whose install.sh hands the package to it\n"
	    "(docs/operator.md, \"Updating gwe\").\n", area);
	return 1;
}
