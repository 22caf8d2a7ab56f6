// SPDX-License-Identifier: GPL-2.0
/*
 * The droppable folio flag survives what changes a folio under a mapping:
 * NUMA migration (move_pages), PMD and folio split, and khugepaged-style
 * collapse (MADV_COLLAPSE).  After each, every page still shows
 * KPF_DROPPABLE in /proc/kpageflags, holds its data and is still dropped by
 * reclaim.  A normal anonymous mapping, written or MADV_FREE'd (the other
 * kind of !swapbacked anonymous folio), never shows the bit.
 *
 * The upstream VMA-based kernel (Linux 6.12) has no KPF_DROPPABLE: bit 27 of
 * /proc/kpageflags is never set there.  Each test then still migrates,
 * splits or collapses and checks contents and dropping (these hold on 6.12
 * because dropping follows the VMA), and reports SKIP at the end if nothing
 * failed.  What the flag checks catch is a series that sets PG_droppable at
 * fault but loses it when migrate_folio()/__split_huge_page()/
 * collapse_huge_page() make new folios: such folios would no longer be
 * dropped by reclaim paths that look only at the folio (no VMA).
 */
#include <sys/syscall.h>
#include "kselftest_harness.h"
#include "droppable_util.h"

#define KPF_THP_BIT		22
#define KPF_DROPPABLE_BIT	27
#define PM_PRESENT		(1ULL << 63)
#define PM_PFN_MASK		((1ULL << 55) - 1)

#ifndef MPOL_DEFAULT
#define MPOL_DEFAULT		0
#endif
#ifndef MPOL_PREFERRED
#define MPOL_PREFERRED		1
#endif
#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE		(1 << 1)
#endif

#define THP_SIZE		(2 * MiB)
#define SPLIT_DEBUGFS		"/sys/kernel/debug/split_huge_pages"
#define NOKPF_REASON \
	"kernel has no KPF_DROPPABLE (base kernel?): only migration/split/collapse, contents and dropping were checked"

FIXTURE(flag) {
	int pagemap, kpageflags;
	int kpf;	/* the kernel reports KPF_DROPPABLE */
	char *map;	/* the mapping to unmap in teardown */
	size_t map_len;
};

/* The PFN behind @addr, 0 if not present. */
static uint64_t pfn_of(FIXTURE_DATA(flag) *self, const void *addr)
{
	uint64_t e = 0;
	off_t off = (uintptr_t)addr / du_page_size() * sizeof(e);

	if (pread(self->pagemap, &e, sizeof(e), off) != sizeof(e))
		return 0;
	return (e & PM_PRESENT) ? (e & PM_PFN_MASK) : 0;
}

static uint64_t kflags(FIXTURE_DATA(flag) *self, uint64_t pfn)
{
	uint64_t f = 0;

	if (pread(self->kpageflags, &f, sizeof(f), pfn * sizeof(f)) != sizeof(f))
		return 0;
	return f;
}

struct kpf_count {
	size_t present, thp, droppable;
};

static struct kpf_count count_kpf(FIXTURE_DATA(flag) *self, const char *p,
				  size_t len)
{
	struct kpf_count c = { 0 };
	size_t off;

	for (off = 0; off < len; off += du_page_size()) {
		uint64_t pfn = pfn_of(self, p + off), f;

		if (!pfn)
			continue;
		c.present++;
		f = kflags(self, pfn);
		c.thp += !!(f & (1ULL << KPF_THP_BIT));
		c.droppable += !!(f & (1ULL << KPF_DROPPABLE_BIT));
	}
	return c;
}

#define LOG_KPF(what, c, n) \
	TH_LOG("%s: %zu of %zu pages present, %zu KPF_THP, %zu KPF_DROPPABLE", \
	       what, (c).present, (size_t)(n), (c).thp, (c).droppable)

