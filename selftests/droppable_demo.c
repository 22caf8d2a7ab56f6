// SPDX-License-Identifier: GPL-2.0
/*
 * droppable_demo - watch MAP_DROPPABLE memory being dropped under pressure
 * while the process that owns it carries on.
 *
 *   droppable_demo [cache_MiB] [limit_MiB]	(defaults: 256 320)
 *
 * A memory cgroup with memory.max = limit_MiB (and no swap) is created.  A
 * worker process joins it, fills a MAP_DROPPABLE "cache" of cache_MiB with
 * checkable data, then allocates plain anonymous memory in 32 MiB chunks.
 * Anonymous memory cannot be reclaimed without swap, so the only way the
 * kernel can keep the worker under its limit is to drop cache pages, which
 * then read back as zeroes.  After every chunk the worker prints how much of
 * the cache is still intact, memory.current and the reclaim counters of
 * memory.stat.  Finally it checks that no page holds anything but its own
 * data or zeroes, recomputes the dropped pages and exits normally.
 *
 * The cgroup is set up and removed by the parent process, which stays in the
 * root cgroup: if the worker were OOM-killed after all, the parent reports
 * it (memory.events oom_kill) and still cleans up.
 *
 * Exit status: 0 success, 1 error (corrupted data, a failed system call, the
 * worker killed), 4 (KSFT_SKIP) when the kernel has no MAP_DROPPABLE.
 */
#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "droppable_util.h"

#define CGROUP_DIR	CGROOT "/droppable_demo"
#define CHUNK_MiB	32UL
/* Room left under the limit for the worker itself (binary, libc, stacks). */
#define HEADROOM_MiB	64UL
#define MAGIC		0xd5c0ffee5eedf00dULL

static size_t page_sz;

/* ------------------------------------------------------------------ */
/* cgroup files                                                        */
/* ------------------------------------------------------------------ */

static long cg_current_mib(void)
{
	long long cur = du_read_num(CGROUP_DIR "/memory.current");

	if (cur < 0)
		return -1;
	return (long)((cur + MiB / 2) / MiB);
}

/* ------------------------------------------------------------------ */
/* memory.stat / memory.events deltas                                  */
/* ------------------------------------------------------------------ */

struct counter {
	const char *file;
	const char *key;
	bool always;		/* print even when unchanged */
	long long last;		/* -1: not present on this kernel */
};

static struct counter counters[] = {
	{ "memory.stat",   "pgscan",                   true,  -1 },
	{ "memory.stat",   "pgsteal",                  true,  -1 },
	{ "memory.stat",   "droppable_drop",           true,  -1 },
	{ "memory.stat",   "droppable_keep",           false, -1 },
	{ "memory.stat",   "pglazyfreed",              true,  -1 },
	{ "memory.stat",   "pgactivate",               false, -1 },
	{ "memory.stat",   "workingset_refault_anon",  false, -1 },
	{ "memory.stat",   "workingset_refault_file",  false, -1 },
	{ "memory.stat",   "workingset_activate_anon", false, -1 },
	{ "memory.stat",   "workingset_activate_file", false, -1 },
	{ "memory.stat",   "workingset_restore_anon",  false, -1 },
	{ "memory.stat",   "workingset_restore_file",  false, -1 },
	{ "memory.stat",   "workingset_nodereclaim",   false, -1 },
	{ "memory.events", "max",                      false, -1 },
	{ "memory.events", "oom",                      false, -1 },
	{ "memory.events", "oom_kill",                 false, -1 },
};

#define NR_COUNTERS ARRAY_SIZE(counters)

/* Fill @cur with the current value of every counter (-1 if absent). */
static void counters_read(long long *cur)
{
	char path[256];

	for (size_t i = 0; i < NR_COUNTERS; i++) {
		snprintf(path, sizeof(path), CGROUP_DIR "/%s", counters[i].file);
		cur[i] = du_read_key(path, counters[i].key);
	}
}

static void counters_reset(void)
{
	long long cur[NR_COUNTERS];

	counters_read(cur);
	for (size_t i = 0; i < NR_COUNTERS; i++)
		counters[i].last = cur[i];
}

/*
 * Print the changes since the previous call on one line, "(none)" if no
 * counter moved.  Returns the increase of memory.events oom_kill.
 */
