// SPDX-License-Identifier: GPL-2.0
/*
 * droppable_badinput - every invalid or surprising call on droppable memory
 * and the result the kernel gives for it, as one table.
 *
 * Each row of the table (a FIXTURE_VARIANT_ADD() of the fixture "badinput", so
 * that TAP shows one test case per row) names a call, the result it must
 * give (0 or an errno) and which kernel code decides that, then checks what
 * the call left behind (VmFlags in /proc/self/smaps, the data, VmLck).  The
 * rows cover:
 *
 *  - mmap(): MAP_DROPPABLE with the other mapping types, a file, MAP_LOCKED
 *    (as root and unprivileged), MAP_HUGETLB, MAP_GROWSDOWN, MAP_FIXED,
 *    MAP_FIXED_NOREPLACE, MAP_POPULATE, MAP_NORESERVE, MAP_STACK,
 *    MAP_UNINITIALIZED, every protection, MDWE, mlockall(MCL_FUTURE);
 *  - madvise(): every advice 6.12 knows (MADV_NORMAL to MADV_COLLAPSE,
 *    MADV_HWPOISON, MADV_SOFT_OFFLINE) and the MADV_GUARD_* values of later
 *    kernels, which 6.12 does not know;
 *  - mlock(), mlock2(MLOCK_ONFAULT), mlockall() in all its forms, as root
 *    and within and over RLIMIT_MEMLOCK: the call's result, and that the
 *    droppable VMA never gets "lo"/"lf", Locked: or VmLck;
 *  - mremap(): grow in place, grow and move, shrink, MREMAP_FIXED,
 *    MREMAP_DONTUNMAP, a move next to an anonymous VMA, old_len 0; the moved
 *    mapping keeps its data, is still "dp", wiped on fork and dropped;
 *  - userfaultfd: UFFDIO_REGISTER in each mode, UFFDIO_COPY into droppable
 *    memory, UFFDIO_MOVE out of and into it;
 *  - KSM: MADV_MERGEABLE, prctl(PR_SET_MEMORY_MERGE) and a ksmd scan that
 *    merges an anonymous control but never the droppable pages;
 *  - dropped pages read as zeros through every path: directly,
 *    process_vm_readv(), PTRACE_PEEKDATA of a stopped child, /proc/PID/mem,
 *    write() from them; the pagemap shows them neither present nor swapped;
 *    a forked child never sees the parent's data;
 *  - /proc/kpageflags and the PFNs of /proc/self/pagemap stay privileged.
 *
 * Decisions:
 *  - MADV_HWPOISON and MADV_SOFT_OFFLINE are called unprivileged (uid 65534,
 *    no capabilities): as root they would really poison or offline a page
 *    of the guest.  With CONFIG_MEMORY_FAILURE the result is EPERM
 *    (madvise_inject_error()), without it EINVAL (madvise_behavior_valid()).
 *    Advice that depends on the configuration (KSM, THP, memory failure) is
 *    probed with a zero-length madvise(), which returns 0 exactly when the
 *    kernel knows the advice; an unknown one is expected to give EINVAL.
 *  - UFFDIO_REGISTER on droppable memory succeeds on 6.12: the VM_DROPPABLE
 *    test of vma_can_userfault() (include/linux/userfaultfd_k.h) looks at
 *    the requested vm_flags after they were masked to the userfaultfd bits,
 *    so it never matches.  Upstream later fixed it to test vma->vm_flags;
 *    the rows record what 6.12.117 does.
 *  - UFFDIO_MOVE between a droppable and a non-droppable VMA is the one row
 *    where the series differs from the base on purpose: the series refuses
 *    it (validate_move_areas(), EINVAL), the base moves the folio.  The
 *    series is recognised by the "Droppable:" line it adds to smaps.
 *
 * All rows hold on the upstream 6.12 kernel and on the PG_droppable series
 * (except the UFFDIO_MOVE rows, above).  On a kernel without MAP_DROPPABLE
 * (mmap() fails with EOPNOTSUPP) every row is skipped.
 */
#include <grp.h>
#include <signal.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "droppable_util.h"

/* The host's libc headers may predate some of these. */
/* Linux 6.13 and later; not in the 6.12 uapi. */
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL	102
#define MADV_GUARD_REMOVE	103
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif
#ifndef PR_SET_MDWE
#define PR_SET_MDWE		65
#define PR_MDWE_REFUSE_EXEC_GAIN (1UL << 0)
#endif
#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE	67
#define PR_GET_MEMORY_MERGE	68
#endif

#define NOBODY			65534
#define THP_SIZE		(2 * MiB)
#define PM_PRESENT		(1ULL << 63)
#define PM_SWAP			(1ULL << 62)
#define PM_PFN_MASK		((1ULL << 55) - 1)
#define KSM_DIR			"/sys/kernel/mm/ksm/"

/* FIXTURE_VARIANT(badinput).flags */
#define F_NOBODY	(1U << 0)  /* run as uid/gid 65534, no capabilities */
#define F_MEMLOCK	(1U << 1)  /* set RLIMIT_MEMLOCK to .memlock first */
#define F_SERIES	(1U << 2)  /* the series gives .expect_series */
#define F_CFG		(1U << 3)  /* advice may be configured out: EINVAL */
#define F_FD		(1U << 4)  /* mmap() gets a memfd */
#define F_OVER_ANON	(1U << 5)  /* mmap() at a written anonymous mapping */
#define F_OVER_DROP	(1U << 6)  /* mmap() at a written droppable mapping */
#define F_FREE_ADDR	(1U << 7)  /* mmap() at an address just unmapped */
#define F_MDWE		(1U << 8)  /* prctl(PR_SET_MDWE) first */
#define F_RESIDENT	(1U << 9)  /* every page is resident afterwards */
#define F_MCL_FUTURE	(1U << 10) /* mlockall(MCL_FUTURE) first */
#define F_PROT		(1U << 11) /* mmap() with .prot, not read/write */
#define F_LEN0		(1U << 12) /* mmap() of zero bytes */
#define F_MLOCK2	(1U << 13) /* mlock2(.arg), not mlock() */

/* FIXTURE_VARIANT(badinput).data: what the written pages hold afterwards. */
enum { DATA_KEEP, DATA_ZERO, DATA_ANY };

/* run_mremap() cases */
enum {
	MR_GROW, MR_GROW_MOVE, MR_SHRINK, MR_FIXED, MR_DONTUNMAP,
	MR_BESIDE_ANON, MR_DUP,
};

/* run_peer() cases */
enum { PEER_READV, PEER_PEEK, PEER_MEM };

FIXTURE(badinput) {
	int expect;		/* what this row must give on this kernel */
	bool series;		/* the kernel is the PG_droppable series */
	pid_t peer;		/* a child for the teardown to kill */
	long ksm_saved[3];	/* run, pages_to_scan, sleep_millisecs */
};

FIXTURE_VARIANT(badinput);

/*
 * Run the row's call and its checks; return 0 or the call's errno (-1 when
 * there is no result: a skip or a failed set-up).
 */
typedef int (*row_fn)(struct __test_metadata *_metadata,
		      FIXTURE_DATA(badinput) *self,
		      const FIXTURE_VARIANT(badinput) *variant);

FIXTURE_VARIANT(badinput) {
	const char *call;	/* the call, as a program would write it */
	int expect;		/* 0 or the errno of 6.12 */
	int expect_series;	/* the series' result, with F_SERIES */
	const char *why;	/* the kernel code that decides it */
	row_fn run;
	unsigned int flags;	/* F_* */
	long arg;		/* mmap flags, advice, mlock flags, case */
	int prot;		/* with F_PROT */
	size_t pages;		/* length of the mapping; 0: the default */
	long memlock;		/* RLIMIT_MEMLOCK in bytes, with F_MEMLOCK */
	const char *has;	/* VmFlags the VMA shows afterwards */
	const char *hasnot;	/* VmFlags it does not show */
	int data;		/* DATA_* */
};

/* ------------------------------------------------------------------ */
/* Helpers.                                                           */
/* ------------------------------------------------------------------ */

static const char *result_name(int e)
{
	const char *name;

	if (e == 0)
		return "0";
	if (e < 0)
		return "(no result)";
	name = strerrorname_np(e);
	return name ? name : "(unknown errno)";
}

/* The PG_droppable series adds a "Droppable:" line to smaps. */
static bool series_kernel(void)
{
	size_t ps = du_page_size();
	char buf[64], *p = du_map_droppable(ps);
	bool ret;

	if (p == MAP_FAILED)
		return false;
	p[0] = 1;
	ret = !du_smaps_field(p, ps, "Droppable", buf, sizeof(buf));
	munmap(p, ps);
	return ret;
}

/* A droppable mapping of @len bytes, or the test fails. */
static char *map_drop(struct __test_metadata *_metadata, size_t len)
{
	char *p = du_map_droppable(len);

	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap(MAP_DROPPABLE): %s",
					strerror(errno));
	return p;
}

static char *map_anon(struct __test_metadata *_metadata, size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap(anon): %s", strerror(errno));
	return p;
}

/* A THP_SIZE-aligned @len bytes in a new droppable mapping *@raw. */
static char *map_drop_aligned(struct __test_metadata *_metadata, size_t len,
			      char **raw)
{
	*raw = map_drop(_metadata, len + THP_SIZE);
	return (char *)(((uintptr_t)*raw + THP_SIZE - 1) &
			~(uintptr_t)(THP_SIZE - 1));
}

/*
 * The VMA covering [p, p + len) shows every VmFlag of the space-separated
 * list @has and none of @hasnot.
 */