/* All @n pages are present and, if the kernel reports it, flagged. */
#define EXPECT_FLAGGED(c, n) do { \
	EXPECT_EQ((size_t)(n), (c).present); \
	if (self->kpf) \
		EXPECT_EQ((size_t)(n), (c).droppable); \
} while (0)

/* Pages of [p, p + len) whose first word is not du_fill(@val)'s. */
static size_t changed_pages(const char *p, size_t len, uint64_t val)
{
	size_t ps = du_page_size(), off, n = 0;

	for (off = 0; off < len; off += ps)
		if (*(volatile uint64_t *)(p + off) != val + off / ps)
			n++;
	return n;
}

/* MADV_PAGEOUT [p, p + len); returns the pages that read zero after it. */
static size_t pageout(struct __test_metadata *_metadata, char *p, size_t len)
{
	int ret = madvise(p, len, MADV_PAGEOUT);

	EXPECT_EQ(0, ret) TH_LOG("MADV_PAGEOUT: %s", strerror(errno));
	return du_count_zero_pages(p, len);
}

/* A THP_SIZE-aligned @len bytes inside a new droppable mapping. */
static char *map_aligned(FIXTURE_DATA(flag) *self, size_t len)
{
	self->map_len = len + THP_SIZE;
	self->map = du_map_droppable(self->map_len);
	if (self->map == MAP_FAILED) {
		self->map = NULL;
		return MAP_FAILED;
	}
	return (char *)(((uintptr_t)self->map + THP_SIZE - 1) &
			~(uintptr_t)(THP_SIZE - 1));
}

FIXTURE_SETUP(flag)
{
	struct kpf_count c;
	char *p;
	int s;

	memset(self, 0, sizeof(*self));
	self->pagemap = self->kpageflags = -1;
	s = du_droppable_supported();
	if (s == 0)
		SKIP(return, "MAP_DROPPABLE not supported by this kernel");
	ASSERT_EQ(1, s);
	/* MADV_PAGEOUT must see every page a test writes */
	du_stay_on_this_cpu();
	self->pagemap = open("/proc/self/pagemap", O_RDONLY);
	ASSERT_GE(self->pagemap, 0);
	self->kpageflags = open("/proc/kpageflags", O_RDONLY);
	ASSERT_GE(self->kpageflags, 0) TH_LOG("/proc/kpageflags: %s (root?)",
					       strerror(errno));

	/* Does a written droppable page show KPF_DROPPABLE? */
	p = du_map_droppable(du_page_size());
	ASSERT_NE(MAP_FAILED, p);
	du_fill(p, du_page_size(), 1);
	c = count_kpf(self, p, du_page_size());
	munmap(p, du_page_size());
	ASSERT_EQ(1UL, c.present) TH_LOG("no PFN in /proc/self/pagemap (root?)");
	self->kpf = c.droppable == 1;
	if (!self->kpf)
		TH_LOG("bit %d of /proc/kpageflags is not set on a droppable page",
		       KPF_DROPPABLE_BIT);
	/*
	 * The runner says which kernel this is: on the series' kernel the bit
	 * must be there, a missing one is a failure, not a skip.
	 */
	if (getenv("DROPPABLE_VARIANT") &&
	    !strcmp(getenv("DROPPABLE_VARIANT"), "on"))
		ASSERT_TRUE(self->kpf) TH_LOG("the PG_droppable kernel must report KPF_DROPPABLE");
}

FIXTURE_TEARDOWN(flag)
{
	if (self->map)
		munmap(self->map, self->map_len);
	if (self->pagemap >= 0)
		close(self->pagemap);
	if (self->kpageflags >= 0)
		close(self->kpageflags);
}

/* On a kernel without the bit, a test that passed so far is a SKIP. */
#define FINISH() do { \
	if (!self->kpf && !_metadata->exit_code) \
		SKIP(return, NOKPF_REASON); \
} while (0)

/*
 * Negative control: written anonymous pages, 4 KiB and THP, and MADV_FREE'd
 * ones (!swapbacked like droppable folios) never show KPF_DROPPABLE, while a
 * droppable mapping in the same process does.
 */