static long long counters_print(const char *prefix)
{
	long long cur[NR_COUNTERS], oom_kills = 0;
	char line[1024];
	size_t len = 0;

	counters_read(cur);
	for (size_t i = 0; i < NR_COUNTERS; i++) {
		long long delta;

		if (cur[i] < 0 || counters[i].last < 0)
			continue;
		delta = cur[i] - counters[i].last;
		counters[i].last = cur[i];
		if (!strcmp(counters[i].key, "oom_kill"))
			oom_kills = delta;
		if (!delta && !counters[i].always)
			continue;
		len += snprintf(line + len, sizeof(line) - len, " %s%s %+lld",
				strcmp(counters[i].file, "memory.events") ?
				"" : "events.",
				counters[i].key, delta);
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
	}
	printf("%s%s\n", prefix, len ? line : " (none)");
	return oom_kills;
}

/* ------------------------------------------------------------------ */
/* The droppable cache                                                 */
/* ------------------------------------------------------------------ */

enum page_state { PAGE_INTACT, PAGE_DROPPED, PAGE_CORRUPT };

struct census {
	size_t intact, dropped, corrupt;
};

/*
 * Page @idx of the cache holds its index in the first word, a checksum of
 * it in the second and a per-page sequence in the rest: every byte of it
 * can be checked, and no valid page is all zeroes.
 */
static void fill_page(char *cache, size_t idx)
{
	uint64_t *w = (uint64_t *)(cache + idx * page_sz);
	size_t words = page_sz / sizeof(*w);

	for (size_t j = 2; j < words; j++)
		w[j] = (MAGIC ^ idx) + j;
	w[1] = MAGIC ^ idx;
	w[0] = idx;
}

static enum page_state classify_once(const char *cache, size_t idx)
{
	const uint64_t *w = (const uint64_t *)(cache + idx * page_sz);
	size_t words = page_sz / sizeof(*w), j;

	if (w[0] == idx && w[1] == (MAGIC ^ idx)) {
		for (j = 2; j < words; j++)
			if (w[j] != (MAGIC ^ idx) + j)
				return PAGE_CORRUPT;
		return PAGE_INTACT;
	}
	for (j = 0; j < words; j++)
		if (w[j])
			return PAGE_CORRUPT;
	return PAGE_DROPPED;
}

static enum page_state classify(const char *cache, size_t idx)
{
	enum page_state s = classify_once(cache, idx);

	/*
	 * Reclaim may drop the page while it is being read, leaving a read
	 * that saw the first half intact and the rest zero: look again.
	 * Real corruption stays corrupt.
	 */
	if (s == PAGE_CORRUPT)
		s = classify_once(cache, idx);
	return s;
}

static struct census take_census(const char *cache, size_t pages)
{
	struct census c = { 0, 0, 0 };

	for (size_t i = 0; i < pages; i++) {
		switch (classify(cache, i)) {
		case PAGE_INTACT:
			c.intact++;
			break;
		case PAGE_DROPPED:
			c.dropped++;
			break;
		default:
			c.corrupt++;
			break;
		}
	}
	return c;
}

static long pages_mib(size_t pages)
{
	return (long)((pages * page_sz + MiB / 2) / MiB);
}

/* ------------------------------------------------------------------ */
/* The worker: runs inside the cgroup                                  */
/* ------------------------------------------------------------------ */