static void check_vmflags(struct __test_metadata *_metadata, const void *p,
			  size_t len, const char *has, const char *hasnot)
{
	char flags[256], list[128], *tok, *save;

	if (du_smaps_field(p, len, "VmFlags", flags, sizeof(flags))) {
		TH_LOG("no single VMA covers %p + %zu", p, len);
		EXPECT_TRUE(false);
		return;
	}
	snprintf(list, sizeof(list), "%s", has ? has : "");
	for (tok = strtok_r(list, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		EXPECT_TRUE(du_has_vmflag(p, len, tok))
			TH_LOG("VmFlags:%s lacks %s", flags, tok);
	}
	snprintf(list, sizeof(list), "%s", hasnot ? hasnot : "");
	for (tok = strtok_r(list, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		EXPECT_FALSE(du_has_vmflag(p, len, tok))
			TH_LOG("VmFlags:%s has %s", flags, tok);
	}
}

/* Pages of [p, p + len) that mincore() reports resident. */
static size_t resident_pages(struct __test_metadata *_metadata, void *p,
			     size_t len)
{
	size_t n = len / du_page_size(), r = 0;
	unsigned char vec[n];

	EXPECT_EQ(0, mincore(p, len, vec)) TH_LOG("mincore: %s",
						  strerror(errno));
	for (size_t i = 0; i < n; i++)
		r += vec[i] & 1;
	return r;
}

/*
 * MADV_PAGEOUT of [p, p + len) until mincore() shows none of it resident:
 * a transient extra reference makes reclaim skip a folio, so up to ten
 * calls.  Returns the pages still resident.  mincore() before any read: a
 * read would map the zero page.
 */
static size_t drop_range(struct __test_metadata *_metadata, void *p,
			 size_t len)
{
	size_t left = len / du_page_size();

	for (int i = 0; i < 10 && left; i++) {
		if (i)
			usleep(200000);
		EXPECT_EQ(0, madvise(p, len, MADV_PAGEOUT))
			TH_LOG("MADV_PAGEOUT: %s", strerror(errno));
		left = resident_pages(_metadata, p, len);
	}
	return left;
}

/* The /proc/self/pagemap entry of @addr; 0 or an errno. */
static int pagemap_entry(const void *addr, uint64_t *e)
{
	off_t off = (uintptr_t)addr / du_page_size() * sizeof(*e);
	int fd = open("/proc/self/pagemap", O_RDONLY), ret = 0;

	if (fd < 0)
		return errno;
	if (pread(fd, e, sizeof(*e), off) != sizeof(*e))
		ret = errno ? errno : EIO;
	close(fd);
	return ret;
}

/* Fork a child that reports whether [p, p + len) reads as zeros to it. */
static bool child_sees_zeros(struct __test_metadata *_metadata, const void *p,
			     size_t len)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid) TH_LOG("fork: %s", strerror(errno));
	if (pid == 0)
		_exit(du_all_zero(p, len) ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Every page of [p, p + len) holds du_fill_pattern()'s data. */
static void expect_intact(struct __test_metadata *_metadata, const void *p,
			  size_t len)
{
	struct du_page_count c = du_count_pages(p, len);

	EXPECT_EQ(len / du_page_size(), c.intact)
		TH_LOG("%zu intact, %zu zero, %zu corrupt of %zu pages",
		       c.intact, c.zero, c.corrupt, len / du_page_size());
}

/* The size in kB of all VMAs whose VmFlags show "lo" (VM_LOCKED). */
static long locked_vmas_kb(void)
{
	unsigned long start, end, size = 0;
	char *line = NULL;
	size_t cap = 0;
	long kb = 0;
	FILE *f;

	f = fopen("/proc/self/smaps", "r");
	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			size = end - start;
		else if (!strncmp(line, "VmFlags:", 8) && strstr(line, " lo "))
			kb += size / KiB;
	}
	free(line);
	fclose(f);
	return kb;
}

/*
 * The VMA of [p, p + len) shows no "lo"/"lf" and Locked: 0 kB, and VmLck
 * (mm->locked_vm) is exactly the size of the VMAs that do show "lo": the
 * droppable VMA is not charged to it either.
 */
static void expect_unlocked(struct __test_metadata *_metadata, const void *p,
			    size_t len)
{
	long vmlck = -1, lo = -1;

	/* Under MCL_FUTURE the heap that stdio grows is locked: settle it. */
	du_status_kb("VmLck");
	locked_vmas_kb();
	for (int i = 0; i < 5; i++) {
		vmlck = du_status_kb("VmLck");
		lo = locked_vmas_kb();
		if (du_status_kb("VmLck") == vmlck)
			break;
	}
	EXPECT_EQ(0, du_smaps_kb(p, len, "Locked"));
	check_vmflags(_metadata, p, len, "dp", "lo lf");
	EXPECT_EQ(lo, vmlck)
		TH_LOG("VmLck %ld kB, VMAs with \"lo\" %ld kB", vmlck, lo);
}

/*
 * Become uid/gid 65534 without capabilities (and with the row's
 * RLIMIT_MEMLOCK).  setuid() makes the process undumpable, which would hand
 * its /proc/self files to root: make it dumpable again.
 */
static int drop_privileges(const FIXTURE_VARIANT(badinput) *variant)
{
	if (variant->flags & F_MEMLOCK) {
		struct rlimit rl = { variant->memlock, variant->memlock };

		if (setrlimit(RLIMIT_MEMLOCK, &rl))
			return -1;
	}
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return -1;
	return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

/*
 * Run the row in a child that dropped its privileges; its result comes
 * back through shared memory, its checks through the shared _metadata.
 */
static int run_as_nobody(struct __test_metadata *_metadata,
			 FIXTURE_DATA(badinput) *self,
			 const FIXTURE_VARIANT(badinput) *variant)
{
	int *res, status, ret;
	pid_t pid;

	if (geteuid())
		SKIP(return -1, "not root: cannot become uid %d", NOBODY);
	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, res);
	*res = -1;
	pid = fork();
	ASSERT_LE(0, pid) TH_LOG("fork: %s", strerror(errno));
	if (pid == 0) {
		if (drop_privileges(variant)) {
			TH_LOG("dropping privileges: %s", strerror(errno));
			_exit(1);
		}
		*res = variant->run(_metadata, self, variant);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("unprivileged child: status %#x", status);
	ret = *res;
	munmap(res, sizeof(*res));
	return ret;
}

/* ------------------------------------------------------------------ */
/* mmap()                                                             */
/* ------------------------------------------------------------------ */

static int run_mmap(struct __test_metadata *_metadata,
		    FIXTURE_DATA(badinput) *self,
		    const FIXTURE_VARIANT(badinput) *variant)
{
	size_t len = (variant->pages ? variant->pages : 4) * du_page_size();
	int prot = PROT_READ | PROT_WRITE, flags = variant->arg, fd = -1, ret;
	char *hint = NULL, *p;

	if (variant->flags & F_PROT)
		prot = variant->prot;
	if (variant->flags & F_FD) {
		fd = memfd_create("droppable_badinput", 0);
		ASSERT_LE(0, fd) TH_LOG("memfd_create: %s", strerror(errno));
		ASSERT_EQ(0, ftruncate(fd, len));
	}
	if (variant->flags & (F_OVER_ANON | F_OVER_DROP | F_FREE_ADDR)) {
		hint = variant->flags & F_OVER_DROP ? map_drop(_metadata, len) :
		       map_anon(_metadata, len);
		if (variant->flags & F_FREE_ADDR)
			munmap(hint, len);
		else
			du_fill_pattern(hint, len);
	}
	if ((variant->flags & F_MDWE) &&
	    prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0))
		SKIP(return -1, "PR_SET_MDWE: %s", strerror(errno));
	if (variant->flags & F_MCL_FUTURE) {
		ASSERT_EQ(0, mlockall(MCL_FUTURE))
			TH_LOG("mlockall(MCL_FUTURE): %s", strerror(errno));
	}

	if (variant->flags & F_LEN0)
		len = 0;
	p = mmap(hint, len, prot, flags, fd, 0);
	ret = p == MAP_FAILED ? errno : 0;
	if (fd >= 0)
		close(fd);
	if (ret) {
		/* A refused mapping leaves what was there. */
		if (hint && !(variant->flags & F_FREE_ADDR))
			expect_intact(_metadata, hint, len);
		return ret;
	}
	if (!len)
		return 0;

	if (hint) {
		EXPECT_EQ(hint, p);
	}
	check_vmflags(_metadata, p, len, "dp", NULL);
	check_vmflags(_metadata, p, len, variant->has, variant->hasnot);
	if (variant->flags & F_RESIDENT) {
		EXPECT_EQ(len / du_page_size(),
			  resident_pages(_metadata, p, len));
	}
	if (variant->flags & F_MCL_FUTURE) {
		memset(p, 1, len);
		expect_unlocked(_metadata, p, len);
		memset(p, 0, len);
	}
	if (!(prot & PROT_READ) || !(prot & PROT_WRITE)) {
		ASSERT_EQ(0, mprotect(p, len, PROT_READ | PROT_WRITE))
			TH_LOG("mprotect: %s", strerror(errno));
	}
	/* New, or replacing what MAP_FIXED unmapped: zeros. */
	EXPECT_TRUE(du_all_zero(p, len));
	du_fill_pattern(p, len);
	expect_intact(_metadata, p, len);
	munmap(p, len);
	return 0;
}

/* ------------------------------------------------------------------ */
/* madvise()                                                          */
/* ------------------------------------------------------------------ */

/*
 * madvise() of a written, THP-aligned 2 MiB droppable range.  Whatever the
 * advice, the VMA keeps dp, wf and dd.
 */
static int run_madvise(struct __test_metadata *_metadata,
		       FIXTURE_DATA(badinput) *self,
		       const FIXTURE_VARIANT(badinput) *variant)
{
	size_t len = THP_SIZE, n = len / du_page_size();
	int advice = variant->arg, ret;
	bool known = true;
	struct du_page_count c;
	char *raw, *p;

	p = map_drop_aligned(_metadata, len, &raw);
	du_fill_pattern(p, len);
	if ((variant->flags & F_CFG) && madvise(p, 0, advice)) {
		known = false;
		self->expect = EINVAL;
		TH_LOG("advice %d not configured in this kernel: EINVAL",
		       advice);
	}
	ret = madvise(p, len, advice) ? errno : 0;
	if (!ret && advice == MADV_PAGEOUT) {
		EXPECT_EQ(0UL, drop_range(_metadata, p, len));
	}

	check_vmflags(_metadata, p, len, "dp wf dd", NULL);
	if (known)
		check_vmflags(_metadata, p, len, variant->has, variant->hasnot);
	if (advice == MADV_COLLAPSE)
		TH_LOG("AnonHugePages: %ld kB",
		       du_smaps_kb(p, len, "AnonHugePages"));
	c = du_count_pages(p, len);
	switch (variant->data) {
	case DATA_KEEP:
		EXPECT_EQ(n, c.intact);
		break;
	case DATA_ZERO:
		EXPECT_EQ(n, c.zero);
		break;
	}
	EXPECT_EQ(0UL, c.corrupt);
	TH_LOG("%zu intact, %zu zero, %zu corrupt of %zu pages", c.intact,
	       c.zero, c.corrupt, n);
	munmap(raw, len + THP_SIZE);
	return ret;
}

/* ------------------------------------------------------------------ */
/* mlock()                                                            */
/* ------------------------------------------------------------------ */

/* mlock() or mlock2(.arg) of a written droppable range; still droppable. */
static int run_mlock(struct __test_metadata *_metadata,
		     FIXTURE_DATA(badinput) *self,
		     const FIXTURE_VARIANT(badinput) *variant)
{
	size_t len = (variant->pages ? variant->pages : 16) * du_page_size();
	char *p;
	int ret;

	p = map_drop(_metadata, len);
	du_fill_pattern(p, len);
	if (variant->flags & F_MLOCK2)
		ret = mlock2(p, len, variant->arg) ? errno : 0;
	else
		ret = mlock(p, len) ? errno : 0;
	expect_unlocked(_metadata, p, len);
	expect_intact(_metadata, p, len);
	if (!ret) {
		EXPECT_EQ(0, munlock(p, len));
	}
	/* Whatever mlock() said, the pages can still be dropped. */
	EXPECT_EQ(0UL, drop_range(_metadata, p, len));
	EXPECT_TRUE(du_all_zero(p, len));
	munmap(p, len);
	return ret;
}

/*
 * mlockall(.arg) with a written droppable mapping; a droppable mapping
 * made afterwards is not locked either, and both can be dropped.
 */
static int run_mlockall(struct __test_metadata *_metadata,
			FIXTURE_DATA(badinput) *self,
			const FIXTURE_VARIANT(badinput) *variant)
{
	size_t len = 2 * MiB;
	char *before, *after;
	int ret;

	before = map_drop(_metadata, len);
	du_fill_pattern(before, len);
	ret = mlockall(variant->arg) ? errno : 0;
	expect_unlocked(_metadata, before, len);
	if (ret)
		return ret;

	after = du_map_droppable(len);
	EXPECT_NE(MAP_FAILED, after)
		TH_LOG("mmap(MAP_DROPPABLE) after mlockall: %s",
		       strerror(errno));
	if (after != MAP_FAILED) {
		du_fill_pattern(after, len);
		expect_unlocked(_metadata, after, len);
		/* MAP_LOCKED itself is still refused. */
		EXPECT_EQ(MAP_FAILED, mmap(NULL, len, PROT_READ | PROT_WRITE,
					   MAP_DROPPABLE | MAP_ANONYMOUS |
					   MAP_LOCKED, -1, 0));
		EXPECT_EQ(0UL, drop_range(_metadata, after, len));
	}
	EXPECT_EQ(0UL, drop_range(_metadata, before, len));
	EXPECT_EQ(0, munlockall());
	return 0;
}

/* ------------------------------------------------------------------ */
/* mremap()                                                           */
/* ------------------------------------------------------------------ */

/*
 * mremap() of a written droppable mapping of 8 pages, case .arg.  The
 * result keeps the data it had (the rest reads zero), is still droppable:
 * dp, wiped on fork, dropped by MADV_PAGEOUT.
 */
static int run_mremap(struct __test_metadata *_metadata,
		      FIXTURE_DATA(badinput) *self,
		      const FIXTURE_VARIANT(badinput) *variant)
{
	size_t ps = du_page_size(), len = 8 * ps, old_len = len, new_len;
	char *p, *q, *target = NULL, *anon = NULL;
	int flags = 0, ret;

	new_len = len;
	switch (variant->arg) {
	case MR_GROW:
		/* Room behind the mapping. */
		p = map_drop(_metadata, 2 * len);
		munmap(p + len, len);
		new_len = 2 * len;
		break;
	case MR_GROW_MOVE:
		/* A PROT_NONE mapping behind it: it must move to grow. */
		p = map_drop(_metadata, 2 * len);
		ASSERT_NE(MAP_FAILED, mmap(p + len, len, PROT_NONE,
					   MAP_PRIVATE | MAP_ANONYMOUS |
					   MAP_FIXED, -1, 0));
		new_len = 2 * len;
		flags = MREMAP_MAYMOVE;
		break;
	case MR_SHRINK:
		p = map_drop(_metadata, len);
		new_len = len / 2;
		break;
	case MR_FIXED:
		p = map_drop(_metadata, len);
		target = mmap(NULL, len, PROT_NONE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, target);
		flags = MREMAP_MAYMOVE | MREMAP_FIXED;
		break;
	case MR_DONTUNMAP:
		p = map_drop(_metadata, len);
		flags = MREMAP_MAYMOVE | MREMAP_DONTUNMAP;
		break;
	case MR_BESIDE_ANON:
		/* Into the second half of a written anonymous mapping. */
		p = map_drop(_metadata, len);
		anon = map_anon(_metadata, 2 * len);
		du_fill_pattern(anon, 2 * len);
		target = anon + len;
		flags = MREMAP_MAYMOVE | MREMAP_FIXED;
		break;
	case MR_DUP:
		p = map_drop(_metadata, len);
		old_len = 0;
		flags = MREMAP_MAYMOVE;
		break;
	default:
		return -1;
	}
	du_fill_pattern(p, len);

	q = mremap(p, old_len, new_len, flags, target);
	ret = q == MAP_FAILED ? errno : 0;
	if (ret) {
		expect_intact(_metadata, p, len);
		munmap(p, len);
		return ret;
	}
	TH_LOG("%p -> %p, %zu -> %zu bytes", p, q, old_len, new_len);

	switch (variant->arg) {
	case MR_GROW:
	case MR_SHRINK:
		EXPECT_EQ(p, q);
		break;
	case MR_FIXED:
	case MR_BESIDE_ANON:
		EXPECT_EQ(target, q);
		break;
	default:
		EXPECT_NE(p, q);
	}
	/* The old range: gone, or (DONTUNMAP) mapped, empty and droppable. */
	if (variant->arg == MR_DONTUNMAP) {
		check_vmflags(_metadata, p, len, "dp wf dd", NULL);
		EXPECT_EQ(0UL, resident_pages(_metadata, p, len));
		EXPECT_TRUE(du_all_zero(p, len));
	} else if (q != p) {
		unsigned char vec;

		EXPECT_EQ(-1, mincore(p, ps, &vec));
		EXPECT_EQ(ENOMEM, errno);
	} else if (new_len < old_len) {
		unsigned char vec;

		EXPECT_EQ(-1, mincore(p + new_len, ps, &vec));
		EXPECT_EQ(ENOMEM, errno);
	}
	if (variant->arg == MR_BESIDE_ANON) {
		char flags_buf[256];

		/* Not merged: the anonymous half is its own, plain VMA. */
		check_vmflags(_metadata, anon, len, NULL, "dp wf dd");
		expect_intact(_metadata, anon, len);
		EXPECT_NE(0, du_smaps_field(anon, 2 * len, "VmFlags",
					    flags_buf, sizeof(flags_buf)));
	}

	/* The new range keeps the data and is still droppable. */
	check_vmflags(_metadata, q, new_len, "dp wf dd", NULL);
	expect_intact(_metadata, q, new_len < len ? new_len : len);
	if (new_len > len) {
		EXPECT_TRUE(du_all_zero(q + len, new_len - len));
	}
	EXPECT_TRUE(child_sees_zeros(_metadata, q, new_len));
	du_fill_pattern(q, new_len);
	EXPECT_EQ(0UL, drop_range(_metadata, q, new_len));
	EXPECT_TRUE(du_all_zero(q, new_len));

	munmap(q, new_len);
	if (variant->arg == MR_DONTUNMAP)
		munmap(p, len);
	if (anon)
		munmap(anon, len);
	if (variant->arg == MR_GROW_MOVE)
		munmap(p + len, len);
	return 0;
}

/* ------------------------------------------------------------------ */
/* userfaultfd                                                        */
/* ------------------------------------------------------------------ */

/* A userfaultfd with @features, or -1 after a skip. */
static int uffd_open(struct __test_metadata *_metadata, __u64 features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	int fd;

	fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		SKIP(return -1, "userfaultfd(): %s", strerror(errno));
	if (ioctl(fd, UFFDIO_API, &api)) {
		close(fd);
		SKIP(return -1, "UFFDIO_API, features %#llx: %s",
		     (unsigned long long)features, strerror(errno));
	}
	return fd;
}

static int uffd_register(int fd, void *p, size_t len, __u64 mode)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)p, .len = len },
		.mode = mode,
	};

	return ioctl(fd, UFFDIO_REGISTER, &reg) ? errno : 0;
}

