// SPDX-License-Identifier: GPL-2.0
/*
 * Data integrity around droppable memory, zram swap on.
 *
 *  - anon_survives_droppable_churn: a 256 MiB anonymous buffer holding a
 *    checksum pattern (a hash of page and word index in every 8-byte word)
 *    shares a cgroup with droppable memory that is mapped, written, partly
 *    reclaimed and unmapped 20 times, with reclaim pushing part of the
 *    buffer to swap.  Not one word of the buffer may change, every
 *    droppable page must read its own value or zero, and no more may go to
 *    swap than the anonymous memory could account for.
 *  - droppable_never_swapped: a cgroup holding only droppable memory
 *    (256 MiB written), everything reclaimed with swap on: not one page
 *    goes to swap (pswpout, swpout_zero, memory.swap.current), every page
 *    reads its value or zero, and all are dropped.
 *
 * On the upstream VMA-based kernel (Linux 6.12) both pass: droppable folios
 * are !swapbacked there and try_to_unmap_one() drops them.  They catch a
 * folio-flag series that lets a droppable folio become swapbacked (e.g. on
 * migration, split, or a failed unmap setting PG_swapbacked again) and so
 * writes it to swap, or that frees the wrong folio: an anonymous page
 * reclaimed as if it were droppable reads back as zero.
 */
#include <sys/wait.h>
#include "kselftest_harness.h"
#include "droppable_util.h"

#define ANON_MIB	256UL
#define CHURN_MIB	64UL
#define ROUNDS		20
#define ONLY_MIB	256UL
#define SWAP_MIB	1024UL
/* Anonymous memory of the process itself besides the buffer. */
#define SLACK_MIB	8UL

