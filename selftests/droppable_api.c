// SPDX-License-Identifier: GPL-2.0
/*
 * droppable_api - the user-visible contract of mmap(MAP_DROPPABLE).
 *
 * Every invalid flag combination must fail with the errno that the kernel's
 * mmap()/madvise() code gives for it, and a valid droppable mapping must show
 * the documented semantics: wiped on fork, never dumped, never mlocked,
 * dropped (read back as zeroes) by reclaim.  Each test names the rule of the
 * 6.12 code it checks (file:function).
 *
 * A kernel built without MAP_DROPPABLE fails the mapping with EOPNOTSUPP
 * (mm/mmap.c:do_mmap(), "if (VM_DROPPABLE == VM_NONE) return -EOPNOTSUPP");
 * then only unsupported_returns_eopnotsupp runs and all other tests skip.
 */
#include <stdbool.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "droppable_util.h"

/* The host's libc headers may predate some of these. */

/* ------------------------------------------------------------------ */
/* Small shared helpers (the common ones are in droppable_util.h).    */
/* ------------------------------------------------------------------ */

/*
 * mmap() that is expected to fail: returns its errno, or 0 if the mapping
 * was (wrongly) created, in which case it is unmapped again.
 */
static int mmap_errno(size_t len, int flags, int fd)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, len);
	return 0;
}

/* 0 if MAP_DROPPABLE works, else the errno of the probe mapping. */
static int droppable_probe(void)
{
	int ret = du_droppable_supported();

	if (ret > 0)
		return 0;
	return ret ? errno : EOPNOTSUPP;
}

/*
 * Skip the calling test when the kernel has no MAP_DROPPABLE (EOPNOTSUPP);
 * any other probe failure is a bug of the kernel under test.
 */
#define REQUIRE_DROPPABLE() do {					\
	int __err = droppable_probe();					\
									\
	if (__err == EOPNOTSUPP)					\
		SKIP(return, "MAP_DROPPABLE not supported (EOPNOTSUPP)"); \
	ASSERT_EQ(0, __err)						\
		TH_LOG("probe mmap(MAP_DROPPABLE): %s", strerror(__err)); \
} while (0)

/* ------------------------------------------------------------------ */
/* Support detection.                                                 */
/* ------------------------------------------------------------------ */

/*
 * mm/mmap.c:do_mmap(), case MAP_DROPPABLE: "if (VM_DROPPABLE == VM_NONE)
 * return -EOPNOTSUPP;" -- a kernel without VM_DROPPABLE rejects the type
 * with EOPNOTSUPP, not with the EINVAL of an unknown type.
 */
TEST(unsupported_returns_eopnotsupp)
{
	int err = droppable_probe();

	if (!err)
		SKIP(return, "MAP_DROPPABLE is supported by this kernel");
	ASSERT_EQ(EOPNOTSUPP, err)
		TH_LOG("mmap(MAP_DROPPABLE) failed with %s, expected EOPNOTSUPP",
		       strerror(err));
}

/* ------------------------------------------------------------------ */
/* Valid mapping.                                                     */
/* ------------------------------------------------------------------ */

/*
 * mm/mmap.c:do_mmap(): MAP_DROPPABLE | MAP_ANONYMOUS falls through to the
 * MAP_PRIVATE case, an ordinary private anonymous mapping: it starts zeroed
 * and keeps what is written while there is no memory pressure.
 */
TEST(anon_mapping_works)
{
	size_t len = 16 * du_page_size();
	struct du_page_count c;
	char *p;

	REQUIRE_DROPPABLE();
	p = du_map_droppable(len);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));

	EXPECT_TRUE(du_all_zero(p, len));
	du_fill_pattern(p, len);
	c = du_count_pages(p, len);
	EXPECT_EQ(len / du_page_size(), c.intact);
	EXPECT_EQ(0UL, c.corrupt);

	ASSERT_EQ(0, munmap(p, len));
}

/* ------------------------------------------------------------------ */
/* Invalid combinations: every one is rejected with the exact errno.  */
/* ------------------------------------------------------------------ */