/* UFFDIO_REGISTER of written droppable memory in mode .arg. */
static int run_uffd_register(struct __test_metadata *_metadata,
			     FIXTURE_DATA(badinput) *self,
			     const FIXTURE_VARIANT(badinput) *variant)
{
	size_t len = 4 * du_page_size();
	struct uffdio_range range;
	int fd, ret;
	char *p;

	fd = uffd_open(_metadata, 0);
	if (fd < 0)
		return -1;
	p = map_drop(_metadata, len);
	du_fill_pattern(p, len);
	ret = uffd_register(fd, p, len, variant->arg);
	check_vmflags(_metadata, p, len, "dp", NULL);
	if (!ret) {
		check_vmflags(_metadata, p, len, variant->has, NULL);
		range.start = (uintptr_t)p;
		range.len = len;
		EXPECT_EQ(0, ioctl(fd, UFFDIO_UNREGISTER, &range));
	}
	close(fd);
	expect_intact(_metadata, p, len);
	munmap(p, len);
	return ret;
}

/*
 * UFFDIO_COPY into registered, never touched droppable memory: the pages
 * it installs are droppable ones (dropped by MADV_PAGEOUT).
 */
static int run_uffd_copy(struct __test_metadata *_metadata,
			 FIXTURE_DATA(badinput) *self,
			 const FIXTURE_VARIANT(badinput) *variant)
{
	size_t len = 4 * du_page_size();
	struct uffdio_copy copy;
	char *p, *src;
	int fd, ret;

	fd = uffd_open(_metadata, 0);
	if (fd < 0)
		return -1;
	p = map_drop(_metadata, len);
	ret = uffd_register(fd, p, len, UFFDIO_REGISTER_MODE_MISSING);
	if (ret) {
		close(fd);
		SKIP(return -1, "UFFDIO_REGISTER of droppable memory: %s",
		     strerror(ret));
	}
	src = map_anon(_metadata, len);
	du_fill_pattern(src, len);
	copy = (struct uffdio_copy){
		.dst = (uintptr_t)p, .src = (uintptr_t)src, .len = len,
	};
	ret = ioctl(fd, UFFDIO_COPY, &copy) ? errno : 0;
	/* Closing unregisters: reading a missing page would now block. */
	close(fd);
	if (ret)
		return ret;
	EXPECT_EQ((__s64)len, copy.copy);
	expect_intact(_metadata, p, len);
	check_vmflags(_metadata, p, len, "dp", NULL);
	EXPECT_EQ(0UL, drop_range(_metadata, p, len));
	EXPECT_TRUE(du_all_zero(p, len));
	munmap(p, len);
	munmap(src, len);
	return 0;
}