static uint64_t word_hash(uint64_t page, uint64_t word)
{
	uint64_t z = (page << 9 | word) + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

FIXTURE(integrity) {
	struct du_cgroup cg;
	char *anon, *drop;
	size_t anon_len, drop_len;
	int swap, locked;
};

FIXTURE_SETUP(integrity)
{
	int s;

	memset(self, 0, sizeof(*self));
	s = du_droppable_supported();
	if (s == 0)
		SKIP(return, "MAP_DROPPABLE not supported by this kernel");
	ASSERT_EQ(1, s);
	if (access(CGROOT "/cgroup.controllers", R_OK))
		SKIP(return, "no cgroup2 at " CGROOT);
	ASSERT_EQ(0, du_swap_on(SWAP_MIB));
	self->swap = 1;
	ASSERT_EQ(0, du_cgroup_enter(&self->cg, "droppable_integrity"));
}

FIXTURE_TEARDOWN(integrity)
{
	if (self->locked)
		munlockall();
	if (self->anon)
		munmap(self->anon, self->anon_len);
	if (self->drop)
		munmap(self->drop, self->drop_len);
	du_cgroup_leave(&self->cg);
	if (self->swap)
		du_swap_off();
}

/* Pages of @p holding neither du_fill(@val)'s value nor zero; *kept, *zero. */
static size_t check_droppable(const char *p, size_t len, uint64_t val,
			      size_t *kept, size_t *zero)
{
	size_t ps = du_page_size(), off, bad = 0;

	*kept = *zero = 0;
	for (off = 0; off < len; off += ps) {
		uint64_t w = *(volatile uint64_t *)(p + off);

		if (w == val + off / ps)
			(*kept)++;
		else if (w == 0)
			(*zero)++;
		else
			bad++;
	}
	return bad;
}

static long long swap_current(struct du_cgroup *cg)
{
	char p[300];

	return du_read_num(du_cg_file(cg, "memory.swap.current", p, sizeof(p)));
}

/* A /proc/vmstat counter, 0 if this kernel does not have it. */
static long long vmstat0(const char *key)
{
	long long v = du_vmstat(key);

	return v < 0 ? 0 : v;
}

TEST_F_TIMEOUT(integrity, anon_survives_droppable_churn, 600)
{
	const size_t ps = du_page_size(), wpp = ps / 8;
	size_t pg, w, kept, zero, bad, bad_words = 0, first_bad = 0;
	long long pswpout, swapped, swap_max = 0;
	int r, ret;

	self->anon_len = ANON_MIB * MiB;
	self->anon = mmap(NULL, self->anon_len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->anon);
	for (pg = 0; pg < self->anon_len / ps; pg++)
		for (w = 0; w < wpp; w++)
			((uint64_t *)self->anon)[pg * wpp + w] = word_hash(pg, w);
	pswpout = du_vmstat("pswpout");
	ASSERT_GE(pswpout, 0);

	self->drop_len = CHURN_MIB * MiB;
	for (r = 0; r < ROUNDS; r++) {
		/* Odd rounds ask for more than the droppable memory holds. */
		size_t ask = (r & 1 ? CHURN_MIB + CHURN_MIB / 2 : CHURN_MIB / 2) * MiB;
		uint64_t val = (uint64_t)(r + 1) << 32;

		self->drop = du_map_droppable(self->drop_len);
		ASSERT_NE(MAP_FAILED, self->drop);
		du_fill(self->drop, self->drop_len, val);
		ret = du_cg_reclaim(&self->cg, ask);
		bad = check_droppable(self->drop, self->drop_len, val, &kept, &zero);
		swapped = swap_current(&self->cg);
		if (swapped > swap_max)
			swap_max = swapped;
		TH_LOG("round %d: memory.reclaim %zu MiB: %s; droppable %zu kept, %zu dropped, %zu wrong; swap %lld KiB",
		       r + 1, ask / MiB, ret ? strerror(errno) : "ok", kept,
		       zero, bad, swapped / 1024);
		EXPECT_EQ(0UL, bad);
		munmap(self->drop, self->drop_len);
		self->drop = NULL;
		if (_metadata->exit_code)
			break;
	}
	/* Push more of the buffer out, so the check reads much of it back. */
	ret = du_cg_reclaim(&self->cg, ANON_MIB / 2 * MiB);
	swapped = swap_current(&self->cg);
	if (swapped > swap_max)
		swap_max = swapped;
	pswpout = du_vmstat("pswpout") - pswpout;
	TH_LOG("final memory.reclaim %lu MiB: %s; pswpout +%lld pages (%lld MiB), swap now %lld MiB, at most %lld MiB",
	       ANON_MIB / 2, ret ? strerror(errno) : "ok", pswpout,
	       pswpout * (long long)ps / (long long)MiB,
	       swapped / (long long)MiB, swap_max / (long long)MiB);

	for (pg = 0; pg < self->anon_len / ps; pg++)
		for (w = 0; w < wpp; w++)
			if (((volatile uint64_t *)self->anon)[pg * wpp + w] !=
			    word_hash(pg, w)) {
				if (!bad_words++)
					first_bad = pg;
			}
	TH_LOG("anon buffer: %zu bad words of %zu (first bad page %zu)",
	       bad_words, self->anon_len / 8, first_bad);
	EXPECT_EQ(0UL, bad_words);
	/* Swap was used, but only for what anonymous memory can account for. */
	EXPECT_GT(pswpout, 0);
	EXPECT_LE(pswpout * (long long)ps,
		  (long long)((ANON_MIB + SLACK_MIB) * MiB));
	EXPECT_LE(swap_max, (long long)((ANON_MIB + SLACK_MIB) * MiB));
}

TEST_F_TIMEOUT(integrity, droppable_never_swapped, 300)
{
	const size_t n = ONLY_MIB * MiB / du_page_size();
	long long pswpout, swpout_zero, swapped;
	size_t kept = 0, zero = 0, bad = 0;
	int i, ret;

	/*
	 * Lock what the process has, so the only memory reclaim can swap is
	 * droppable memory (which mlock() does not lock).
	 */
	ASSERT_EQ(0, mlockall(MCL_CURRENT)) TH_LOG("mlockall: %s",
						   strerror(errno));
	self->locked = 1;
	ASSERT_EQ(0, swap_current(&self->cg));

	self->drop_len = ONLY_MIB * MiB;
	self->drop = du_map_droppable(self->drop_len);
	ASSERT_NE(MAP_FAILED, self->drop);
	du_fill(self->drop, self->drop_len, 1);
	pswpout = du_vmstat("pswpout");
	swpout_zero = vmstat0("swpout_zero");
	ASSERT_GE(pswpout, 0);

	for (i = 0; i < 2; i++) {
		ret = du_cg_reclaim(&self->cg, self->drop_len + 16 * MiB);
		bad = check_droppable(self->drop, self->drop_len, 1, &kept, &zero);
		TH_LOG("memory.reclaim %lu MiB: %s; %zu kept, %zu dropped, %zu wrong of %zu",
		       ONLY_MIB + 16, ret ? strerror(errno) : "ok", kept, zero,
		       bad, n);
		if (zero == n)
			break;
	}
	pswpout = du_vmstat("pswpout") - pswpout;
	swpout_zero = vmstat0("swpout_zero") - swpout_zero;
	swapped = swap_current(&self->cg);
	TH_LOG("pswpout +%lld, swpout_zero +%lld, memory.swap.current %lld",
	       pswpout, swpout_zero, swapped);
	EXPECT_EQ(0UL, bad);
	EXPECT_EQ(n, zero);
	EXPECT_EQ(0, pswpout);
	EXPECT_EQ(0, swpout_zero);
	EXPECT_EQ(0, swapped);
}

TEST_HARNESS_MAIN
