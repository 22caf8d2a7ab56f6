// SPDX-License-Identifier: GPL-2.0
/*
 * Reclaim of droppable memory: is what the kernel drops counted as reclaimed,
 * does it drop what it was asked for and no more, and are THPs dropped whole.
 *
 * These catch bugs of the upstream VMA-based implementation (Linux 6.12):
 * there, after try_to_unmap_one() discards a dirty droppable folio,
 * shrink_folio_list() sees a dirty !swapbacked folio, takes the dirty-file
 * branch and activates it instead of counting it reclaimed.  So
 * memory.reclaim fails with EAGAIN although everything was dropped
 * (reclaim_accounting), lowering memory.max by a little wipes the whole
 * droppable cache (proportional_*), and dirty droppable THPs are PMD-split
 * before they are dropped (thp_dropped_whole).
 */
#include <pthread.h>
#include <sys/wait.h>
#include "kselftest_harness.h"
#include "droppable_util.h"

#define CACHE_MIB	256UL
#define ANON_MIB	256UL
#define STEP_MIB	16UL
/*
 * memory.reclaim asks try_to_free_mem_cgroup_pages() for a quarter of what
 * is left at a time, down to SWAP_CLUSTER_MAX pages, and each pass isolates
 * and frees whole SWAP_CLUSTER_MAX batches per LRU list: allow a few MiB of
 * overshoot, far below what dropping everything would be.
 */
#define RECLAIM_SLACK_MIB	8UL

static void require_droppable(struct __test_metadata *_metadata)
{
	int s = du_droppable_supported();

	if (s == 0)
		SKIP(return, "MAP_DROPPABLE not supported by this kernel");
	ASSERT_EQ(1, s);
	if (access(CGROOT "/cgroup.controllers", R_OK))
		SKIP(return, "no cgroup2 at " CGROOT);
}

/*
 * memcg statistics are per-CPU batched and flushed lazily: allow 2 MiB of
 * difference from the exact value.
 */
static int near_mib(long long stat, size_t bytes)
{
	long long d = stat - (long long)bytes;

	return d >= -(long long)(2 * MiB) && d <= (long long)(2 * MiB);
}

/* Sum of a family of /proc/vmstat counters, e.g. pgsteal_anon + _file. */
static long long node_counter(const char *what)
{
	char a[64], f[64];

	snprintf(a, sizeof(a), "%s_anon", what);
	snprintf(f, sizeof(f), "%s_file", what);
	return du_vmstat(a) + du_vmstat(f);
}

/* What a test set up, for the teardown to undo. */
struct rstate {
	struct du_cgroup cg;
	char *cache;
	size_t cache_len;
	char *anon;
	size_t anon_len;
	int swap;
};

static void rstate_setup(struct __test_metadata *_metadata, struct rstate *self)
{
	memset(self, 0, sizeof(*self));
	require_droppable(_metadata);
	ASSERT_EQ(0, du_cgroup_enter(&self->cg, "droppable_reclaim"));
}

static void rstate_teardown(struct rstate *self)
{
	if (self->cache)
		munmap(self->cache, self->cache_len);
	if (self->anon)
		munmap(self->anon, self->anon_len);
	du_cgroup_leave(&self->cg);
	if (self->swap)
		du_swap_off();
}

FIXTURE(reclaim) {
	struct rstate r;
};

FIXTURE_SETUP(reclaim)
{
	rstate_setup(_metadata, &self->r);
}

FIXTURE_TEARDOWN(reclaim)
{
	rstate_teardown(&self->r);
}

/*
 * memory.reclaim of 200 MiB from a cgroup holding 256 MiB of written
 * droppable memory succeeds, drops about 200 MiB, and the cgroup's and the
 * node's pgsteal count the dropped pages.
 */