/*
 * mm/mmap.c:do_mmap(), file branch: "switch (flags & MAP_TYPE)" only knows
 * MAP_SHARED, MAP_SHARED_VALIDATE and MAP_PRIVATE; the droppable type (and
 * droppable|shared type bits) hits "default: return -EINVAL;".
 */
TEST(file_backed_is_einval)
{
	char path[] = "/tmp/droppable_api.XXXXXX";
	size_t len = du_page_size();
	void *p;
	int fd;

	REQUIRE_DROPPABLE();
	fd = mkstemp(path);
	ASSERT_LE(0, fd) TH_LOG("mkstemp: %s", strerror(errno));
	unlink(path);
	ASSERT_EQ(0, ftruncate(fd, (off_t)len));

	/* Control: the same fd maps fine as MAP_PRIVATE. */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap(MAP_PRIVATE, fd): %s", strerror(errno));
	munmap(p, len);

	EXPECT_EQ(EINVAL, mmap_errno(len, MAP_DROPPABLE, fd));
	EXPECT_EQ(EINVAL, mmap_errno(len, MAP_DROPPABLE | MAP_SHARED, fd));
	EXPECT_EQ(EINVAL, mmap_errno(len, MAP_DROPPABLE | MAP_SHARED_VALIDATE, fd));
	close(fd);
}

/*
 * mm/mmap.c:do_mmap(), case MAP_DROPPABLE: "if (flags & (MAP_LOCKED |
 * MAP_HUGETLB)) return -EINVAL;".  Run as root, so the earlier
 * can_do_mlock()/mlock_future_ok() checks on MAP_LOCKED pass.
 */
TEST(locked_is_einval)
{
	REQUIRE_DROPPABLE();
	EXPECT_EQ(EINVAL, mmap_errno(du_page_size(),
				     MAP_DROPPABLE | MAP_ANONYMOUS | MAP_LOCKED, -1));
}

/*
 * mm/mmap.c:ksys_mmap_pgoff() turns an anonymous MAP_HUGETLB mapping into a
 * hugetlbfs file (hugetlb_file_setup(), no reservation with VM_NORESERVE),
 * so do_mmap() sees a file and its file-type switch gives "default: return
 * -EINVAL;".  Without a huge page size, "if (!hs) return -EINVAL;" in
 * ksys_mmap_pgoff() gives the same errno.
 */
TEST(hugetlb_is_einval)
{
	REQUIRE_DROPPABLE();
	EXPECT_EQ(EINVAL, mmap_errno(du_page_size(),
				     MAP_DROPPABLE | MAP_ANONYMOUS | MAP_HUGETLB, -1));
}

/*
 * mm/mmap.c:do_mmap(), case MAP_DROPPABLE: "if (vm_flags & (VM_GROWSDOWN |
 * VM_GROWSUP)) return -EINVAL;" (calc_vm_flag_bits() maps MAP_GROWSDOWN to
 * VM_GROWSDOWN).
 */
TEST(growsdown_is_einval)
{
	REQUIRE_DROPPABLE();
	EXPECT_EQ(EINVAL, mmap_errno(du_page_size(),
				     MAP_DROPPABLE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1));
}

/*
 * MAP_DROPPABLE (0x08) is a value of the MAP_TYPE field, not a modifier:
 * or-ing it with MAP_SHARED (0x01), MAP_SHARED_VALIDATE (0x03) or
 * MAP_PRIVATE (0x02) makes the types 0x09, 0x0b, 0x0a, which the anonymous
 * switch of mm/mmap.c:do_mmap() rejects with "default: return -EINVAL;".
 */