/*
 * UFFDIO_MOVE of written pages between droppable and plain anonymous
 * memory: .arg 0 moves out of the droppable mapping, 1 into it.
 */
static int run_uffd_move(struct __test_metadata *_metadata,
			 FIXTURE_DATA(badinput) *self,
			 const FIXTURE_VARIANT(badinput) *variant)
{
	size_t len = 4 * du_page_size();
	char *drop, *anon, *src, *dst;
	struct uffdio_move mv;
	int fd, ret;

	fd = uffd_open(_metadata, UFFD_FEATURE_MOVE);
	if (fd < 0)
		return -1;
	drop = map_drop(_metadata, len);
	anon = map_anon(_metadata, len);
	src = variant->arg ? anon : drop;
	dst = variant->arg ? drop : anon;
	du_fill_pattern(src, len);
	ret = uffd_register(fd, dst, len, UFFDIO_REGISTER_MODE_MISSING);
	if (ret) {
		close(fd);
		SKIP(return -1, "UFFDIO_REGISTER of the destination: %s",
		     strerror(ret));
	}
	mv = (struct uffdio_move){
		.dst = (uintptr_t)dst, .src = (uintptr_t)src, .len = len,
	};
	ret = ioctl(fd, UFFDIO_MOVE, &mv) ? errno : 0;
	TH_LOG("UFFDIO_MOVE: %s, move %lld", result_name(ret),
	       (long long)mv.move);
	close(fd);
	if (ret) {
		/* Nothing moved. */
		expect_intact(_metadata, src, len);
		EXPECT_EQ(0UL, resident_pages(_metadata, dst, len));
		return ret;
	}
	expect_intact(_metadata, dst, len);
	EXPECT_EQ(0UL, resident_pages(_metadata, src, len));
	/*
	 * What the move left behind: a droppable folio in a plain VMA, or a
	 * swap-backed folio in a droppable VMA.  Shown, not judged.
	 */
	madvise(dst, len, MADV_PAGEOUT);
	TH_LOG("moved %s: %zu of %zu pages still resident after MADV_PAGEOUT",
	       variant->arg ? "into droppable memory" :
	       "into anonymous memory", resident_pages(_metadata, dst, len),
	       len / du_page_size());
	munmap(drop, len);
	munmap(anon, len);
	return 0;
}

/* ------------------------------------------------------------------ */
/* KSM                                                                */
/* ------------------------------------------------------------------ */

/*
 * prctl(PR_SET_MEMORY_MERGE, 1): every compatible VMA, present and future,
 * becomes mergeable; droppable ones, present and future, do not.
 */
static int run_ksm_prctl(struct __test_metadata *_metadata,
			 FIXTURE_DATA(badinput) *self,
			 const FIXTURE_VARIANT(badinput) *variant)
{
	size_t len = 4 * du_page_size();
	char *d1, *a1, *d2, *a2;
	int ret;

	d1 = map_drop(_metadata, len);
	a1 = map_anon(_metadata, len);
	du_fill_pattern(d1, len);
	du_fill_pattern(a1, len);
	if (madvise(d1, 0, MADV_MERGEABLE)) {
		self->expect = EINVAL;
		TH_LOG("no KSM in this kernel: EINVAL");
	}
	ret = prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0) ? errno : 0;
	if (ret)
		return ret;
	EXPECT_EQ(1, prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0));
	d2 = map_drop(_metadata, len);
	a2 = map_anon(_metadata, len);
	check_vmflags(_metadata, d1, len, "dp", "mg");
	check_vmflags(_metadata, d2, len, "dp", "mg");
	check_vmflags(_metadata, a1, len, "mg", NULL);
	check_vmflags(_metadata, a2, len, "mg", NULL);
	expect_intact(_metadata, d1, len);
	return 0;
}

static long ksm_read(const char *file)
{
	char path[128];

	snprintf(path, sizeof(path), KSM_DIR "%s", file);
	return du_read_num(path);
}

static void ksm_write(const char *file, long val)
{
	char path[128];

	snprintf(path, sizeof(path), KSM_DIR "%s", file);
	du_write_file(path, "%ld", val);
}

static const char *const ksm_files[3] = {
	"run", "pages_to_scan", "sleep_millisecs",
};

/*
 * Identical pages in an anonymous and in a droppable mapping, both
 * MADV_MERGEABLE, the process PR_SET_MEMORY_MERGE, ksmd running: the
 * anonymous pages are merged (the control), the droppable ones never.
 */
static int run_ksm_scan(struct __test_metadata *_metadata,
			FIXTURE_DATA(badinput) *self,
			const FIXTURE_VARIANT(badinput) *variant)
{
	size_t len = 64 * du_page_size();
	long anon_ksm = 0, scans = -1, start;
	char *a, *d;
	int ret, i;

	if (access(KSM_DIR "run", W_OK))
		SKIP(return -1, "no writable " KSM_DIR "run");
	a = map_anon(_metadata, len);
	d = map_drop(_metadata, len);
	if (madvise(a, 0, MADV_MERGEABLE))
		SKIP(return -1, "no KSM in this kernel");
	memset(a, 0x5a, len);
	memset(d, 0x5a, len);
	ASSERT_EQ(0, madvise(a, len, MADV_MERGEABLE));
	ret = madvise(d, len, MADV_MERGEABLE) ? errno : 0;
	ASSERT_EQ(0, prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0))
		TH_LOG("PR_SET_MEMORY_MERGE: %s", strerror(errno));

	for (i = 0; i < 3; i++)
		self->ksm_saved[i] = ksm_read(ksm_files[i]);
	ksm_write("pages_to_scan", 1000);
	ksm_write("sleep_millisecs", 10);
	ksm_write("run", 1);

	/* Until the control is merged and two more full scans went by. */
	start = ksm_read("full_scans");
	for (i = 0; i < 900; i++) {
		usleep(100000);
		if (anon_ksm <= 0) {
			anon_ksm = du_smaps_kb(a, len, "KSM");
			if (anon_ksm > 0)
				scans = ksm_read("full_scans");
		} else if (ksm_read("full_scans") >= scans + 2) {
			break;
		}
	}
	TH_LOG("after %.1f s and %ld full scans: KSM %ld kB of the anonymous, %ld kB of the droppable mapping",
	       i / 10.0, ksm_read("full_scans") - start, anon_ksm,
	       du_smaps_kb(d, len, "KSM"));
	for (i = 0; i < 3; i++)
		ksm_write(ksm_files[i], self->ksm_saved[i]);

	ASSERT_LT(0, anon_ksm) TH_LOG("ksmd did not merge the control");
	EXPECT_EQ(0, du_smaps_kb(d, len, "KSM"));
	check_vmflags(_metadata, d, len, "dp", "mg");
	for (size_t off = 0; off < len; off++)
		if (d[off] != 0x5a) {
			TH_LOG("droppable byte %zu is %#x", off, d[off]);
			EXPECT_TRUE(false);
			break;
		}
	return ret;
}

/* ------------------------------------------------------------------ */
/* Dropped pages, read from elsewhere.                                */
/* ------------------------------------------------------------------ */

/*
 * A stopped child with 8 written droppable pages, the first 4 dropped
 * (mincore() says not resident), read by the parent through case .arg:
 * the dropped pages read zero, the others hold the child's data.
 */
