// SPDX-License-Identifier: GPL-2.0
/*
 * The user-visible semantics of droppable memory, end to end:
 *
 *  - pageout_reads_zero: pages dropped by MADV_PAGEOUT read back as zeros,
 *    the pages not advised keep their data;
 *  - fork_wipes: a child sees a droppable mapping as zeros, and its writes
 *    do not reach the parent's pages;
 *  - core_dump_excludes_droppable: a core dump holds the data of anonymous
 *    memory but nothing of droppable memory;
 *  - mlock_range_not_locked, mlockall_not_locked: mlock() and
 *    mlockall(MCL_CURRENT | MCL_FUTURE) do not lock droppable pages (smaps
 *    Locked: 0 kB) and MADV_PAGEOUT still drops them;
 *  - memcg_full_no_oom: a memcg at memory.max 128 MiB holding 100 MiB of
 *    written droppable memory gives a new 100 MiB anonymous allocation room
 *    by dropping, with no OOM kill.
 *
 * All of these hold on the upstream VMA-based kernel (Linux 6.12), where the
 * VMA flags VM_WIPEONFORK, VM_DONTDUMP, vma_supports_mlock() and the
 * dropping in try_to_unmap_one() give them.  They guard the contract that
 * the folio-flag series must keep: a series that marks the folio but loses
 * one of the VMA-side rules, or keeps a dirty droppable folio that reclaim
 * should drop, fails here.
 */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include "kselftest_harness.h"
#include "droppable_util.h"

#define CORE_PATTERN	"/proc/sys/kernel/core_pattern"
#define CORE_FILE	"/tmp/droppable-core"
#define MAX_MAPS	6
#define MEMCG_MAX_MIB	128UL
#define MEMCG_DROP_MIB	100UL
#define MEMCG_ANON_MIB	100UL

FIXTURE(sem) {
	struct du_cgroup cg;
	struct { void *p; size_t len; } maps[MAX_MAPS];
	int nmaps, locked;
	char old_pattern[256];	/* core_pattern to restore, if set */
	char core[64];		/* core file to remove, if set */
};

FIXTURE_SETUP(sem)
{
	int s;

	memset(self, 0, sizeof(*self));
	s = du_droppable_supported();
	if (s == 0)
		SKIP(return, "MAP_DROPPABLE not supported by this kernel");
	ASSERT_EQ(1, s);
	/* MADV_PAGEOUT must see every page a test writes */
	du_stay_on_this_cpu();
}

FIXTURE_TEARDOWN(sem)
{
	if (self->locked)
		munlockall();
	while (self->nmaps--)
		munmap(self->maps[self->nmaps].p, self->maps[self->nmaps].len);
	if (self->old_pattern[0])
		du_write_file(CORE_PATTERN, "%s", self->old_pattern);
	if (self->core[0])
		unlink(self->core);
	du_cgroup_leave(&self->cg);
}

/* mmap() @len bytes, droppable or private anonymous, unmapped in teardown. */
static char *map(FIXTURE_DATA(sem) *self, size_t len, int droppable)
{
	char *p = droppable ? du_map_droppable(len) :
		  mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED && self->nmaps < MAX_MAPS) {
		self->maps[self->nmaps].p = p;
		self->maps[self->nmaps++].len = len;
	}
	return p;
}

/* Pages of [p, p + len) with any nonzero byte. */
static size_t nonzero_pages(const char *p, size_t len)
{
	const size_t ps = du_page_size();
	size_t off, i, n = 0;

	for (off = 0; off < len; off += ps)
		for (i = 0; i < ps; i += 8)
			if (*(volatile uint64_t *)(p + off + i)) {
				n++;
				break;
			}
	return n;
}

/* Pages of [p, p + len) whose first word is not du_fill(@val)'s. */
static size_t changed_pages(const char *p, size_t len, uint64_t val)
{
	size_t ps = du_page_size(), off, n = 0;

	for (off = 0; off < len; off += ps)
		if (*(volatile uint64_t *)(p + off) != val + off / ps)
			n++;
	return n;
}

/*
 * Every page of a droppable mapping fully written (0xa5), then
 * MADV_PAGEOUT of its first half: those pages read as zeros throughout, the
 * second half keeps every byte.
 */