TEST_F_TIMEOUT(reclaim, reclaim_accounting, 300)
{
	struct rstate *r = &self->r;
	const size_t ask = 200 * MiB, ps = du_page_size();
	long long cg_steal, cg_scan, node_steal, node_scan, d_cg_steal, d_cg_scan;
	long long d_node_steal, d_node_scan, cg_droppable;
	size_t dropped;
	int ret, err;

	r->cache_len = CACHE_MIB * MiB;
	r->cache = du_map_droppable(r->cache_len);
	ASSERT_NE(MAP_FAILED, r->cache);
	du_fill(r->cache, r->cache_len, 1);
	ASSERT_EQ(0UL, du_count_zero_pages(r->cache, r->cache_len));

	/*
	 * The series counts mapped droppable memory ("droppable" in
	 * memory.stat); the base kernel has no such key.
	 */
	cg_droppable = du_cg_stat(&r->cg, "droppable");
	if (cg_droppable >= 0)
		EXPECT_TRUE(near_mib(cg_droppable, r->cache_len))
			TH_LOG("memory.stat droppable %lld, expected %zu",
			       cg_droppable, r->cache_len);
	cg_steal = du_cg_stat(&r->cg, "pgsteal");
	cg_scan = du_cg_stat(&r->cg, "pgscan");
	node_steal = node_counter("pgsteal");
	node_scan = node_counter("pgscan");
	ASSERT_GE(cg_steal, 0);
	ASSERT_GE(node_steal, 0);

	ret = du_cg_reclaim(&r->cg, ask);
	err = errno;
	dropped = du_count_zero_pages(r->cache, r->cache_len);
	d_cg_steal = du_cg_stat(&r->cg, "pgsteal") - cg_steal;
	d_cg_scan = du_cg_stat(&r->cg, "pgscan") - cg_scan;
	d_node_steal = node_counter("pgsteal") - node_steal;
	d_node_scan = node_counter("pgscan") - node_scan;
	TH_LOG("memory.reclaim %zu MiB: %s; dropped %zu pages (%zu MiB)",
	       ask / MiB, ret ? strerror(err) : "ok", dropped, dropped * ps / MiB);
	TH_LOG("memcg pgsteal +%lld pgscan +%lld, node pgsteal +%lld pgscan +%lld",
	       d_cg_steal, d_cg_scan, d_node_steal, d_node_scan);

	EXPECT_EQ(0, ret) TH_LOG("memory.reclaim failed: %s", strerror(err));
	if (cg_droppable >= 0)
		EXPECT_TRUE(near_mib(du_cg_stat(&r->cg, "droppable"),
				     r->cache_len - dropped * ps))
			TH_LOG("memory.stat droppable %lld after dropping %zu pages",
			       du_cg_stat(&r->cg, "droppable"), dropped);
	/* Dropped about what was asked for, not everything. */
	EXPECT_GE(dropped * ps, ask);
	EXPECT_LE(dropped * ps, ask + RECLAIM_SLACK_MIB * MiB);
	/* Every dropped page counted as reclaimed, within 10%. */
	EXPECT_GE(d_cg_steal * 10, (long long)dropped * 9);
	EXPECT_LE(d_cg_steal * 10, (long long)dropped * 11);
	EXPECT_GE(d_node_steal * 10, (long long)dropped * 9);
	EXPECT_LE(d_node_steal * 10, (long long)dropped * 11);
	/* Scanned once, not activated and scanned again. */
	EXPECT_LE(d_cg_scan * 10, d_cg_steal * 11);
}

static int set_mglru(int on)
{
	if (access("/sys/kernel/mm/lru_gen/enabled", W_OK))
		return on ? -1 : 0;
	return du_write_file("/sys/kernel/mm/lru_gen/enabled", on ? "y" : "n");
}

/*
 * Droppable pages of the cache that are still mapped, from mincore(): a
 * dropped page has no page table entry left.  Reading the pages to find the
 * dropped ones would set the accessed bit of every resident one and make
 * the whole cache recently used, which reclaim rightly keeps before cold
 * anonymous memory.
 */
static size_t resident_pages(char *cache, size_t len)
{
	size_t n = len / du_page_size(), r = 0;
	unsigned char *vec = calloc(n, 1);

	if (!vec || mincore(cache, len, vec)) {
		free(vec);
		return (size_t)-1;
	}
	for (size_t i = 0; i < n; i++)
		r += vec[i] & 1;
	free(vec);
	return r;
}

/*
 * A cgroup holds 256 MiB of written droppable memory and 256 MiB of written
 * anonymous memory, zram swap on.  memory.max is lowered in 16 MiB steps
 * from above the usage.  Each step must drop about what it has to, like
 * MADV_FREE'd memory does, and no anonymous memory may be swapped out while
 * droppable memory is still resident: droppable memory is the cheapest
 * memory to reclaim.
 */
static void proportional(struct __test_metadata *_metadata,
			 struct rstate *self, int mglru, int check_swap)
{
	const size_t ps = du_page_size();
	char p[300];
	long long usage, max, swapped;
	size_t before, after, dropped_mib, worst = 0;
	int steps = 0, bit = 0;