TEST(type_bits_combined_are_einval)
{
	size_t len = du_page_size();

	REQUIRE_DROPPABLE();
	EXPECT_EQ(EINVAL, mmap_errno(len, MAP_DROPPABLE | MAP_ANONYMOUS |
				     MAP_SHARED, -1));
	EXPECT_EQ(EINVAL, mmap_errno(len, MAP_DROPPABLE | MAP_ANONYMOUS |
				     MAP_SHARED_VALIDATE, -1));
	EXPECT_EQ(EINVAL, mmap_errno(len, MAP_DROPPABLE | MAP_ANONYMOUS |
				     MAP_PRIVATE, -1));
}

/*
 * mm/madvise.c:madvise_vma_behavior(): MADV_KEEPONFORK "if (vma->vm_flags &
 * VM_DROPPABLE) return -EINVAL;" and MADV_DODUMP "... || (vma->vm_flags &
 * VM_DROPPABLE)) return -EINVAL;" -- the wipe-on-fork and don't-dump flags
 * that do_mmap() set cannot be taken away, and stay set.
 */
TEST(madvise_keeponfork_dodump_einval)
{
	size_t len = 4 * du_page_size();
	void *p;

	REQUIRE_DROPPABLE();
	p = du_map_droppable(len);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));

	errno = 0;
	EXPECT_EQ(-1, madvise(p, len, MADV_KEEPONFORK));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, madvise(p, len, MADV_DODUMP));
	EXPECT_EQ(EINVAL, errno);

	EXPECT_TRUE(du_has_vmflag(p, len, "wf"));
	EXPECT_TRUE(du_has_vmflag(p, len, "dd"));
	munmap(p, len);
}

/*
 * mm/madvise.c:madvise_vma_behavior(): MADV_WIPEONFORK is allowed on any
 * private anonymous VMA and MADV_DONTDUMP on any VMA; both flags are already
 * set, so madvise_update_vma() sees no change and returns 0.
 */
TEST(madvise_wipeonfork_dontdump_ok)
{
	size_t len = 4 * du_page_size();
	void *p;

	REQUIRE_DROPPABLE();
	p = du_map_droppable(len);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));

	EXPECT_EQ(0, madvise(p, len, MADV_WIPEONFORK))
		TH_LOG("MADV_WIPEONFORK: %s", strerror(errno));
	EXPECT_EQ(0, madvise(p, len, MADV_DONTDUMP))
		TH_LOG("MADV_DONTDUMP: %s", strerror(errno));
	EXPECT_TRUE(du_has_vmflag(p, len, "dp"));
	munmap(p, len);
}

/* ------------------------------------------------------------------ */
/* VMA flags.                                                         */
/* ------------------------------------------------------------------ */

/*
 * mm/mmap.c:do_mmap(), case MAP_DROPPABLE: "vm_flags |= VM_DROPPABLE;",
 * "vm_flags |= VM_NORESERVE;" and "vm_flags |= VM_WIPEONFORK | VM_DONTDUMP;"
 * show in fs/proc/task_mmu.c:show_smap_vma_flags() as dp, nr, wf, dd.
 * VM_NORESERVE also means mm/mmap.c:accountable_mapping() is false, so there
 * is no VM_ACCOUNT ("ac").
 */
TEST(smaps_vmflags)
{
	size_t len = 4 * du_page_size();
	char flags[256];
	void *p;

	REQUIRE_DROPPABLE();
	p = du_map_droppable(len);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	ASSERT_EQ(0, du_smaps_field(p, len, "VmFlags", flags, sizeof(flags)))
		TH_LOG("no smaps entry for %p", p);
	TH_LOG("VmFlags:%s", flags);

	EXPECT_TRUE(du_has_vmflag(p, len, "dp"));
	EXPECT_TRUE(du_has_vmflag(p, len, "wf"));
	EXPECT_TRUE(du_has_vmflag(p, len, "dd"));
	EXPECT_TRUE(du_has_vmflag(p, len, "nr"));
	EXPECT_FALSE(du_has_vmflag(p, len, "ac"));
	EXPECT_FALSE(du_has_vmflag(p, len, "lo"));
	munmap(p, len);
}

/* ------------------------------------------------------------------ */
/* mlock.                                                             */
/* ------------------------------------------------------------------ */