TEST_F_TIMEOUT(flag, normal_anon_never_flagged, 120)
{
	const size_t len = 4 * THP_SIZE, n = len / du_page_size();
	struct kpf_count c;
	char *anon, *thp;

	anon = mmap(NULL, len + THP_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);
	thp = (char *)(((uintptr_t)anon + THP_SIZE - 1) &
		       ~(uintptr_t)(THP_SIZE - 1));
	/* First half 4 KiB pages, second half THPs. */
	ASSERT_EQ(0, madvise(thp, len / 2, MADV_NOHUGEPAGE));
	madvise(thp + len / 2, len / 2, MADV_HUGEPAGE);
	du_fill(thp, len, 1);
	c = count_kpf(self, thp, len);
	LOG_KPF("written anon", c, n);
	EXPECT_EQ(n, c.present);
	EXPECT_EQ(0UL, c.droppable);

	ASSERT_EQ(0, madvise(thp, len, MADV_FREE));
	c = count_kpf(self, thp, len);
	LOG_KPF("MADV_FREE'd anon", c, n);
	EXPECT_EQ(0UL, c.droppable);
	munmap(anon, len + THP_SIZE);

	/* The same layout droppable: every page flagged. */
	thp = map_aligned(self, len);
	ASSERT_NE(MAP_FAILED, thp);
	madvise(thp + len / 2, len / 2, MADV_HUGEPAGE);
	du_fill(thp, len, 1);
	c = count_kpf(self, thp, len);
	LOG_KPF("written droppable", c, n);
	EXPECT_FLAGGED(c, n);
	FINISH();
}

static long sys_move_pages(unsigned long count, void **pages,
			   const int *nodes, int *status, int flags)
{
	return syscall(__NR_move_pages, 0, count, pages, nodes, status, flags);
}

/*
 * move_pages() of droppable pages from node 0 to node 1: every page moves
 * (new PFN), keeps the flag and its data, and is dropped by MADV_PAGEOUT.
 */
TEST_F_TIMEOUT(flag, move_pages_keeps_flag, 180)
{
	const size_t n = 512, len = n * du_page_size();
	unsigned long node0 = 1;
	size_t on0 = 0, on1 = 0, moved = 0, i;
	uint64_t *pfn = calloc(n, sizeof(*pfn));
	int *nodes = calloc(n, sizeof(int)), *status = calloc(n, sizeof(int));
	void **pages = calloc(n, sizeof(void *));
	struct kpf_count c;
	char *p;
	long ret;

	ASSERT_TRUE(pfn && nodes && status && pages);
	if (access("/sys/devices/system/node/node1", F_OK))
		SKIP(return, "a single NUMA node");
	p = map_aligned(self, len);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise(p, len, MADV_NOHUGEPAGE));

	/* Fault the pages in on node 0. */
	ASSERT_EQ(0, syscall(__NR_set_mempolicy, MPOL_PREFERRED, &node0,
			     8 * sizeof(node0)));
	du_fill(p, len, 1);
	ASSERT_EQ(0, syscall(__NR_set_mempolicy, MPOL_DEFAULT, NULL, 0));
	for (i = 0; i < n; i++) {
		pages[i] = p + i * du_page_size();
		pfn[i] = pfn_of(self, pages[i]);
		nodes[i] = 1;
		status[i] = -1;
	}
	ASSERT_EQ(0, sys_move_pages(n, pages, NULL, status, 0));
	for (i = 0; i < n; i++)
		on0 += status[i] == 0;
	c = count_kpf(self, p, len);
	LOG_KPF("before move_pages", c, n);
	TH_LOG("%zu of %zu pages on node 0", on0, n);
	ASSERT_EQ(n, on0);
	EXPECT_FLAGGED(c, n);

	ret = sys_move_pages(n, pages, nodes, status, MPOL_MF_MOVE);
	ASSERT_EQ(0, ret) TH_LOG("move_pages: %ld (%s)", ret,
				 ret < 0 ? strerror(errno) : "pages not moved");
	for (i = 0; i < n; i++) {
		on1 += status[i] == 1;
		moved += pfn_of(self, pages[i]) != pfn[i];
	}
	c = count_kpf(self, p, len);
	LOG_KPF("after move_pages", c, n);
	TH_LOG("%zu pages now on node 1, %zu with a new PFN, %zu changed data",
	       on1, moved, changed_pages(p, len, 1));
	EXPECT_EQ(n, on1);
	EXPECT_EQ(n, moved);
	EXPECT_FLAGGED(c, n);
	EXPECT_EQ(0UL, changed_pages(p, len, 1));

	i = pageout(_metadata, p, len);
	TH_LOG("MADV_PAGEOUT after the move: %zu of %zu pages dropped", i, n);
	EXPECT_EQ(n, i);
	free(pfn);
	free(nodes);
	free(status);
	free(pages);
	FINISH();
}