	if (set_mglru(mglru))
		SKIP(return, "MGLRU not available (CONFIG_LRU_GEN)");
	ASSERT_EQ(0, du_swap_on(1024));
	self->swap = 1;

	self->cache_len = CACHE_MIB * MiB;
	self->cache = du_map_droppable(self->cache_len);
	ASSERT_NE(MAP_FAILED, self->cache);
	self->anon_len = ANON_MIB * MiB;
	self->anon = mmap(NULL, self->anon_len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->anon);
	du_fill(self->cache, self->cache_len, 1);
	du_fill(self->anon, self->anon_len, 1);

	usage = du_read_num(du_cg_file(&self->cg, "memory.current", p, sizeof(p)));
	ASSERT_GT(usage, 0);
	/* Start one step above the usage, rounded up to a whole step. */
	max = (usage / (STEP_MIB * MiB) + 2) * STEP_MIB * MiB;
	du_cg_file(&self->cg, "memory.max", p, sizeof(p));
	ASSERT_EQ(0, du_write_file(p, "%lld", max));

	before = resident_pages(self->cache, self->cache_len);
	ASSERT_EQ(self->cache_len / ps, before);
	while (before > 0 && max > (long long)((ANON_MIB + 64) * MiB)) {
		max -= STEP_MIB * MiB;
		usage = du_read_num(du_cg_file(&self->cg, "memory.current", p,
					       sizeof(p)));
		ASSERT_EQ(0, du_write_file(du_cg_file(&self->cg, "memory.max", p,
						      sizeof(p)), "%lld", max));
		after = resident_pages(self->cache, self->cache_len);
		ASSERT_NE((size_t)-1, after) TH_LOG("mincore: %s", strerror(errno));
		swapped = du_read_num(du_cg_file(&self->cg, "memory.swap.current",
						 p, sizeof(p)));
		dropped_mib = (before - after) * ps / MiB;
		steps++;
		if (usage > max)
			bit = 1;
		TH_LOG("memory.max %lld MiB (usage was %lld MiB): dropped %zu MiB, %zu MiB droppable left, swap %lld KiB",
		       max / (long long)MiB, usage / (long long)MiB, dropped_mib,
		       after * ps / MiB, swapped / 1024);
		if (dropped_mib > worst)
			worst = dropped_mib;
		/* About what it must: at most 1.25 x the step + 2 MiB. */
		EXPECT_LE(dropped_mib * 4, STEP_MIB * 5 + 8);
		/* Anonymous memory stays put while droppable is resident. */
		if (check_swap && after > 0)
			EXPECT_EQ(0, swapped);
		before = after;
		if (_metadata->exit_code)
			break;
	}
	TH_LOG("%d steps, largest drop in one step %zu MiB", steps, worst);
	ASSERT_TRUE(bit) TH_LOG("memory.max never went below the usage");
	/* The anonymous data survived whatever happened. */
	for (size_t off = 0; off < self->anon_len; off += ps)
		ASSERT_EQ(1 + off / ps, *(uint64_t *)(self->anon + off));
}

/*
 * The scenario of proportional() on the classic LRU and on MGLRU: each step
 * drops about what it must (proportional_drop), and no anonymous memory is
 * swapped out while droppable memory is resident (no_swap_first).
 */
FIXTURE(prop) {
	struct rstate r;
};

FIXTURE_VARIANT(prop) {
	int mglru;
};

FIXTURE_VARIANT_ADD(prop, classic_lru) {
	.mglru = 0,
};

FIXTURE_VARIANT_ADD(prop, mglru) {
	.mglru = 1,
};

FIXTURE_SETUP(prop)
{
	rstate_setup(_metadata, &self->r);
}

FIXTURE_TEARDOWN(prop)
{
	rstate_teardown(&self->r);
	set_mglru(0);
}

TEST_F_TIMEOUT(prop, proportional_drop, 900)
{
	proportional(_metadata, &self->r, variant->mglru, 0);
}

TEST_F_TIMEOUT(prop, no_swap_first, 900)
{
	proportional(_metadata, &self->r, variant->mglru, 1);
}

/* A reader that keeps a droppable working set hot and counts its losses. */
struct hot_set {
	char *p;
	size_t len;
	volatile int stop;
	size_t lost;		/* pages found dropped (read zero) */
	size_t passes;
};

static void *hot_reader(void *arg)
{
	struct hot_set *h = arg;
	const size_t ps = du_page_size();

	while (!h->stop) {
		for (size_t off = 0; off < h->len; off += ps) {
			volatile uint64_t *w = (uint64_t *)(h->p + off);

			if (*w != 1 + off / ps) {
				h->lost++;
				*w = 1 + off / ps;
			}
		}
		h->passes++;
	}
	return NULL;
}