static int worker(unsigned long cache_mib, unsigned long anon_mib)
{
	size_t pages = cache_mib * MiB / page_sz, nchunks = anon_mib / CHUNK_MiB;
	size_t dropped_seen, refilled = 0, corrupt_max = 0;
	long long oom_kills = 0;
	struct census c;
	char *cache;
	char **chunks;

	if (du_cgroup_join(CGROUP_DIR)) {
		printf("error: cannot join " CGROUP_DIR ": %s\n", strerror(errno));
		return KSFT_FAIL;
	}

	/* 2. The cache. */
	cache = du_map_droppable(pages * page_sz);
	if (cache == MAP_FAILED) {
		printf("error: mmap(MAP_DROPPABLE, %lu MiB): %s\n", cache_mib,
		       strerror(errno));
		return KSFT_FAIL;
	}
	counters_reset();
	for (size_t i = 0; i < pages; i++)
		fill_page(cache, i);
	c = take_census(cache, pages);
	printf("cache: %lu MiB filled, memory.current=%ld MiB (intact %ld MiB, dropped %ld MiB)\n",
	       cache_mib, cg_current_mib(), pages_mib(c.intact),
	       pages_mib(c.dropped));
	oom_kills += counters_print("       counters:");

	/* 3. Pressure: anonymous memory the kernel cannot take away. */
	chunks = calloc(nchunks, sizeof(*chunks));
	if (!chunks) {
		printf("error: calloc: %s\n", strerror(errno));
		return KSFT_FAIL;
	}
	printf("pressure: allocating %lu MiB of plain anonymous memory in %lu MiB chunks\n",
	       anon_mib, CHUNK_MiB);
	for (size_t k = 0; k < nchunks; k++) {
		chunks[k] = mmap(NULL, CHUNK_MiB * MiB, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (chunks[k] == MAP_FAILED) {
			printf("error: mmap(anon, %lu MiB): %s\n", CHUNK_MiB,
			       strerror(errno));
			return KSFT_FAIL;
		}
		memset(chunks[k], 0x5a, CHUNK_MiB * MiB);

		c = take_census(cache, pages);
		if (c.corrupt > corrupt_max)
			corrupt_max = c.corrupt;
		printf("pressure: anon %4lu/%lu MiB | cache intact %4ld MiB, dropped %4ld MiB | memory.current %ld MiB\n",
		       (k + 1) * CHUNK_MiB, anon_mib, pages_mib(c.intact),
		       pages_mib(c.dropped), cg_current_mib());
		if (c.corrupt)
			printf("pressure: ERROR: %zu cache page(s) hold neither their data nor zeroes\n",
			       c.corrupt);
		oom_kills += counters_print("          delta:");
	}
	if (oom_kills)
		printf("pressure: WARNING: memory.events oom_kill rose by %lld\n",
		       oom_kills);

	/* 4. Carry on: check everything, recompute what was dropped. */
	c = take_census(cache, pages);
	dropped_seen = c.dropped;
	if (c.corrupt > corrupt_max)
		corrupt_max = c.corrupt;
	printf("verify: %ld MiB intact and correct, %ld MiB dropped (read back as zeroes), %zu corrupted page(s)%s\n",
	       pages_mib(c.intact), pages_mib(c.dropped), c.corrupt,
	       c.corrupt ? "" : " = OK");

	for (size_t k = 0; k < nchunks; k++)
		munmap(chunks[k], CHUNK_MiB * MiB);
	free(chunks);
	printf("release: %lu MiB of anonymous memory freed, memory.current=%ld MiB\n",
	       anon_mib, cg_current_mib());

	for (size_t i = 0; i < pages; i++) {
		if (classify(cache, i) == PAGE_DROPPED) {
			fill_page(cache, i);
			refilled++;
		}
	}
	printf("refill: %zu dropped page(s) (%ld MiB) recomputed, memory.current=%ld MiB\n",
	       refilled, pages_mib(refilled), cg_current_mib());

	c = take_census(cache, pages);
	if (c.corrupt > corrupt_max)
		corrupt_max = c.corrupt;
	printf("re-verify: %ld MiB intact, %ld MiB dropped again, %zu corrupted page(s)%s\n",
	       pages_mib(c.intact), pages_mib(c.dropped), c.corrupt,
	       c.corrupt ? "" : " = OK");
	munmap(cache, pages * page_sz);

	if (!dropped_seen)
		printf("note: nothing was dropped; memory.max was never reached (raise cache_MiB or lower limit_MiB)\n");
	if (corrupt_max) {
		printf("demo: FAILED: up to %zu corrupted page(s) in the droppable cache\n",
		       corrupt_max);
		return KSFT_FAIL;
	}
	printf("demo: %ld MiB of droppable cache dropped under pressure, 0 corrupted, process carried on\n",
	       pages_mib(dropped_seen));
	return KSFT_PASS;
}

/* ------------------------------------------------------------------ */
/* The parent: cgroup setup, supervision, cleanup                      */
/* ------------------------------------------------------------------ */

static int cgroup_setup(unsigned long limit_mib)
{
	char buf[256];

	if (du_read_file(CGROOT "/cgroup.controllers", buf, sizeof(buf))) {
		printf("error: no cgroup2 hierarchy at " CGROOT ": %s\n",
		       strerror(errno));
		return -1;
	}
	if (!strstr(buf, "memory")) {
		printf("error: the memory controller is not available in " CGROOT "\n");
		return -1;
	}
	if (du_write_file(CGROOT "/cgroup.subtree_control", "+memory")) {
		printf("error: enabling +memory in " CGROOT "/cgroup.subtree_control: %s\n",
		       strerror(errno));
		return -1;
	}
	if (mkdir(CGROUP_DIR, 0755) && errno == EEXIST) {
		/* Left over from an interrupted run. */
		if (rmdir(CGROUP_DIR)) {
			printf("error: stale " CGROUP_DIR " cannot be removed: %s (another droppable_demo running?)\n",
			       strerror(errno));
			return -1;
		}
		mkdir(CGROUP_DIR, 0755);
	}
	if (access(CGROUP_DIR "/memory.max", W_OK)) {
		printf("error: cannot create " CGROUP_DIR ": %s\n", strerror(errno));
		rmdir(CGROUP_DIR);
		return -1;
	}
	if (du_write_file(CGROUP_DIR "/memory.max", "%luM", limit_mib)) {
		printf("error: writing memory.max: %s\n", strerror(errno));
		rmdir(CGROUP_DIR);
		return -1;
	}
	/* Keep swap out of the picture even if the guest has some. */
	du_write_file(CGROUP_DIR "/memory.swap.max", "0");
	return 0;
}

static void cgroup_cleanup(void)
{
	for (int i = 0; i < 100; i++) {
		if (!rmdir(CGROUP_DIR) || errno == ENOENT) {
			printf("cleanup: removed " CGROUP_DIR "\n");
			return;
		}
		usleep(10000);
	}
	printf("cleanup: WARNING: cannot remove " CGROUP_DIR ": %s\n",
	       strerror(errno));
}

static int parse_mib(const char *s, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || end == s || *end || !*out || *out > (1UL << 20) ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long cache_mib = 256, limit_mib = 320, anon_mib;
	long long oom_kills;
	int status, ret;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	page_sz = du_page_size();

	if (argc > 3 || (argc > 1 && parse_mib(argv[1], &cache_mib)) ||
	    (argc > 2 && parse_mib(argv[2], &limit_mib))) {
		printf("usage: %s [cache_MiB] [limit_MiB]   (defaults: 256 320)\n",
		       argv[0]);
		return KSFT_FAIL;
	}
	if (limit_mib < HEADROOM_MiB + CHUNK_MiB) {
		printf("error: limit_MiB must be at least %lu\n",
		       HEADROOM_MiB + CHUNK_MiB);
		return KSFT_FAIL;
	}
	/*
	 * Anonymous pressure: as much as the cache, but never so much that
	 * it alone (plus the process itself) would exceed the limit -- that
	 * would be an OOM no droppable memory could prevent.
	 */
	anon_mib = cache_mib < limit_mib - HEADROOM_MiB ?
		   cache_mib : limit_mib - HEADROOM_MiB;
	anon_mib -= anon_mib % CHUNK_MiB;
	if (!anon_mib)
		anon_mib = CHUNK_MiB;

	ret = du_droppable_supported();
	if (!ret) {
		printf("droppable_demo: SKIP: this kernel has no MAP_DROPPABLE support (mmap: %s)\n",
		       strerror(EOPNOTSUPP));
		return KSFT_SKIP;
	}
	if (ret < 0) {
		printf("error: mmap(MAP_DROPPABLE): %s\n", strerror(errno));
		return KSFT_FAIL;
	}

	/* 1. The cgroup. */
	if (cgroup_setup(limit_mib))
		return KSFT_FAIL;
	printf("cgroup: " CGROUP_DIR " created, memory.max=%lu MiB, memory.swap.max=0\n",
	       limit_mib);
	printf("plan: %lu MiB droppable cache + %lu MiB anonymous pressure = %lu MiB %s %lu MiB limit\n",
	       cache_mib, anon_mib, cache_mib + anon_mib,
	       cache_mib + anon_mib > limit_mib ? ">" : "<=", limit_mib);

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("error: fork: %s\n", strerror(errno));
		cgroup_cleanup();
		return KSFT_FAIL;
	}
	if (pid == 0) {
		fflush(stdout);
		_exit(worker(cache_mib, anon_mib));
	}

	/* Let ^C stop the worker, not the parent that has to clean up. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	oom_kills = du_read_key(CGROUP_DIR "/memory.events", "oom_kill");
	if (oom_kills > 0)
		printf("WARNING: the OOM killer fired %lld time(s) in the cgroup\n",
		       oom_kills);

	if (WIFSIGNALED(status)) {
		printf("error: the demo process was killed by signal %d (%s)%s\n",
		       WTERMSIG(status), strsignal(WTERMSIG(status)),
		       oom_kills > 0 ? ": OOM-killed" : "");
		ret = KSFT_FAIL;
	} else {
		ret = WIFEXITED(status) ? WEXITSTATUS(status) : KSFT_FAIL;
		if (oom_kills > 0)
			ret = KSFT_FAIL;
	}

	/* 5. Cleanup: the worker has exited, so the cgroup is empty. */
	cgroup_cleanup();
	return ret;
}