/*
 * mm/mlock.c:mlock_fixup(): "if (... || !vma_supports_mlock(vma)) goto out;"
 * with mm/internal.h:vma_supports_mlock() false for "VM_SPECIAL |
 * VM_DROPPABLE": mlock() succeeds, but VM_LOCKED is never set and nothing is
 * added to mm->locked_vm.
 */
TEST(mlock_succeeds_but_does_not_lock)
{
	size_t len = 16 * du_page_size();
	long vmlck;
	char *p;

	REQUIRE_DROPPABLE();
	p = du_map_droppable(len);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	du_fill_pattern(p, len);
	vmlck = du_status_kb("VmLck");

	ASSERT_EQ(0, mlock(p, len)) TH_LOG("mlock: %s", strerror(errno));
	EXPECT_EQ(0, du_smaps_kb(p, len, "Locked"));
	EXPECT_FALSE(du_has_vmflag(p, len, "lo"));
	EXPECT_FALSE(du_has_vmflag(p, len, "lf"));
	EXPECT_TRUE(du_has_vmflag(p, len, "dp"));
	EXPECT_EQ(vmlck, du_status_kb("VmLck"));

	EXPECT_EQ(0, munlock(p, len));
	munmap(p, len);
}

/*
 * mlockall(MCL_CURRENT | MCL_FUTURE): existing droppable VMAs are skipped by
 * mm/mlock.c:apply_mlockall_flags() -> mlock_fixup() (vma_supports_mlock()),
 * and a droppable mapping created afterwards gets VM_LOCKED from
 * mm->def_flags only to have it cleared again by mm/mmap.c:mmap_region():
 * "if (!vma_supports_mlock(vma)) vm_flags_clear(vma, VM_LOCKED_MASK);".
 * (do_mmap() rejects only the MAP_LOCKED *flag*, not VM_LOCKED from
 * def_flags, so the mmap() itself succeeds.)
 */
static void check_mlockall(struct __test_metadata *_metadata, int how)
{
	size_t len = 16 * du_page_size();
	char *before, *after;

	before = du_map_droppable(len);
	ASSERT_NE(MAP_FAILED, before) TH_LOG("mmap: %s", strerror(errno));
	du_fill_pattern(before, len);

	ASSERT_EQ(0, mlockall(how)) TH_LOG("mlockall(%#x): %s", how, strerror(errno));

	after = du_map_droppable(len);
	EXPECT_NE(MAP_FAILED, after) TH_LOG("mmap after mlockall: %s", strerror(errno));
	if (after != MAP_FAILED) {
		du_fill_pattern(after, len);
		EXPECT_EQ(0, du_smaps_kb(after, len, "Locked"));
		EXPECT_FALSE(du_has_vmflag(after, len, "lo"));
		EXPECT_FALSE(du_has_vmflag(after, len, "lf"));
		EXPECT_TRUE(du_has_vmflag(after, len, "dp"));
	}
	EXPECT_EQ(0, du_smaps_kb(before, len, "Locked"));
	EXPECT_FALSE(du_has_vmflag(before, len, "lo"));
	EXPECT_FALSE(du_has_vmflag(before, len, "lf"));

	EXPECT_EQ(0, munlockall());
	if (after != MAP_FAILED)
		munmap(after, len);
	munmap(before, len);
}

TEST(mlockall_does_not_lock)
{
	REQUIRE_DROPPABLE();
	check_mlockall(_metadata, MCL_CURRENT | MCL_FUTURE);
}

/* Same rule, with VM_LOCKONFAULT (also in VM_LOCKED_MASK) in def_flags. */
TEST(mlockall_onfault_does_not_lock)
{
	REQUIRE_DROPPABLE();
	check_mlockall(_metadata, MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT);
}

/* ------------------------------------------------------------------ */
/* Dropping and wiping.                                               */
/* ------------------------------------------------------------------ */

/*
 * kernel/fork.c:dup_mmap(): a VM_WIPEONFORK VMA (set by do_mmap() for every
 * droppable mapping) gets a fresh, empty anon_vma and its page tables are not
 * copied, so the child reads zeroes while the parent keeps its data.
 */