TEST_F_TIMEOUT(sem, pageout_reads_zero, 120)
{
	const size_t len = 16 * MiB, half = len / 2, n = half / du_page_size();
	size_t gone, kept;
	char *p;

	p = map(self, len, 1);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0xa5, len);
	ASSERT_EQ(0, madvise(p, half, MADV_PAGEOUT));
	gone = n - nonzero_pages(p, half);
	kept = nonzero_pages(p + half, half);
	TH_LOG("MADV_PAGEOUT of %zu pages: %zu read as zeros; %zu of the other %zu keep data",
	       n, gone, kept, n);
	EXPECT_EQ(n, gone);
	EXPECT_EQ(n, kept);
	for (size_t i = half; i < len; i++)
		if (p[i] != (char)0xa5) {
			TH_LOG("byte %zu of the kept half is %#x", i,
			       (unsigned char)p[i]);
			EXPECT_TRUE(0);
			break;
		}
}

/*
 * A written droppable mapping reads as zeros in a forked child; the
 * child's own writes stay in the child.
 */
TEST_F_TIMEOUT(sem, fork_wipes, 120)
{
	const size_t len = 4 * MiB, n = len / du_page_size();
	size_t seen[2] = { n, n };
	int pfd[2], status;
	pid_t pid;
	char *p;

	p = map(self, len, 1);
	ASSERT_NE(MAP_FAILED, p);
	du_fill(p, len, 7);
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		size_t got[2] = { nonzero_pages(p, len), changed_pages(p, len, 7) };

		du_fill(p, len, 99);
		_exit(write(pfd[1], got, sizeof(got)) != sizeof(got));
	}
	close(pfd[1]);
	ASSERT_EQ((ssize_t)sizeof(seen), read(pfd[0], seen, sizeof(seen)));
	close(pfd[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	TH_LOG("child: %zu of %zu pages nonzero, %zu not the parent's data; parent: %zu pages changed",
	       seen[0], n, seen[1], changed_pages(p, len, 7));
	EXPECT_EQ(0UL, seen[0]);
	EXPECT_EQ(n, seen[1]);
	EXPECT_EQ(0UL, changed_pages(p, len, 7));
}

/* Byte @i of the 16-byte marker @seed; computed, never stored whole. */
static __attribute__((noinline)) uint8_t marker_byte(uint64_t seed, int i)
{
	uint64_t z = seed * 0x9e3779b97f4a7c15ULL + (uint64_t)i;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (uint8_t)(z >> 40);
}

/* Fill @p with marker @seed repeated, one byte store at a time. */
static void fill_marker(char *p, size_t len, uint64_t seed)
{
	volatile uint8_t *d = (volatile uint8_t *)p;

	for (size_t i = 0; i < len; i++)
		d[i] = marker_byte(seed, i % 16);
}

/*
 * A child writes a marker over a droppable region and another over an
 * anonymous region, then abort()s with RLIMIT_CORE unlimited and
 * core_pattern pointing at /tmp.  The core holds the anonymous marker (the
 * dump works) and not the droppable one.
 */
TEST_F_TIMEOUT(sem, core_dump_excludes_droppable, 180)
{
	const size_t len = 64 * du_page_size();
	uint64_t seed = ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL);
	char mk_drop[16], mk_anon[16], *core;
	int status, fd, i, has_anon, has_drop;
	struct stat st;
	FILE *f;
	pid_t pid;

	f = fopen(CORE_PATTERN, "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(self->old_pattern, sizeof(self->old_pattern), f));
	fclose(f);
	self->old_pattern[strcspn(self->old_pattern, "\n")] = 0;
	if (!self->old_pattern[0])
		strcpy(self->old_pattern, "core");
	ASSERT_EQ(0, du_write_file(CORE_PATTERN, CORE_FILE ".%%p"));

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
		char *d = du_map_droppable(len);
		char *a = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (d == MAP_FAILED || a == MAP_FAILED ||
		    setrlimit(RLIMIT_CORE, &rl) ||
		    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
			_exit(1);
		du_write_file("/proc/self/coredump_filter", "0x33");
		fill_marker(d, len, seed);
		fill_marker(a, len, ~seed);
		abort();
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	snprintf(self->core, sizeof(self->core), CORE_FILE ".%d", pid);
	TH_LOG("child exit status %#x (signal %d, core dumped: %d); core %s",
	       status, WIFSIGNALED(status) ? WTERMSIG(status) : 0,
	       WIFSIGNALED(status) && WCOREDUMP(status), self->core);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	ASSERT_TRUE(WCOREDUMP(status));

	fd = open(self->core, O_RDONLY);
	ASSERT_GE(fd, 0) TH_LOG("open %s: %s", self->core, strerror(errno));
	ASSERT_EQ(0, fstat(fd, &st));
	ASSERT_GT(st.st_size, 0);
	core = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	ASSERT_NE(MAP_FAILED, core);
	for (i = 0; i < 16; i++) {
		mk_drop[i] = marker_byte(seed, i);
		mk_anon[i] = marker_byte(~seed, i);
	}
	has_anon = !!memmem(core, st.st_size, mk_anon, sizeof(mk_anon));
	has_drop = !!memmem(core, st.st_size, mk_drop, sizeof(mk_drop));
	munmap(core, st.st_size);
	TH_LOG("core of %lld KiB: anon marker %s, droppable marker %s",
	       (long long)st.st_size / 1024, has_anon ? "found" : "absent",
	       has_drop ? "found" : "absent");
	EXPECT_TRUE(has_anon);
	EXPECT_FALSE(has_drop);
}

/*
 * Locked: kB of the VMA holding @p in /proc/self/smaps, its VmFlags in
 * @flags; -1 if there is no such VMA.
 */
static long smaps_locked_kb(const void *p, char *flags, size_t flen)
{
	unsigned long start, end;
	long locked = -1;
	char line[512];
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	flags[0] = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			if (in)
				break;
			in = start <= (uintptr_t)p && (uintptr_t)p < end;
			continue;
		}
		if (!in)
			continue;
		sscanf(line, "Locked: %ld kB", &locked);
		if (!strncmp(line, "VmFlags:", 8)) {
			strncpy(flags, line + 8, flen - 1);
			flags[flen - 1] = 0;
		}
	}
	fclose(f);
	return in ? locked : -1;
}