/*
 * Three droppable THPs: the first loses its second half to munmap(), the
 * second gets a read-only 4 KiB page in its middle (both split the PMD), then
 * debugfs split_huge_pages splits all three folios to base pages.  Every
 * remaining page keeps the flag and its data at each step, and is dropped.
 */
TEST_F_TIMEOUT(flag, split_keeps_flag, 300)
{
	const size_t ps = du_page_size(), nthp = THP_SIZE / ps;
	const size_t left = 3 * nthp - nthp / 2;	/* pages still mapped */
	long long split_pmd, split_page;
	struct kpf_count c, ca, cb, cc;
	char *p, *a, *b, *cp;
	size_t dropped;

	if (access("/sys/kernel/mm/transparent_hugepage/enabled", R_OK))
		SKIP(return, "no THP");
	p = map_aligned(self, 3 * THP_SIZE);
	ASSERT_NE(MAP_FAILED, p);
	a = p;
	b = p + THP_SIZE;
	cp = p + 2 * THP_SIZE;
	ASSERT_EQ(0, madvise(p, 3 * THP_SIZE, MADV_HUGEPAGE));
	du_fill(p, 3 * THP_SIZE, 1);
	c = count_kpf(self, p, 3 * THP_SIZE);
	LOG_KPF("3 THPs written", c, 3 * nthp);
	ASSERT_EQ(3 * nthp, c.thp) TH_LOG("no THPs were allocated");
	EXPECT_FLAGGED(c, 3 * nthp);

	split_pmd = du_vmstat("thp_split_pmd");
	ASSERT_EQ(0, munmap(a + THP_SIZE / 2, THP_SIZE / 2));
	ASSERT_EQ(0, mprotect(b + THP_SIZE / 2, ps, PROT_READ));
	ca = count_kpf(self, a, THP_SIZE / 2);
	cb = count_kpf(self, b, THP_SIZE);
	cc = count_kpf(self, cp, THP_SIZE);
	TH_LOG("PMD split: thp_split_pmd +%lld",
	       du_vmstat("thp_split_pmd") - split_pmd);
	LOG_KPF("half-unmapped THP", ca, nthp / 2);
	LOG_KPF("mprotect-split THP", cb, nthp);
	LOG_KPF("untouched THP", cc, nthp);
	EXPECT_EQ(2, du_vmstat("thp_split_pmd") - split_pmd);
	EXPECT_FLAGGED(ca, nthp / 2);
	EXPECT_FLAGGED(cb, nthp);
	EXPECT_FLAGGED(cc, nthp);
	EXPECT_EQ(0UL, changed_pages(a, THP_SIZE / 2, 1));
	EXPECT_EQ(0UL, changed_pages(b, 2 * THP_SIZE, 1 + nthp));

	if (access(SPLIT_DEBUGFS, W_OK)) {
		TH_LOG("no %s: folio split not forced", SPLIT_DEBUGFS);
	} else {
		/* One range per VMA run: the kernel stops at the hole. */
		split_page = du_vmstat("thp_split_page");
		ASSERT_EQ(0, du_write_file(SPLIT_DEBUGFS, "%d,0x%lx,0x%lx",
					   getpid(), (unsigned long)a,
					   (unsigned long)(a + THP_SIZE / 2)));
		ASSERT_EQ(0, du_write_file(SPLIT_DEBUGFS, "%d,0x%lx,0x%lx",
					   getpid(), (unsigned long)b,
					   (unsigned long)(b + 2 * THP_SIZE)));
		ca = count_kpf(self, a, THP_SIZE / 2);
		c = count_kpf(self, b, 2 * THP_SIZE);
		c.present += ca.present;
		c.thp += ca.thp;
		c.droppable += ca.droppable;
		TH_LOG("folio split: thp_split_page +%lld",
		       du_vmstat("thp_split_page") - split_page);
		LOG_KPF("after split_huge_pages", c, left);
		EXPECT_EQ(0UL, c.thp);
		EXPECT_FLAGGED(c, left);
		EXPECT_EQ(0UL, changed_pages(a, THP_SIZE / 2, 1));
		EXPECT_EQ(0UL, changed_pages(b, 2 * THP_SIZE, 1 + nthp));
	}

	dropped = pageout(_metadata, a, THP_SIZE / 2) +
		  pageout(_metadata, b, 2 * THP_SIZE);
	TH_LOG("MADV_PAGEOUT after the split: %zu of %zu pages dropped",
	       dropped, left);
	EXPECT_EQ(left, dropped);
	FINISH();
}