static int run_peer(struct __test_metadata *_metadata,
		    FIXTURE_DATA(badinput) *self,
		    const FIXTURE_VARIANT(badinput) *variant)
{
	size_t ps = du_page_size(), len = 8 * ps, half = len / 2, left = 1;
	ssize_t n = 0;
	int pfd[2], status, ret = 0, fd;
	struct du_page_count c;
	char *p, *buf, path[64];
	pid_t pid;

	p = map_drop(_metadata, len);
	buf = map_anon(_metadata, len);
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid) TH_LOG("fork: %s", strerror(errno));
	if (pid == 0) {
		if (variant->arg == PEER_PEEK)
			ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		/* The same pattern in both halves. */
		du_fill_pattern(p, half);
		du_fill_pattern(p + half, half);
		left = drop_range(_metadata, p, half);
		if (write(pfd[1], &left, sizeof(left)) != sizeof(left))
			_exit(1);
		raise(SIGSTOP);
		_exit(0);
	}
	self->peer = pid;
	close(pfd[1]);
	ASSERT_EQ((ssize_t)sizeof(left), read(pfd[0], &left, sizeof(left)));
	close(pfd[0]);
	ASSERT_EQ(0UL, left) TH_LOG("%zu pages still resident in the child",
				    left);
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status)) TH_LOG("child status %#x", status);

	errno = 0;
	switch (variant->arg) {
	case PEER_READV: {
		struct iovec local = { buf, len }, remote = { p, len };

		n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
		break;
	}
	case PEER_PEEK:
		for (n = 0; n < (ssize_t)len; n += sizeof(long)) {
			long w;

			errno = 0;
			w = ptrace(PTRACE_PEEKDATA, pid, p + n, NULL);
			if (errno)
				break;
			memcpy(buf + n, &w, sizeof(w));
		}
		break;
	case PEER_MEM:
		snprintf(path, sizeof(path), "/proc/%d/mem", pid);
		fd = open(path, O_RDONLY);
		ASSERT_LE(0, fd) TH_LOG("open %s: %s", path, strerror(errno));
		n = pread(fd, buf, len, (off_t)(uintptr_t)p);
		close(fd);
		break;
	}
	if (n != (ssize_t)len)
		ret = n < 0 || errno ? errno : EIO;
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	self->peer = 0;
	if (ret)
		return ret;

	c = du_count_pages(buf, half);
	EXPECT_EQ(half / ps, c.zero)
		TH_LOG("dropped half: %zu zero, %zu intact, %zu corrupt",
		       c.zero, c.intact, c.corrupt);
	c = du_count_pages(buf + half, half);
	EXPECT_EQ(half / ps, c.intact)
		TH_LOG("kept half: %zu zero, %zu intact, %zu corrupt",
		       c.zero, c.intact, c.corrupt);
	munmap(p, len);
	munmap(buf, len);
	return 0;
}

/*
 * MADV_PAGEOUT of written droppable pages; then every way of reading them
 * finds zeros, and they are neither present nor swapped in the pagemap.
 */
static int run_drop(struct __test_metadata *_metadata,
		    FIXTURE_DATA(badinput) *self,
		    const FIXTURE_VARIANT(badinput) *variant)
{
	size_t ps = du_page_size(), len = 16 * ps, i;
	char *p, *buf, path[64];
	struct iovec local, remote;
	int ret, fd, pfd[2];
	uint64_t e;

	p = map_drop(_metadata, len);
	buf = map_anon(_metadata, len);
	du_fill_pattern(p, len);
	ret = madvise(p, len, MADV_PAGEOUT) ? errno : 0;
	if (ret)
		return ret;
	EXPECT_EQ(0UL, drop_range(_metadata, p, len));

	/* Before any read, which would map the zero page. */
	for (i = 0; i < len; i += ps) {
		ASSERT_EQ(0, pagemap_entry(p + i, &e));
		EXPECT_EQ(0ULL, e & (PM_PRESENT | PM_SWAP))
			TH_LOG("page %zu: pagemap %#llx", i / ps,
			       (unsigned long long)e);
	}

	memset(buf, 0xff, len);
	snprintf(path, sizeof(path), "/proc/%d/mem", getpid());
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ((ssize_t)len, pread(fd, buf, len, (off_t)(uintptr_t)p));
	close(fd);
	EXPECT_TRUE(du_all_zero(buf, len)) TH_LOG("/proc/self/mem");

	memset(buf, 0xff, len);
	local = (struct iovec){ buf, len };
	remote = (struct iovec){ p, len };
	EXPECT_EQ((ssize_t)len,
		  process_vm_readv(getpid(), &local, 1, &remote, 1, 0));
	EXPECT_TRUE(du_all_zero(buf, len)) TH_LOG("process_vm_readv()");

	/* The kernel copying from the pages: write() into a pipe. */
	memset(buf, 0xff, len);
	ASSERT_EQ(0, pipe(pfd));
	for (i = 0; i < len; i += ps) {
		EXPECT_EQ((ssize_t)ps, write(pfd[1], p + i, ps));
		EXPECT_EQ((ssize_t)ps, read(pfd[0], buf + i, ps));
	}
	close(pfd[0]);
	close(pfd[1]);
	EXPECT_TRUE(du_all_zero(buf, len)) TH_LOG("write() from the pages");

	EXPECT_TRUE(du_all_zero(p, len)) TH_LOG("direct read");
	/* Dropped again (now zero pages), still zero. */
	EXPECT_EQ(0, madvise(p, len, MADV_PAGEOUT));
	EXPECT_TRUE(du_all_zero(p, len)) TH_LOG("read after a second drop");
	/* A write gets a fresh page: the rest of it is zero. */
	p[ps + 8] = 1;
	p[ps + 8] = 0;
	EXPECT_TRUE(du_all_zero(p, len)) TH_LOG("after a write");
	munmap(p, len);
	munmap(buf, len);
	return 0;
}

/* fork(): the child sees zeros, its writes stay its own. */
static int run_fork(struct __test_metadata *_metadata,
		    FIXTURE_DATA(badinput) *self,
		    const FIXTURE_VARIANT(badinput) *variant)
{
	size_t len = 16 * du_page_size();
	int status;
	pid_t pid;
	char *p;

	p = map_drop(_metadata, len);
	du_fill_pattern(p, len);
	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		int seen = du_all_zero(p, len) ? 0 : 1;

		memset(p, 0xc5, len);
		_exit(seen);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the child saw the parent's data (status %#x)", status);
	expect_intact(_metadata, p, len);
	munmap(p, len);
	return 0;
}

/* ------------------------------------------------------------------ */
/* /proc/self/pagemap, /proc/kpageflags                               */
/* ------------------------------------------------------------------ */

/* The pagemap entry of a written droppable page: PFN only for root. */
static int run_pagemap(struct __test_metadata *_metadata,
		       FIXTURE_DATA(badinput) *self,
		       const FIXTURE_VARIANT(badinput) *variant)
{
	size_t ps = du_page_size();
	uint64_t e = 0;
	char *p;
	int ret;

	p = map_drop(_metadata, ps);
	p[0] = 1;
	ret = pagemap_entry(p, &e);
	TH_LOG("uid %d: pagemap entry %#llx", getuid(),
	       (unsigned long long)e);
	if (ret)
		return ret;
	EXPECT_TRUE(e & PM_PRESENT);
	if (variant->flags & F_NOBODY) {
		EXPECT_EQ(0ULL, e & PM_PFN_MASK);
	} else {
		EXPECT_NE(0ULL, e & PM_PFN_MASK);
	}
	munmap(p, ps);
	return 0;
}