/* Locked: of the VMA of @p is 0 and its VmFlags show no "lo". */
static void expect_unlocked(struct __test_metadata *_metadata, const char *what,
			    const void *p)
{
	char flags[256];
	long kb = smaps_locked_kb(p, flags, sizeof(flags));

	flags[strcspn(flags, "\n")] = 0;
	TH_LOG("%s: Locked: %ld kB, VmFlags:%s", what, kb, flags);
	EXPECT_EQ(0, kb);
	EXPECT_EQ(NULL, strstr(flags, " lo"));
}

/* ... and the anonymous control is locked (at least @len bytes). */
static void expect_locked(struct __test_metadata *_metadata, const char *what,
			  const void *p, size_t len)
{
	char flags[256];
	long kb = smaps_locked_kb(p, flags, sizeof(flags));

	flags[strcspn(flags, "\n")] = 0;
	TH_LOG("%s: Locked: %ld kB, VmFlags:%s", what, kb, flags);
	EXPECT_GE(kb, (long)(len / KiB));
	EXPECT_NE(NULL, strstr(flags, " lo"));
}

/* MADV_PAGEOUT of a written droppable range drops all of it. */
static void expect_dropped(struct __test_metadata *_metadata, const char *what,
			   char *p, size_t len)
{
	int ret = madvise(p, len, MADV_PAGEOUT);
	size_t n = len / du_page_size(), z = du_count_zero_pages(p, len);

	TH_LOG("%s: MADV_PAGEOUT %s, %zu of %zu pages dropped", what,
	       ret ? strerror(errno) : "ok", z, n);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(n, z);
}

TEST_F_TIMEOUT(sem, mlock_range_not_locked, 120)
{
	const size_t len = 4 * MiB;
	char *d, *a;
	int ret;

	d = map(self, len, 1);
	a = map(self, len, 0);
	ASSERT_NE(MAP_FAILED, d);
	ASSERT_NE(MAP_FAILED, a);
	du_fill(d, len, 1);
	du_fill(a, len, 1);
	ret = mlock(d, len);
	TH_LOG("mlock(droppable): %s", ret ? strerror(errno) : "ok");
	EXPECT_EQ(0, ret);
	ASSERT_EQ(0, mlock(a, len));
	self->locked = 1;
	expect_unlocked(_metadata, "droppable after mlock", d);
	expect_locked(_metadata, "anon after mlock", a, len);
	expect_dropped(_metadata, "droppable after mlock", d, len);
}