TEST(fork_wipes_child_copy)
{
	size_t len = 16 * du_page_size();
	struct du_page_count c;
	int status;
	pid_t pid;
	char *p;

	REQUIRE_DROPPABLE();
	p = du_map_droppable(len);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	du_fill_pattern(p, len);

	pid = fork();
	ASSERT_LE(0, pid) TH_LOG("fork: %s", strerror(errno));
	if (pid == 0) {
		/* 0: wiped, 1: parent data leaked into the child, 2: garbage */
		c = du_count_pages(p, len);
		if (c.zero != len / du_page_size())
			_exit(c.intact ? 1 : 2);
		/* The child's own writes must stay in the child. */
		memset(p, 0xc5, len);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child status %#x", status);
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("child saw %s", WEXITSTATUS(status) == 1 ?
		       "the parent's data" : "non-zero garbage");

	c = du_count_pages(p, len);
	EXPECT_EQ(len / du_page_size(), c.intact);
	EXPECT_EQ(0UL, c.corrupt);
	munmap(p, len);
}

/*
 * mm/madvise.c:madvise_dontneed_free(): MADV_DONTNEED zaps the range like on
 * any private anonymous mapping; the next read faults in zeroes.
 */
TEST(dontneed_reads_zero)
{
	size_t len = 16 * du_page_size();
	char *p;

	REQUIRE_DROPPABLE();
	p = du_map_droppable(len);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	du_fill_pattern(p, len);

	ASSERT_EQ(0, madvise(p, len, MADV_DONTNEED))
		TH_LOG("MADV_DONTNEED: %s", strerror(errno));
	EXPECT_TRUE(du_all_zero(p, len));
	munmap(p, len);
}

/*
 * mm/madvise.c:madvise_pageout() reclaims the range's folios through
 * reclaim_pages() -> shrink_folio_list().  Droppable folios are never
 * swap-backed (mm/rmap.c:folio_add_new_anon_rmap()), so there is no swap
 * slot to allocate, and mm/rmap.c:try_to_unmap_one() discards them "even if
 * they've been dirtied": the PTEs are cleared and no swap entry is left, so
 * mincore() reports the pages non-resident and they read back as zeroes.
 * Like tools/testing/selftests/mm/droppable.c, retry a few times because a
 * transient extra reference makes reclaim skip a folio; the test pins itself
 * to one CPU so that the local lru_add_drain() in madvise_pageout() flushes
 * every freshly faulted folio onto the LRU.
 */
TEST(pageout_drops_written_pages)
{
	size_t npages = 256, len = npages * du_page_size();
	unsigned char vec[256];
	size_t resident = npages;
	int try;
	char *p;

	REQUIRE_DROPPABLE();
	du_stay_on_this_cpu();

	p = du_map_droppable(len);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	du_fill_pattern(p, len);
	ASSERT_EQ(0, mincore(p, len, vec));
	for (size_t i = 0; i < npages; i++) {
		ASSERT_TRUE(vec[i] & 1)
			TH_LOG("page %zu not resident after write", i);
	}

	for (try = 0; try < 10 && resident; try++) {
		if (try)
			sleep(1);
		ASSERT_EQ(0, madvise(p, len, MADV_PAGEOUT))
			TH_LOG("MADV_PAGEOUT: %s", strerror(errno));
		/* mincore() before any read: a read would map the zero page. */
		ASSERT_EQ(0, mincore(p, len, vec));
		resident = 0;
		for (size_t i = 0; i < npages; i++)
			resident += vec[i] & 1;
	}
	TH_LOG("%zu of %zu pages still resident after %d MADV_PAGEOUT call(s)",
	       resident, npages, try);
	EXPECT_EQ(0UL, resident);
	EXPECT_TRUE(du_all_zero(p, len));
	munmap(p, len);
}

/*
 * Reclaim driven by a cgroup: memory.reclaim makes the memcg reclaim its own
 * LRUs (mm/memcontrol.c:memory_reclaim() -> try_to_free_mem_cgroup_pages()).
 * Droppable folios sit on the file LRU (not swap-backed), which is scanned
 * even with no swap, and try_to_unmap_one() discards them.  Afterwards at
 * least half of the 64 MiB must read back as zeroes and none may hold
 * anything but the pattern or zeroes.
 *
 * The 6.12 base kernel returns EAGAIN from the write: the dropped folios are
 * still dirty when shrink_folio_list() looks at them after the unmap, so they
 * take the "activate" path and are freed on putback without being counted in
 * nr_reclaimed.  That is logged, not failed.
 */
FIXTURE(memcg) {
	struct du_cgroup cg;
	bool created;
};

FIXTURE_SETUP(memcg)
{
	char ctrl[256];
	int ret;

	REQUIRE_DROPPABLE();

	if (du_read_file(CGROOT "/cgroup.controllers", ctrl, sizeof(ctrl)))
		SKIP(return, "no cgroup2 at " CGROOT);
	if (!strstr(ctrl, "memory"))
		SKIP(return, "memory controller not available");

	ret = du_write_file(CGROOT "/cgroup.subtree_control", "+memory") ?
	      -errno : 0;
	ASSERT_EQ(0, ret) TH_LOG("enable +memory: %s", strerror(-ret));

	snprintf(self->cg.path, sizeof(self->cg.path), CGROOT "/droppable_api_%d",
		 getpid());
	ASSERT_EQ(0, mkdir(self->cg.path, 0755))
		TH_LOG("mkdir %s: %s", self->cg.path, strerror(errno));
	self->created = true;
}

/* Runs in the parent once the test process is gone, even after a failure. */
FIXTURE_TEARDOWN_PARENT(memcg)
{
	int i;

	if (!self->created)
		return;
	for (i = 0; i < 100; i++) {
		if (!rmdir(self->cg.path) || errno == ENOENT)
			return;
		usleep(10000);
	}
	TH_LOG("rmdir %s: %s", self->cg.path, strerror(errno));
}

TEST_F_TIMEOUT(memcg, reclaim_drops_droppable, 120)
{
	size_t len = 64 * MiB, npages = len / du_page_size();
	char path[300];
	struct du_page_count c;
	long long before, after;
	int ret;
	char *p;

	ret = du_cgroup_join(self->cg.path) ? -errno : 0;
	ASSERT_EQ(0, ret) TH_LOG("join %s: %s", self->cg.path, strerror(-ret));

	p = du_map_droppable(len);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	du_fill_pattern(p, len);

	before = du_read_num(du_cg_file(&self->cg, "memory.current", path,
					sizeof(path)));

	ret = du_cg_reclaim(&self->cg, 64 * MiB) ? -errno : 0;
	/* Braces needed: EXPECT_EQ() expands to more than one statement. */
	if (ret == -EAGAIN) {
		TH_LOG("memory.reclaim: EAGAIN (reclaimed less than asked; expected on the 6.12 base kernel)");
	} else {
		EXPECT_EQ(0, ret) TH_LOG("memory.reclaim: %s", strerror(-ret));
	}

	after = du_read_num(du_cg_file(&self->cg, "memory.current", path,
				       sizeof(path)));

	c = du_count_pages(p, len);
	TH_LOG("memory.current %lld -> %lld KiB; %zu dropped, %zu intact, %zu corrupted of %zu pages",
	       before / 1024, after / 1024, c.zero, c.intact, c.corrupt, npages);

	/* Leave before asserting, so the parent's teardown can rmdir. */
	ret = du_cgroup_join(CGROOT) ? -errno : 0;
	EXPECT_EQ(0, ret) TH_LOG("leave cgroup: %s", strerror(-ret));

	EXPECT_EQ(0UL, c.corrupt);
	EXPECT_GE(c.zero, npages / 2);
	munmap(p, len);
}

TEST_HARNESS_MAIN