static int run_kpageflags(struct __test_metadata *_metadata,
			  FIXTURE_DATA(badinput) *self,
			  const FIXTURE_VARIANT(badinput) *variant)
{
	int fd = open("/proc/kpageflags", O_RDONLY);

	if (fd < 0 && errno == ENOENT)
		SKIP(return -1, "no /proc/kpageflags");
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The table.                                                         */
/* ------------------------------------------------------------------ */

#define DA	(MAP_DROPPABLE | MAP_ANONYMOUS)

FIXTURE_VARIANT_ADD(badinput, mmap_plain) {
	.call = "mmap(MAP_DROPPABLE | MAP_ANONYMOUS)",
	.expect = 0, .run = run_mmap, .arg = DA,
	.has = "dp wf dd nr", .hasnot = "ac lo",
	.why = "do_mmap() case MAP_DROPPABLE: VM_DROPPABLE, VM_NORESERVE, "
	       "VM_WIPEONFORK, VM_DONTDUMP, then the MAP_PRIVATE path",
};

FIXTURE_VARIANT_ADD(badinput, mmap_type_shared) {
	.call = "mmap(MAP_DROPPABLE | MAP_SHARED | MAP_ANONYMOUS)",
	.expect = EINVAL, .run = run_mmap, .arg = DA | MAP_SHARED,
	.why = "MAP_DROPPABLE is a MAP_TYPE value: type 0x09 hits the "
	       "default of do_mmap()'s anonymous switch",
};

FIXTURE_VARIANT_ADD(badinput, mmap_type_shared_validate) {
	.call = "mmap(MAP_DROPPABLE | MAP_SHARED_VALIDATE | MAP_ANONYMOUS)",
	.expect = EINVAL, .run = run_mmap, .arg = DA | MAP_SHARED_VALIDATE,
	.why = "type 0x0b: default of do_mmap()'s anonymous switch",
};

FIXTURE_VARIANT_ADD(badinput, mmap_type_private) {
	.call = "mmap(MAP_DROPPABLE | MAP_PRIVATE | MAP_ANONYMOUS)",
	.expect = EINVAL, .run = run_mmap, .arg = DA | MAP_PRIVATE,
	.why = "type 0x0a: default of do_mmap()'s anonymous switch",
};

FIXTURE_VARIANT_ADD(badinput, mmap_file) {
	.call = "mmap(MAP_DROPPABLE, memfd)",
	.expect = EINVAL, .run = run_mmap, .arg = MAP_DROPPABLE,
	.flags = F_FD,
	.why = "do_mmap()'s file switch knows only MAP_SHARED, "
	       "MAP_SHARED_VALIDATE and MAP_PRIVATE: default",
};

FIXTURE_VARIANT_ADD(badinput, mmap_no_anonymous) {
	.call = "mmap(MAP_DROPPABLE, fd -1) (no MAP_ANONYMOUS)",
	.expect = EBADF, .run = run_mmap, .arg = MAP_DROPPABLE,
	.why = "ksys_mmap_pgoff(): without MAP_ANONYMOUS it is a file "
	       "mapping, fget(-1) fails before do_mmap()",
};

FIXTURE_VARIANT_ADD(badinput, mmap_anonymous_fd_ignored) {
	.call = "mmap(MAP_DROPPABLE | MAP_ANONYMOUS, memfd)",
	.expect = 0, .run = run_mmap, .arg = DA, .flags = F_FD,
	.why = "ksys_mmap_pgoff() ignores the fd of an anonymous mapping",
};

FIXTURE_VARIANT_ADD(badinput, mmap_locked) {
	.call = "mmap(MAP_DROPPABLE | MAP_ANONYMOUS | MAP_LOCKED) as root",
	.expect = EINVAL, .run = run_mmap, .arg = DA | MAP_LOCKED,
	.why = "do_mmap() case MAP_DROPPABLE: MAP_LOCKED refused (root "
	       "passes can_do_mlock() and mlock_future_ok() first)",
};

FIXTURE_VARIANT_ADD(badinput, mmap_locked_nobody_memlock0) {
	.call = "mmap(... | MAP_LOCKED), unprivileged, RLIMIT_MEMLOCK 0",
	.expect = EPERM, .run = run_mmap, .arg = DA | MAP_LOCKED,
	.flags = F_NOBODY | F_MEMLOCK, .memlock = 0,
	.why = "do_mmap(): can_do_mlock() comes before the type switch",
};

FIXTURE_VARIANT_ADD(badinput, mmap_locked_nobody_over_limit) {
	.call = "mmap(8 MiB, ... | MAP_LOCKED), unprivileged, "
		"RLIMIT_MEMLOCK 4 MiB",
	.expect = EAGAIN, .run = run_mmap, .arg = DA | MAP_LOCKED,
	.flags = F_NOBODY | F_MEMLOCK, .memlock = 4 * MiB, .pages = 2048,
	.why = "do_mmap(): mlock_future_ok() comes before the type switch",
};

FIXTURE_VARIANT_ADD(badinput, mmap_locked_nobody_within_limit) {
	.call = "mmap(16 KiB, ... | MAP_LOCKED), unprivileged, "
		"RLIMIT_MEMLOCK 4 MiB",
	.expect = EINVAL, .run = run_mmap, .arg = DA | MAP_LOCKED,
	.flags = F_NOBODY | F_MEMLOCK, .memlock = 4 * MiB,
	.why = "do_mmap() case MAP_DROPPABLE: MAP_LOCKED refused",
};

FIXTURE_VARIANT_ADD(badinput, mmap_hugetlb) {
	.call = "mmap(MAP_DROPPABLE | MAP_ANONYMOUS | MAP_HUGETLB)",
	.expect = EINVAL, .run = run_mmap, .arg = DA | MAP_HUGETLB,
	.why = "ksys_mmap_pgoff() makes it a hugetlbfs file; do_mmap()'s "
	       "file switch has no MAP_DROPPABLE",
};

FIXTURE_VARIANT_ADD(badinput, mmap_growsdown) {
	.call = "mmap(MAP_DROPPABLE | MAP_ANONYMOUS | MAP_GROWSDOWN)",
	.expect = EINVAL, .run = run_mmap, .arg = DA | MAP_GROWSDOWN,
	.why = "do_mmap() case MAP_DROPPABLE: VM_GROWSDOWN refused",
};

FIXTURE_VARIANT_ADD(badinput, mmap_fixed_over_anon) {
	.call = "mmap(addr of written anon memory, ... | MAP_FIXED)",
	.expect = 0, .run = run_mmap, .arg = DA | MAP_FIXED,
	.flags = F_OVER_ANON,
	.why = "mmap_region() unmaps what was there; the new droppable VMA "
	       "is empty",
};

FIXTURE_VARIANT_ADD(badinput, mmap_fixed_over_droppable) {
	.call = "mmap(addr of written droppable memory, ... | MAP_FIXED)",
	.expect = 0, .run = run_mmap, .arg = DA | MAP_FIXED,
	.flags = F_OVER_DROP,
	.why = "mmap_region() unmaps the old droppable VMA; the new one is "
	       "empty",
};

FIXTURE_VARIANT_ADD(badinput, mmap_fixed_noreplace_taken) {
	.call = "mmap(addr of written anon memory, ... | MAP_FIXED_NOREPLACE)",
	.expect = EEXIST, .run = run_mmap, .arg = DA | MAP_FIXED_NOREPLACE,
	.flags = F_OVER_ANON,
	.why = "do_mmap(): find_vma_intersection() before the type switch",
};

FIXTURE_VARIANT_ADD(badinput, mmap_fixed_noreplace_free) {
	.call = "mmap(free addr, ... | MAP_FIXED_NOREPLACE)",
	.expect = 0, .run = run_mmap, .arg = DA | MAP_FIXED_NOREPLACE,
	.flags = F_FREE_ADDR,
	.why = "nothing in the way: an ordinary droppable mapping",
};

FIXTURE_VARIANT_ADD(badinput, mmap_populate) {
	.call = "mmap(MAP_DROPPABLE | MAP_ANONYMOUS | MAP_POPULATE)",
	.expect = 0, .run = run_mmap, .arg = DA | MAP_POPULATE,
	.flags = F_RESIDENT,
	.why = "do_mmap() sets *populate; __mm_populate() write-faults the "
	       "writable private VMA: droppable folios, all resident",
};

FIXTURE_VARIANT_ADD(badinput, mmap_noreserve) {
	.call = "mmap(MAP_DROPPABLE | MAP_ANONYMOUS | MAP_NORESERVE)",
	.expect = 0, .run = run_mmap, .arg = DA | MAP_NORESERVE,
	.has = "nr", .hasnot = "ac",
	.why = "VM_NORESERVE is already set by the droppable case",
};

FIXTURE_VARIANT_ADD(badinput, mmap_stack) {
	.call = "mmap(MAP_DROPPABLE | MAP_ANONYMOUS | MAP_STACK)",
	.expect = 0, .run = run_mmap, .arg = DA | MAP_STACK, .has = "nh",
	.why = "calc_vm_flag_bits(): MAP_STACK is VM_NOHUGEPAGE (THP "
	       "kernels); not VM_GROWSDOWN, so allowed",
};

FIXTURE_VARIANT_ADD(badinput, mmap_uninitialized) {
	.call = "mmap(MAP_DROPPABLE | MAP_ANONYMOUS | MAP_UNINITIALIZED)",
	.expect = 0, .run = run_mmap, .arg = DA | MAP_UNINITIALIZED,
	.why = "honoured only by no-MMU kernels (mm/nommu.c): ignored, the "
	       "memory reads zero",
};

FIXTURE_VARIANT_ADD(badinput, mmap_len0) {
	.call = "mmap(len 0, MAP_DROPPABLE | MAP_ANONYMOUS)",
	.expect = EINVAL, .run = run_mmap, .arg = DA, .flags = F_LEN0,
	.why = "do_mmap(): !len",
};

FIXTURE_VARIANT_ADD(badinput, mmap_prot_none) {
	.call = "mmap(PROT_NONE, MAP_DROPPABLE | MAP_ANONYMOUS)",
	.expect = 0, .run = run_mmap, .arg = DA, .flags = F_PROT,
	.prot = PROT_NONE, .hasnot = "rd wr ex",
	.why = "the protection is not looked at by the droppable case",
};

FIXTURE_VARIANT_ADD(badinput, mmap_prot_read) {
	.call = "mmap(PROT_READ, MAP_DROPPABLE | MAP_ANONYMOUS)",
	.expect = 0, .run = run_mmap, .arg = DA, .flags = F_PROT,
	.prot = PROT_READ, .has = "rd", .hasnot = "wr",
	.why = "the protection is not looked at by the droppable case",
};

FIXTURE_VARIANT_ADD(badinput, mmap_prot_exec) {
	.call = "mmap(PROT_EXEC, MAP_DROPPABLE | MAP_ANONYMOUS)",
	.expect = 0, .run = run_mmap, .arg = DA, .flags = F_PROT,
	.prot = PROT_EXEC, .has = "ex",
	.why = "the protection is not looked at by the droppable case",
};

FIXTURE_VARIANT_ADD(badinput, mmap_prot_rwx) {
	.call = "mmap(PROT_READ | PROT_WRITE | PROT_EXEC, MAP_DROPPABLE | ...)",
	.expect = 0, .run = run_mmap, .arg = DA, .flags = F_PROT,
	.prot = PROT_READ | PROT_WRITE | PROT_EXEC, .has = "rd wr ex",
	.why = "the protection is not looked at by the droppable case",
};

FIXTURE_VARIANT_ADD(badinput, mmap_prot_wx_mdwe) {
	.call = "prctl(PR_SET_MDWE); mmap(PROT_WRITE | PROT_EXEC, "
		"MAP_DROPPABLE | ...)",
	.expect = EACCES, .run = run_mmap, .arg = DA,
	.flags = F_PROT | F_MDWE, .prot = PROT_READ | PROT_WRITE | PROT_EXEC,
	.why = "mmap_region(): map_deny_write_exec(), as for any mapping",
};

FIXTURE_VARIANT_ADD(badinput, mmap_mcl_future) {
	.call = "mlockall(MCL_FUTURE); mmap(2 MiB, MAP_DROPPABLE | ...), root",
	.expect = 0, .run = run_mmap, .arg = DA, .flags = F_MCL_FUTURE,
	.pages = 512,
	.why = "VM_LOCKED from mm->def_flags is cleared by mmap_region(): "
	       "!vma_supports_mlock()",
};

FIXTURE_VARIANT_ADD(badinput, mmap_mcl_future_nobody_over_limit) {
	.call = "mlockall(MCL_FUTURE); mmap(8 MiB, MAP_DROPPABLE | ...), "
		"unprivileged, RLIMIT_MEMLOCK 4 MiB",
	.expect = EAGAIN, .run = run_mmap, .arg = DA,
	.flags = F_NOBODY | F_MEMLOCK | F_MCL_FUTURE, .memlock = 4 * MiB,
	.pages = 2048,
	.why = "do_mmap(): mlock_future_ok() counts def_flags' VM_LOCKED "
	       "before mmap_region() would clear it",
};

FIXTURE_VARIANT_ADD(badinput, mmap_mcl_future_nobody_within_limit) {
	.call = "mlockall(MCL_FUTURE); mmap(2 MiB, MAP_DROPPABLE | ...), "
		"unprivileged, RLIMIT_MEMLOCK 4 MiB",
	.expect = 0, .run = run_mmap, .arg = DA,
	.flags = F_NOBODY | F_MEMLOCK | F_MCL_FUTURE, .memlock = 4 * MiB,
	.pages = 512,
	.why = "within the limit; mmap_region() clears VM_LOCKED, nothing "
	       "is charged to locked_vm",
};

#define MADV_ROW(name, adv, exp, fl, d, h, hn, w)			\
	FIXTURE_VARIANT_ADD(badinput, name) {				\
		.call = "madvise(2 MiB of written droppable memory, "	\
			#adv ")",					\
		.expect = exp, .run = run_madvise, .arg = adv,		\
		.flags = fl, .data = d, .has = h, .hasnot = hn,		\
		.why = w,						\
	}

MADV_ROW(madv_normal, MADV_NORMAL, 0, 0, DATA_KEEP, NULL, "rr sr",
	 "madvise_vma_behavior(): clears VM_RAND_READ and VM_SEQ_READ");
MADV_ROW(madv_random, MADV_RANDOM, 0, 0, DATA_KEEP, "rr", NULL,
	 "madvise_vma_behavior(): sets VM_RAND_READ");
MADV_ROW(madv_sequential, MADV_SEQUENTIAL, 0, 0, DATA_KEEP, "sr", NULL,
	 "madvise_vma_behavior(): sets VM_SEQ_READ");
MADV_ROW(madv_willneed, MADV_WILLNEED, 0, 0, DATA_KEEP, NULL, NULL,
	 "madvise_willneed(): anonymous, swap-in readahead of nothing");
MADV_ROW(madv_dontneed, MADV_DONTNEED, 0, 0, DATA_ZERO, NULL, NULL,
	 "madvise_dontneed_free(): zaps the range, reads zero");
MADV_ROW(madv_free, MADV_FREE, 0, 0, DATA_ANY, NULL, NULL,
	 "madvise_free_single_vma(): anonymous VMA; the folios are not "
	 "swap-backed, lru_lazyfree has nothing to do");
MADV_ROW(madv_remove, MADV_REMOVE, EINVAL, 0, DATA_KEEP, NULL, NULL,
	 "madvise_remove(): no vm_file");
MADV_ROW(madv_dontfork, MADV_DONTFORK, 0, 0, DATA_KEEP, "dc", NULL,
	 "madvise_vma_behavior(): sets VM_DONTCOPY");
MADV_ROW(madv_dofork, MADV_DOFORK, 0, 0, DATA_KEEP, NULL, "dc",
	 "madvise_vma_behavior(): clears VM_DONTCOPY (no VM_IO)");
MADV_ROW(madv_mergeable, MADV_MERGEABLE, 0, F_CFG, DATA_KEEP, NULL, "mg",
	 "ksm_madvise(): vma_ksm_compatible() false for VM_DROPPABLE, "
	 "the advice is ignored");
MADV_ROW(madv_unmergeable, MADV_UNMERGEABLE, 0, F_CFG, DATA_KEEP, NULL,
	 "mg", "ksm_madvise(): not VM_MERGEABLE, nothing to undo");
MADV_ROW(madv_hugepage, MADV_HUGEPAGE, 0, F_CFG, DATA_KEEP, "hg", "nh",
	 "hugepage_madvise(): sets VM_HUGEPAGE");
MADV_ROW(madv_nohugepage, MADV_NOHUGEPAGE, 0, F_CFG, DATA_KEEP, "nh", "hg",
	 "hugepage_madvise(): sets VM_NOHUGEPAGE");
MADV_ROW(madv_dontdump, MADV_DONTDUMP, 0, 0, DATA_KEEP, NULL, NULL,
	 "madvise_vma_behavior(): VM_DONTDUMP already set");
MADV_ROW(madv_dodump, MADV_DODUMP, EINVAL, 0, DATA_KEEP, NULL, NULL,
	 "madvise_vma_behavior(): MADV_DODUMP refused for VM_DROPPABLE");
MADV_ROW(madv_wipeonfork, MADV_WIPEONFORK, 0, 0, DATA_KEEP, NULL, NULL,
	 "madvise_vma_behavior(): private anonymous, already set");
MADV_ROW(madv_keeponfork, MADV_KEEPONFORK, EINVAL, 0, DATA_KEEP, NULL, NULL,
	 "madvise_vma_behavior(): MADV_KEEPONFORK refused for "
	 "VM_DROPPABLE");
MADV_ROW(madv_cold, MADV_COLD, 0, 0, DATA_KEEP, NULL, NULL,
	 "madvise_cold(): deactivates, drops nothing");
MADV_ROW(madv_pageout, MADV_PAGEOUT, 0, 0, DATA_ZERO, NULL, NULL,
	 "madvise_pageout() -> reclaim_pages(): try_to_unmap_one() "
	 "discards droppable folios even when dirty");
MADV_ROW(madv_populate_read, MADV_POPULATE_READ, 0, 0, DATA_KEEP, NULL,
	 NULL, "madvise_populate(): already populated");
MADV_ROW(madv_populate_write, MADV_POPULATE_WRITE, 0, 0, DATA_KEEP, NULL,
	 NULL, "madvise_populate(): already populated and writable");
MADV_ROW(madv_dontneed_locked, MADV_DONTNEED_LOCKED, 0, 0, DATA_ZERO, NULL,
	 NULL, "madvise_dontneed_free(): as MADV_DONTNEED");
MADV_ROW(madv_collapse, MADV_COLLAPSE, 0, F_CFG, DATA_KEEP, NULL, NULL,
	 "madvise_collapse(): an anonymous VMA; the new THP is mapped by "
	 "folio_add_new_anon_rmap(), droppable again");
MADV_ROW(madv_hwpoison_nobody, MADV_HWPOISON, EPERM, F_CFG | F_NOBODY,
	 DATA_KEEP, NULL, NULL,
	 "madvise_inject_error(): CAP_SYS_ADMIN (EINVAL without "
	 "CONFIG_MEMORY_FAILURE)");
MADV_ROW(madv_soft_offline_nobody, MADV_SOFT_OFFLINE, EPERM,
	 F_CFG | F_NOBODY, DATA_KEEP, NULL, NULL,
	 "madvise_inject_error(): CAP_SYS_ADMIN (EINVAL without "
	 "CONFIG_MEMORY_FAILURE)");
MADV_ROW(madv_guard_install, MADV_GUARD_INSTALL, EINVAL, 0, DATA_KEEP,
	 NULL, NULL, "madvise_behavior_valid(): 6.12 has no MADV_GUARD_*");
MADV_ROW(madv_guard_remove, MADV_GUARD_REMOVE, EINVAL, 0, DATA_KEEP,
	 NULL, NULL, "madvise_behavior_valid(): 6.12 has no MADV_GUARD_*");

FIXTURE_VARIANT_ADD(badinput, mlock) {
	.call = "mlock(64 KiB of written droppable memory)",
	.expect = 0, .run = run_mlock,
	.why = "mlock_fixup(): !vma_supports_mlock(), no VM_LOCKED, "
	       "nothing charged to locked_vm",
};

FIXTURE_VARIANT_ADD(badinput, mlock2_onfault) {
	.call = "mlock2(64 KiB of droppable memory, MLOCK_ONFAULT)",
	.expect = 0, .run = run_mlock, .flags = F_MLOCK2,
	.arg = MLOCK_ONFAULT,
	.why = "mlock_fixup(): !vma_supports_mlock(), no VM_LOCKONFAULT",
};

FIXTURE_VARIANT_ADD(badinput, mlock_nobody_memlock0) {
	.call = "mlock(64 KiB of droppable memory), unprivileged, "
		"RLIMIT_MEMLOCK 0",
	.expect = EPERM, .run = run_mlock,
	.flags = F_NOBODY | F_MEMLOCK, .memlock = 0,
	.why = "do_mlock(): can_do_mlock(), before any VMA is looked at",
};

FIXTURE_VARIANT_ADD(badinput, mlock_nobody_over_limit) {
	.call = "mlock(256 KiB of droppable memory), unprivileged, "
		"RLIMIT_MEMLOCK 64 KiB",
	.expect = ENOMEM, .run = run_mlock, .pages = 64,
	.flags = F_NOBODY | F_MEMLOCK, .memlock = 64 * KiB,
	.why = "do_mlock() charges the whole range against RLIMIT_MEMLOCK "
	       "before mlock_fixup() would skip the droppable VMA",
};

FIXTURE_VARIANT_ADD(badinput, mlock_nobody_within_limit) {
	.call = "mlock(16 KiB of droppable memory), unprivileged, "
		"RLIMIT_MEMLOCK 64 KiB",
	.expect = 0, .run = run_mlock, .pages = 4,
	.flags = F_NOBODY | F_MEMLOCK, .memlock = 64 * KiB,
	.why = "within the limit; mlock_fixup() skips the droppable VMA",
};

FIXTURE_VARIANT_ADD(badinput, mlockall_current_future) {
	.call = "mlockall(MCL_CURRENT | MCL_FUTURE)",
	.expect = 0, .run = run_mlockall, .arg = MCL_CURRENT | MCL_FUTURE,
	.why = "apply_mlockall_flags() -> mlock_fixup() skips droppable "
	       "VMAs; mmap_region() clears def_flags' VM_LOCKED",
};

FIXTURE_VARIANT_ADD(badinput, mlockall_onfault) {
	.call = "mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)",
	.expect = 0, .run = run_mlockall,
	.arg = MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT,
	.why = "as without MCL_ONFAULT: VM_LOCKED_MASK never reaches a "
	       "droppable VMA",
};

FIXTURE_VARIANT_ADD(badinput, mlockall_onfault_alone) {
	.call = "mlockall(MCL_ONFAULT)",
	.expect = EINVAL, .run = run_mlockall, .arg = MCL_ONFAULT,
	.why = "sys_mlockall(): MCL_ONFAULT needs MCL_CURRENT or MCL_FUTURE",
};

FIXTURE_VARIANT_ADD(badinput, mremap_grow) {
	.call = "mremap(32 KiB droppable, 64 KiB, 0) with room behind it",
	.expect = 0, .run = run_mremap, .arg = MR_GROW,
	.why = "vma_merge_extend() extends the droppable VMA in place; the "
	       "new part is empty",
};

FIXTURE_VARIANT_ADD(badinput, mremap_grow_move) {
	.call = "mremap(32 KiB droppable, 64 KiB, MREMAP_MAYMOVE), no room",
	.expect = 0, .run = run_mremap, .arg = MR_GROW_MOVE,
	.why = "move_vma(): copy_vma() keeps vm_flags, move_page_tables() "
	       "moves the folios",
};

FIXTURE_VARIANT_ADD(badinput, mremap_shrink) {
	.call = "mremap(32 KiB droppable, 16 KiB, 0)",
	.expect = 0, .run = run_mremap, .arg = MR_SHRINK,
	.why = "do_vmi_munmap() of the tail",
};

FIXTURE_VARIANT_ADD(badinput, mremap_fixed) {
	.call = "mremap(32 KiB droppable, 32 KiB, MREMAP_MAYMOVE | "
		"MREMAP_FIXED, addr)",
	.expect = 0, .run = run_mremap, .arg = MR_FIXED,
	.why = "mremap_to() -> move_vma(): the VMA and its folios move",
};

FIXTURE_VARIANT_ADD(badinput, mremap_dontunmap) {
	.call = "mremap(32 KiB droppable, 32 KiB, MREMAP_MAYMOVE | "
		"MREMAP_DONTUNMAP)",
	.expect = 0, .run = run_mremap, .arg = MR_DONTUNMAP,
	.why = "vma_to_resize() refuses DONTUNMAP only for VM_DONTEXPAND | "
	       "VM_PFNMAP; the old range stays, empty and droppable",
};

FIXTURE_VARIANT_ADD(badinput, mremap_beside_anon) {
	.call = "mremap(droppable, ..., MREMAP_FIXED, right after an anon "
		"VMA)",
	.expect = 0, .run = run_mremap, .arg = MR_BESIDE_ANON,
	.why = "vm_flags differ (VM_DROPPABLE and friends): never merged "
	       "with the anonymous neighbour",
};

FIXTURE_VARIANT_ADD(badinput, mremap_dup) {
	.call = "mremap(droppable, old_len 0, 32 KiB, MREMAP_MAYMOVE)",
	.expect = EINVAL, .run = run_mremap, .arg = MR_DUP,
	.why = "vma_to_resize(): old_len 0 duplicates only shared mappings",
};

FIXTURE_VARIANT_ADD(badinput, uffd_register_missing) {
	.call = "UFFDIO_REGISTER(droppable, MODE_MISSING)",
	.expect = 0, .run = run_uffd_register,
	.arg = UFFDIO_REGISTER_MODE_MISSING, .has = "um",
	.why = "vma_can_userfault() tests VM_DROPPABLE in the masked "
	       "vm_flags: never true in 6.12 (fixed upstream later)",
};

FIXTURE_VARIANT_ADD(badinput, uffd_register_wp) {
	.call = "UFFDIO_REGISTER(droppable, MODE_WP)",
	.expect = 0, .run = run_uffd_register,
	.arg = UFFDIO_REGISTER_MODE_WP, .has = "uw",
	.why = "vma_can_userfault(): as MODE_MISSING, an anonymous VMA",
};

FIXTURE_VARIANT_ADD(badinput, uffd_register_minor) {
	.call = "UFFDIO_REGISTER(droppable, MODE_MINOR)",
	.expect = EINVAL, .run = run_uffd_register,
	.arg = UFFDIO_REGISTER_MODE_MINOR,
	.why = "vma_can_userfault(): minor faults only for hugetlb and shmem",
};

FIXTURE_VARIANT_ADD(badinput, uffd_copy) {
	.call = "UFFDIO_COPY into registered droppable memory",
	.expect = 0, .run = run_uffd_copy,
	.why = "mfill_atomic_install_pte() -> folio_add_new_anon_rmap() with "
	       "the droppable VMA: a droppable folio",
};

FIXTURE_VARIANT_ADD(badinput, uffd_move_out) {
	.call = "UFFDIO_MOVE droppable -> registered anonymous memory",
	.expect = 0, .expect_series = EINVAL, .flags = F_SERIES,
	.run = run_uffd_move, .arg = 0,
	.why = "base: validate_move_areas() allows it; series: refused when "
	       "exactly one VMA is VM_DROPPABLE",
};

FIXTURE_VARIANT_ADD(badinput, uffd_move_in) {
	.call = "UFFDIO_MOVE anonymous -> registered droppable memory",
	.expect = 0, .expect_series = EINVAL, .flags = F_SERIES,
	.run = run_uffd_move, .arg = 1,
	.why = "base: validate_move_areas() allows it; series: refused when "
	       "exactly one VMA is VM_DROPPABLE",
};

FIXTURE_VARIANT_ADD(badinput, ksm_prctl_merge_any) {
	.call = "prctl(PR_SET_MEMORY_MERGE, 1) with droppable memory",
	.expect = 0, .run = run_ksm_prctl,
	.why = "ksm_enable_merge_any() -> __ksm_add_vma() and ksm_add_vma() "
	       "at mmap: vma_ksm_compatible() false for VM_DROPPABLE",
};

FIXTURE_VARIANT_ADD(badinput, ksm_scan_skips_droppable) {
	.call = "madvise(droppable, MADV_MERGEABLE), PR_SET_MEMORY_MERGE, "
		"ksmd running",
	.expect = 0, .run = run_ksm_scan,
	.why = "never VM_MERGEABLE, so ksmd's scan never looks at its pages",
};

FIXTURE_VARIANT_ADD(badinput, peer_process_vm_readv) {
	.call = "process_vm_readv() of a stopped child's dropped pages",
	.expect = 0, .run = run_peer, .arg = PEER_READV,
	.why = "GUP read fault on a droppable VMA maps the zero page",
};

FIXTURE_VARIANT_ADD(badinput, peer_ptrace_peekdata) {
	.call = "ptrace(PTRACE_PEEKDATA) of a stopped child's dropped pages",
	.expect = 0, .run = run_peer, .arg = PEER_PEEK,
	.why = "access_remote_vm(): GUP read fault, the zero page",
};

FIXTURE_VARIANT_ADD(badinput, peer_proc_pid_mem) {
	.call = "pread(/proc/PID/mem) of a stopped child's dropped pages",
	.expect = 0, .run = run_peer, .arg = PEER_MEM,
	.why = "mem_rw() -> access_remote_vm(): the zero page",
};

FIXTURE_VARIANT_ADD(badinput, drop_reads_zero) {
	.call = "madvise(MADV_PAGEOUT), then read the pages every way",
	.expect = 0, .run = run_drop,
	.why = "try_to_unmap_one() discards droppable folios without a swap "
	       "entry: pte_none, every later read faults in zeros",
};

FIXTURE_VARIANT_ADD(badinput, fork_wipes) {
	.call = "fork() with written droppable memory",
	.expect = 0, .run = run_fork,
	.why = "dup_mmap(): VM_WIPEONFORK, the child's copy is empty",
};

FIXTURE_VARIANT_ADD(badinput, pagemap_root) {
	.call = "pread(/proc/self/pagemap) of a droppable page as root",
	.expect = 0, .run = run_pagemap,
	.why = "pagemap_open(): CAP_SYS_ADMIN at open shows PFNs",
};

FIXTURE_VARIANT_ADD(badinput, pagemap_nobody) {
	.call = "pread(/proc/self/pagemap) of a droppable page, unprivileged",
	.expect = 0, .run = run_pagemap, .flags = F_NOBODY,
	.why = "pagemap_open(): no CAP_SYS_ADMIN, PFN 0 (present bit kept)",
};

FIXTURE_VARIANT_ADD(badinput, kpageflags_root) {
	.call = "open(/proc/kpageflags) as root",
	.expect = 0, .run = run_kpageflags,
	.why = "fs/proc/page.c: mode 0400, root",
};

FIXTURE_VARIANT_ADD(badinput, kpageflags_nobody) {
	.call = "open(/proc/kpageflags), unprivileged",
	.expect = EACCES, .run = run_kpageflags, .flags = F_NOBODY,
	.why = "fs/proc/page.c: mode 0400, the permission check refuses",
};

/* ------------------------------------------------------------------ */
/* The test: one per row.                                             */
/* ------------------------------------------------------------------ */

FIXTURE_SETUP(badinput)
{
	int s;

	self->peer = 0;
	for (int i = 0; i < 3; i++)
		self->ksm_saved[i] = -1;
	s = du_droppable_supported();
	if (s == 0)
		SKIP(return, "MAP_DROPPABLE not supported (EOPNOTSUPP)");
	ASSERT_EQ(1, s) TH_LOG("mmap(MAP_DROPPABLE): %s", strerror(errno));
	self->series = series_kernel();
	self->expect = variant->expect;
	if ((variant->flags & F_SERIES) && self->series)
		self->expect = variant->expect_series;

	/* MADV_PAGEOUT must see every page a test writes */
	du_stay_on_this_cpu();
}

/* In the parent, even after a timeout: the KSM knobs are global. */
FIXTURE_TEARDOWN_PARENT(badinput)
{
	if (self->peer > 0)
		kill(self->peer, SIGKILL);
	for (int i = 0; i < 3; i++)
		if (self->ksm_saved[i] >= 0)
			ksm_write(ksm_files[i], self->ksm_saved[i]);
}

TEST_F_TIMEOUT(badinput, call, 180)
{
	int got;

	if (variant->flags & F_NOBODY)
		got = run_as_nobody(_metadata, self, variant);
	else
		got = variant->run(_metadata, self, variant);
	if (_metadata->exit_code == KSFT_SKIP)
		return;
	TH_LOG("%s -> %s, expected %s%s: %s", variant->call,
	       result_name(got), result_name(self->expect),
	       variant->flags & F_SERIES ?
	       (self->series ? " (series kernel)" : " (upstream kernel)") : "",
	       variant->why);
	EXPECT_EQ(self->expect, got);
}

TEST_HARNESS_MAIN