TEST_F_TIMEOUT(sem, mlockall_not_locked, 120)
{
	const size_t len = 4 * MiB;
	char *d1, *d2, *a;

	d1 = map(self, len, 1);
	ASSERT_NE(MAP_FAILED, d1);
	du_fill(d1, len, 1);
	ASSERT_EQ(0, mlockall(MCL_CURRENT | MCL_FUTURE))
		TH_LOG("mlockall: %s", strerror(errno));
	self->locked = 1;
	/* Mapped after MCL_FUTURE. */
	d2 = map(self, len, 1);
	a = map(self, len, 0);
	ASSERT_NE(MAP_FAILED, d2);
	ASSERT_NE(MAP_FAILED, a);
	du_fill(d2, len, 1);
	expect_unlocked(_metadata, "droppable mapped before mlockall", d1);
	expect_unlocked(_metadata, "droppable mapped after mlockall", d2);
	expect_locked(_metadata, "anon mapped after mlockall", a, len);
	expect_dropped(_metadata, "droppable mapped before mlockall", d1, len);
	expect_dropped(_metadata, "droppable mapped after mlockall", d2, len);
}

/*
 * memory.max 128 MiB, no swap, 100 MiB of droppable memory written; a
 * child allocates and writes 100 MiB of anonymous memory.  It must not be
 * OOM-killed: reclaim drops at least the 72 MiB the two do not fit by.
 */
TEST_F_TIMEOUT(sem, memcg_full_no_oom, 300)
{
	const size_t dlen = MEMCG_DROP_MIB * MiB, n = dlen / du_page_size();
	const size_t must = (MEMCG_DROP_MIB + MEMCG_ANON_MIB - MEMCG_MAX_MIB) * MiB;
	long long kills, ooms, cur;
	size_t zero, changed;
	char p[300], *d;
	int status;
	pid_t pid;

	if (access(CGROOT "/cgroup.controllers", R_OK))
		SKIP(return, "no cgroup2 at " CGROOT);
	ASSERT_EQ(0, du_cgroup_enter(&self->cg, "droppable_sem"));
	ASSERT_EQ(0, du_write_file(du_cg_file(&self->cg, "memory.max", p, sizeof(p)),
				   "%lu", MEMCG_MAX_MIB * MiB));
	/* No swap for this cgroup, whatever else is configured. */
	du_write_file(du_cg_file(&self->cg, "memory.swap.max", p, sizeof(p)), "0");

	d = map(self, dlen, 1);
	ASSERT_NE(MAP_FAILED, d);
	du_fill(d, dlen, 1);
	cur = du_read_num(du_cg_file(&self->cg, "memory.current", p, sizeof(p)));
	du_cg_file(&self->cg, "memory.events", p, sizeof(p));
	kills = du_read_key(p, "oom_kill");
	ooms = du_read_key(p, "oom");
	ASSERT_GE(kills, 0);
	TH_LOG("memory.current %lld MiB with %lu MiB droppable written, %zu pages dropped so far",
	       cur / (long long)MiB, MEMCG_DROP_MIB, du_count_zero_pages(d, dlen));

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		size_t alen = MEMCG_ANON_MIB * MiB;
		char *a = mmap(NULL, alen, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (a == MAP_FAILED)
			_exit(1);
		du_fill(a, alen, 1);
		_exit(changed_pages(a, alen, 1) ? 2 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	zero = du_count_zero_pages(d, dlen);
	changed = changed_pages(d, dlen, 1) - zero;
	TH_LOG("child: %s %d; memory.events oom_kill +%lld, oom +%lld; droppable %zu of %zu pages dropped (%zu MiB), %zu wrong",
	       WIFSIGNALED(status) ? "killed by signal" : "exit",
	       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
	       du_read_key(p, "oom_kill") - kills, du_read_key(p, "oom") - ooms,
	       zero, n, zero * du_page_size() / MiB, changed);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(kills, du_read_key(p, "oom_kill"));
	EXPECT_GE(zero * du_page_size(), must);
	EXPECT_EQ(0UL, changed);
}

TEST_HARNESS_MAIN