/*
 * A hot droppable working set (32 MiB, read all the time, mapped
 * PROT_EXEC too, like a JIT cache) beside 256 MiB of cold anonymous memory
 * in a cgroup with swap: memory.reclaim of 128 MiB must swap the cold
 * anonymous memory out rather than drop the hot set.  Droppable memory is
 * preferred where it is cold; a referenced droppable folio is aged like any
 * other (a policy that drops droppable memory in FIFO order, whatever its
 * use, drops all of it here).
 */
TEST_F_TIMEOUT(prop, hot_set_kept, 600)
{
	struct rstate *r = &self->r;
	const size_t ps = du_page_size(), hot = 32 * MiB;
	struct hot_set h = { };
	pthread_t t;
	char p[300];
	long long swapped;
	size_t resident;
	int ret, err;

	if (set_mglru(variant->mglru))
		SKIP(return, "MGLRU not available (CONFIG_LRU_GEN)");
	ASSERT_EQ(0, du_swap_on(1024));
	r->swap = 1;
	r->anon_len = ANON_MIB * MiB;
	r->anon = mmap(NULL, r->anon_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r->anon);
	du_fill(r->anon, r->anon_len, 1);

	r->cache_len = hot;
	r->cache = mmap(NULL, hot, PROT_READ | PROT_WRITE | PROT_EXEC,
			MAP_DROPPABLE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r->cache);
	du_fill(r->cache, hot, 1);
	h.p = r->cache;
	h.len = hot;
	ASSERT_EQ(0, pthread_create(&t, NULL, hot_reader, &h));
	while (h.passes < 3)
		usleep(10 * 1000);

	ret = du_cg_reclaim(&r->cg, 128 * MiB);
	err = errno;
	h.stop = 1;
	pthread_join(t, NULL);
	resident = resident_pages(r->cache, hot);
	swapped = du_read_num(du_cg_file(&r->cg, "memory.swap.current", p,
					 sizeof(p)));
	TH_LOG("memory.reclaim 128 MiB: %s; hot set: %zu of %zu pages found dropped in %zu passes, %zu resident; swap %lld MiB",
	       ret ? strerror(err) : "ok", h.lost, hot / ps, h.passes,
	       resident, swapped / (long long)MiB);
	/* The cold anonymous memory went to swap ... */
	EXPECT_GE(swapped, (long long)(64 * MiB));
	/* ... and at least three quarters of the hot set stayed. */
	EXPECT_LE(h.lost * 4, hot / ps);
}

/* Written droppable THPs are dropped by reclaim without splitting the PMD. */
TEST_F_TIMEOUT(reclaim, thp_dropped_whole, 300)
{
	struct rstate *r = &self->r;
	const size_t thp = 2 * MiB, n = 16, len = n * thp;
	long long split_pmd, alloc;
	char *raw, *p;
	size_t dropped;
	int ret;

	if (access("/sys/kernel/mm/transparent_hugepage/enabled", R_OK))
		SKIP(return, "no THP");
	du_write_file("/sys/kernel/mm/transparent_hugepage/enabled", "madvise");
	/* Over-map to get a 2 MiB aligned range. */
	raw = du_map_droppable(len + thp);
	ASSERT_NE(MAP_FAILED, raw);
	p = (char *)(((uintptr_t)raw + thp - 1) & ~(thp - 1));
	r->cache = raw;
	r->cache_len = len + thp;
	ASSERT_EQ(0, madvise(p, len, MADV_HUGEPAGE));
	alloc = du_vmstat("thp_fault_alloc");
	du_fill(p, len, 1);
	ASSERT_EQ(n, du_vmstat("thp_fault_alloc") - alloc)
		TH_LOG("the faults did not allocate %zu THPs", n);

	split_pmd = du_vmstat("thp_split_pmd");
	ret = du_cg_reclaim(&r->cg, len + thp);
	dropped = du_count_zero_pages(p, len);
	TH_LOG("memory.reclaim: %s; dropped %zu of %zu pages, thp_split_pmd +%lld",
	       ret ? strerror(errno) : "ok", dropped, len / du_page_size(),
	       du_vmstat("thp_split_pmd") - split_pmd);
	EXPECT_EQ(len / du_page_size(), dropped);
	EXPECT_EQ(split_pmd, du_vmstat("thp_split_pmd"));
}

TEST_HARNESS_MAIN
