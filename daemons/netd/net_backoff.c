/*
 * Exponential backoff with jitter for gwe-netd's check-ins.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "../../common/log.h"
#include "../../common/util.h"
#include "net_backoff.h"

static int		seeded;
static uint64_t		state;

void
net_backoff_seed(uint64_t seed)
{
	seeded = 1;
	state = seed;
}

void
net_backoff_init(void)
{
	const char *e = getenv("GWE_NETD_SEED");
	uint64_t v;

	if (e == NULL || *e == '\0')
		return;
	if (gwe_parse_u64(e, 0, UINT64_MAX, &v) == -1) {
		log_warnx("GWE_NETD_SEED ignored reason=\"not a number\"");
		return;
	}
	log_warnx("backoff jitter seeded seed=%" PRIu64 " reason=\"GWE_NETD_SEED, tests only\"", v);
	net_backoff_seed(v);
}

/* splitmix64: a fixed sequence from the seed. */
static uint32_t
seeded_random(void)
{
	uint64_t z;

	state += UINT64_C(0x9e3779b97f4a7c15);
	z = state;
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static uint32_t
jitter_random(void)
{
	uint32_t r;

	if (seeded)
		return seeded_random();
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)time(NULL);
	return r;
}

uint64_t
net_backoff_max(unsigned failures, uint64_t interval)
{
	uint64_t d = NET_BACKOFF_BASE;
	unsigned i;

	if (interval / 4 < d)
		d = interval / 4 > 0 ? interval / 4 : 1;
	for (i = 1; i < failures && d < interval; i++)
		d *= 2;
	if (d > interval)
		d = interval;
	return d > 0 ? d : 1;
}

uint64_t
net_backoff(unsigned failures, uint64_t interval)
{
	uint64_t d = net_backoff_max(failures, interval);

	/* Between half and all of d, at least one second. */
	d = d / 2 + (d - d / 2) * (jitter_random() % 1001) / 1000;
	return d > 0 ? d : 1;
}

unsigned
net_backoff_ms(void)
{
	return jitter_random() % 1000;
}

uint64_t
net_longpoll_backoff(unsigned early, uint64_t interval)
{
	return net_backoff(early, interval < NET_LONGPOLL_BACKOFF_MAX ? interval :
	    NET_LONGPOLL_BACKOFF_MAX);
}