/*
 * 512 droppable base pages collapsed into a THP by MADV_COLLAPSE: the new
 * folio is a THP, flagged, holds the data, and is dropped.
 */
TEST_F_TIMEOUT(flag, collapse_keeps_flag, 300)
{
	const size_t nthp = THP_SIZE / du_page_size();
	long long before = du_vmstat("thp_collapse_alloc");
	struct kpf_count c;
	int ret = -1, err = 0, i;
	size_t dropped;
	char *p;

	if (access("/sys/kernel/mm/transparent_hugepage/enabled", R_OK))
		SKIP(return, "no THP");
	p = map_aligned(self, THP_SIZE);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise(p, THP_SIZE, MADV_NOHUGEPAGE));
	du_fill(p, THP_SIZE, 1);
	c = count_kpf(self, p, THP_SIZE);
	LOG_KPF("512 base pages written", c, nthp);
	ASSERT_EQ(0UL, c.thp);
	EXPECT_FLAGGED(c, nthp);

	ASSERT_EQ(0, madvise(p, THP_SIZE, MADV_HUGEPAGE));
	for (i = 0; i < 5; i++) {
		ret = madvise(p, THP_SIZE, MADV_COLLAPSE);
		err = errno;
		if (!ret)
			break;
		TH_LOG("MADV_COLLAPSE try %d: %s", i + 1, strerror(err));
		if (err != EAGAIN && err != EINVAL)
			break;
		sleep(1);
	}
	ASSERT_EQ(0, ret) TH_LOG("MADV_COLLAPSE failed: %s", strerror(err));
	c = count_kpf(self, p, THP_SIZE);
	TH_LOG("collapsed: thp_collapse_alloc +%lld",
	       du_vmstat("thp_collapse_alloc") - before);
	LOG_KPF("after MADV_COLLAPSE", c, nthp);
	EXPECT_EQ(nthp, c.thp);
	EXPECT_FLAGGED(c, nthp);
	EXPECT_EQ(0UL, changed_pages(p, THP_SIZE, 1));

	dropped = pageout(_metadata, p, THP_SIZE);
	TH_LOG("MADV_PAGEOUT of the collapsed THP: %zu of %zu pages dropped",
	       dropped, nthp);
	EXPECT_EQ(nthp, dropped);
	FINISH();
}

TEST_HARNESS_MAIN
