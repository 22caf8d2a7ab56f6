// SPDX-License-Identifier: GPL-2.0
/*
 * What an operator sees of droppable memory, checked against what the test
 * itself did (the observability issue):
 *
 *  - counters.fault_and_drop: /proc/vmstat and memory.stat count the pages
 *    faulted into a MAP_DROPPABLE mapping (droppable_fault) and the pages
 *    reclaim dropped (droppable_drop), exactly for the cgroup; pglazyfreed
 *    counts MADV_FREE'd memory only, no droppable memory.
 *  - counters.keep_busy: droppable pages that reclaim cannot drop because
 *    something holds references to them (a vmsplice()d pipe) are counted
 *    as droppable_keep, and they keep their contents.
 *  - smaps.droppable_line: smaps and smaps_rollup show the resident
 *    droppable memory ("Droppable:"), not as LazyFree; MADV_PAGEOUT drops it.
 *  - kpageflags.page_types: the base tree's tools/mm/page-types, built
 *    against this kernel, counts the process's droppable pages with
 *    "-b droppable".
 *  - trace.*: the droppable tracepoints report the test's own memory: marks
 *    and drops with its tgid, comm and cgroup, the reclaimer (proactive for
 *    memory.reclaim, pageout for MADV_PAGEOUT), keeps with their reason, and
 *    the suppressed dirtying of process_vm_writev()'s unpin.
 *
 * Every test skips on a kernel without the counters or tracepoints (the
 * base kernel, CONFIG_MAP_DROPPABLE=n).
 */
#include <sys/uio.h>
#include "kselftest_harness.h"
#include "droppable_util.h"

#define TRACEFS		"/sys/kernel/tracing"
#define RECORD_CMD	TRACEFS "/options/record-cmd"
#define OBS_MIB		8UL

/* Skip unless this kernel has MAP_DROPPABLE and its counters. */
#define REQUIRE_COUNTERS()						\
	do {								\
		if (du_droppable_supported() != 1)			\
			SKIP(return, "no MAP_DROPPABLE");		\
		if (du_vmstat("droppable_fault") < 0)			\
			SKIP(return, "no droppable_* counters in /proc/vmstat"); \
	} while (0)

FIXTURE(obs) {
	struct du_cgroup cg;
	char *p;
	size_t len;
	int pipefd[2];
	int tracing;
	long long record_cmd;	/* options/record-cmd before the test, or -1 */
};

FIXTURE_SETUP(obs)
{
	self->p = MAP_FAILED;
	self->pipefd[0] = self->pipefd[1] = -1;
	self->tracing = 0;
	self->record_cmd = -1;
	self->cg.path[0] = 0;
	if (access(CGROOT "/cgroup.controllers", R_OK))
		SKIP(return, "no cgroup v2 at " CGROOT);
	ASSERT_EQ(0, du_cgroup_enter(&self->cg, "droppable_observe"));
	/* MADV_PAGEOUT must see every page a test writes */
	du_stay_on_this_cpu();
}

FIXTURE_TEARDOWN(obs)
{
	if (self->tracing) {
		du_write_file(TRACEFS "/events/droppable/enable", "0");
		du_write_file(TRACEFS "/buffer_size_kb", "1408");
		if (self->record_cmd >= 0)
			du_write_file(RECORD_CMD, "%lld", self->record_cmd);
	}
	if (self->pipefd[0] >= 0) {
		close(self->pipefd[0]);
		close(self->pipefd[1]);
	}
	if (self->p != MAP_FAILED)
		munmap(self->p, self->len);
	du_cgroup_leave(&self->cg);
}

/* Map and write @mib MiB of droppable memory into self->p. */
static char *obs_map(struct __test_metadata *_metadata,
		     FIXTURE_DATA(obs) *self, unsigned long mib)
{
	self->len = mib * MiB;
	self->p = du_map_droppable(self->len);
	if (self->p == MAP_FAILED)
		return NULL;
	du_fill(self->p, self->len, 1);
	return self->p;
}

/* Pages of [p, p + len) that read back as zero, i.e. were dropped. */
static long long zero_pages(void *p, size_t len)
{
	return (long long)du_count_zero_pages(p, len);
}

TEST_F(obs, counters_fault_and_drop)
{
	const long long pages = OBS_MIB * MiB / du_page_size();
	long long fault0, vfault0, drop0, vdrop0, lazy0, steal0, dropped;
	long long lazydropped;
	char *lazy;

	REQUIRE_COUNTERS();
	fault0 = du_cg_stat(&self->cg, "droppable_fault");
	vfault0 = du_vmstat("droppable_fault");
	ASSERT_GE(fault0, 0);
	ASSERT_NE(NULL, obs_map(_metadata, self, OBS_MIB));
	/* Every page faulted in once, charged to this cgroup. */
	EXPECT_EQ(pages, du_cg_stat(&self->cg, "droppable_fault") - fault0);
	EXPECT_GE(du_vmstat("droppable_fault") - vfault0, pages);

	/* The control: MADV_FREE'd anonymous memory next to it. */
	lazy = mmap(NULL, OBS_MIB * MiB, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, lazy);
	du_fill(lazy, OBS_MIB * MiB, 2);
	ASSERT_EQ(0, madvise(lazy, OBS_MIB * MiB, MADV_FREE));

	drop0 = du_cg_stat(&self->cg, "droppable_drop");
	vdrop0 = du_vmstat("droppable_drop");
	lazy0 = du_cg_stat(&self->cg, "pglazyfreed");
	steal0 = du_cg_stat(&self->cg, "pgsteal");
	du_cg_reclaim(&self->cg, 2 * OBS_MIB * MiB);	/* EAGAIN is fine */
	dropped = zero_pages(self->p, self->len);
	lazydropped = zero_pages(lazy, OBS_MIB * MiB);
	TH_LOG("dropped %lld droppable and %lld lazyfree pages; droppable_drop +%lld, pglazyfreed +%lld, pgsteal +%lld",
	       dropped, lazydropped,
	       du_cg_stat(&self->cg, "droppable_drop") - drop0,
	       du_cg_stat(&self->cg, "pglazyfreed") - lazy0,
	       du_cg_stat(&self->cg, "pgsteal") - steal0);
	ASSERT_GT(dropped, 0);
	EXPECT_EQ(dropped, du_cg_stat(&self->cg, "droppable_drop") - drop0);
	EXPECT_GE(du_vmstat("droppable_drop") - vdrop0, dropped);
	/* pglazyfreed counts the MADV_FREE'd pages only. */
	EXPECT_EQ(lazydropped, du_cg_stat(&self->cg, "pglazyfreed") - lazy0);
	EXPECT_GE(du_cg_stat(&self->cg, "pgsteal") - steal0,
		  dropped + lazydropped);
	munmap(lazy, OBS_MIB * MiB);
}

/*
 * vmsplice() the first half of the region into a pipe: the pipe holds page
 * references until it is read, so reclaim must keep those pages (busy) and
 * count them; the other half is dropped.
 */
static void splice_half(struct __test_metadata *_metadata,
			FIXTURE_DATA(obs) *self)
{
	size_t half = self->len / 2, off = 0;
	struct iovec iov;
	ssize_t n;
	int flags;

	ASSERT_EQ(0, pipe(self->pipefd));
	ASSERT_LE(0, fcntl(self->pipefd[1], F_SETPIPE_SZ, (int)half));
	flags = fcntl(self->pipefd[1], F_GETFL);
	ASSERT_EQ(0, fcntl(self->pipefd[1], F_SETFL, flags | O_NONBLOCK));
	while (off < half) {
		iov.iov_base = self->p + off;
		iov.iov_len = half - off;
		n = vmsplice(self->pipefd[1], &iov, 1, 0);
		ASSERT_GT(n, 0) TH_LOG("vmsplice: %s", strerror(errno));
		off += n;
	}
}

TEST_F(obs, counters_keep_busy)
{
	const size_t ps = du_page_size();
	long long keep0, kept, half_pages;
	size_t off;

	REQUIRE_COUNTERS();
	ASSERT_NE(NULL, obs_map(_metadata, self, OBS_MIB));
	splice_half(_metadata, self);
	half_pages = self->len / 2 / ps;

	keep0 = du_cg_stat(&self->cg, "droppable_keep");
	du_cg_reclaim(&self->cg, self->len);
	kept = du_cg_stat(&self->cg, "droppable_keep") - keep0;
	TH_LOG("spliced %lld pages: droppable_keep +%lld, %lld of the other half dropped",
	       half_pages, kept, zero_pages(self->p + self->len / 2, self->len / 2));
	/* Each referenced page counted at least once, and kept intact. */
	EXPECT_GE(kept, half_pages);
	for (off = 0; off < self->len / 2; off += ps)
		ASSERT_EQ(1 + off / ps, *(uint64_t *)(self->p + off));
	EXPECT_GT(zero_pages(self->p + self->len / 2, self->len / 2), 0);
}

/*
 * The "Droppable:" (or other) kB value of the smaps entry that holds @addr,
 * or of the only entry (smaps_rollup) if @addr is NULL.
 */
static long smaps_value(const char *file, const void *addr, const char *key)
{
	char line[256], k[64];
	unsigned long start, end;
	int in = !addr;
	long v = -1;
	FILE *f = fopen(file, "r");

	if (!f)
		return -1;
	snprintf(k, sizeof(k), "%s:", key);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			/* smaps_rollup (@addr NULL) has one entry */
			in = !addr || ((unsigned long)addr >= start &&
				       (unsigned long)addr < end);
			continue;
		}
		if (in && !strncmp(line, k, strlen(k))) {
			v = atol(line + strlen(k));
			break;
		}
	}
	fclose(f);
	return v;
}

TEST_F(obs, smaps_droppable_line)
{
	const long kb = OBS_MIB * MiB / KiB;
	char *plain;
	long roll;

	REQUIRE_COUNTERS();
	ASSERT_NE(NULL, obs_map(_metadata, self, OBS_MIB));
	plain = mmap(NULL, MiB, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, plain);
	memset(plain, 1, MiB);

	EXPECT_EQ(kb, smaps_value("/proc/self/smaps", self->p, "Droppable"));
	EXPECT_EQ(kb, smaps_value("/proc/self/smaps", self->p, "Rss"));
	EXPECT_EQ(0, smaps_value("/proc/self/smaps", self->p, "LazyFree"));
	EXPECT_EQ(0, smaps_value("/proc/self/smaps", plain, "Droppable"));
	roll = smaps_value("/proc/self/smaps_rollup", NULL, "Droppable");
	TH_LOG("smaps Droppable %ld kB, smaps_rollup Droppable %ld kB",
	       smaps_value("/proc/self/smaps", self->p, "Droppable"), roll);
	EXPECT_GE(roll, kb);

	ASSERT_EQ(0, madvise(self->p, self->len, MADV_PAGEOUT));
	EXPECT_EQ(0, smaps_value("/proc/self/smaps", self->p, "Droppable"));
	EXPECT_EQ((long long)(self->len / du_page_size()),
		  zero_pages(self->p, self->len));
	munmap(plain, MiB);
}

TEST_F(obs, kpageflags_page_types)
{
	const long long pages = OBS_MIB * MiB / du_page_size();
	char cmd[128], line[256];
	long long total = -1;
	FILE *f;

	REQUIRE_COUNTERS();
	if (access("./page-types", X_OK))
		SKIP(return, "no ./page-types (tools/mm) next to the test");
	ASSERT_NE(NULL, obs_map(_metadata, self, OBS_MIB));
	snprintf(cmd, sizeof(cmd), "./page-types -p %d -b droppable 2>&1",
		 getpid());
	f = popen(cmd, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		char *t = line + strspn(line, " \t");

		line[strcspn(line, "\n")] = 0;
		if (!strncmp(t, "total", 5))
			total = atoll(t + 5);
		else if (*t)
			TH_LOG("page-types: %s", t);
	}
	pclose(f);
	TH_LOG("page-types -b droppable: total %lld, expected %lld", total, pages);
	EXPECT_EQ(pages, total);
}

/* Tracing: the droppable events into a fresh buffer. */
/*
 * Start tracing the droppable events.  Returns false, with the test
 * marked skipped, when the kernel has none (no tracing, e.g. the arm64
 * kernel of make arm64): SKIP() returns only from this helper, so the
 * caller must return too.
 */
static bool trace_start(struct __test_metadata *_metadata,
			FIXTURE_DATA(obs) *self)
{
	if (access(TRACEFS "/events/droppable/enable", W_OK))
		SKIP(return false, "no droppable tracepoints in " TRACEFS);
	self->tracing = 1;
	ASSERT_EQ(0, du_write_file(TRACEFS "/events/droppable/enable", "0"));
	/*
	 * With record-cmd on, enabling the first event also hooks
	 * sched_switch (to save command names), and disabling the last one
	 * unhooks it: each time the kernel rewrites a jump in __schedule()
	 * while the other CPUs run it.  Under QEMU's TCG that has crashed
	 * the guest ("Oops: int3" at that jump in __schedule, seen in make
	 * check); our events carry the comm themselves, so leave
	 * sched_switch alone.
	 */
	self->record_cmd = du_read_num(RECORD_CMD);
	if (self->record_cmd >= 0)
		ASSERT_EQ(0, du_write_file(RECORD_CMD, "0"));
	ASSERT_EQ(0, du_write_file(TRACEFS "/buffer_size_kb", "8192"));
	ASSERT_EQ(0, du_write_file(TRACEFS "/trace", "\n"));
	ASSERT_EQ(0, du_write_file(TRACEFS "/events/droppable/enable", "1"));
	return true;
}

struct trace_sum {
	long long events, pages;	/* of the test's own memory */
	long long cgroup_ok, reclaimer_ok, comm_ok;
	char caller[128];
};

/* A " key=value" field of a trace line into @buf; 0 if found. */
static int trace_field(const char *line, const char *key, char *buf, size_t n)
{
	char k[48];
	const char *s;
	size_t i = 0;

	snprintf(k, sizeof(k), " %s=", key);
	s = strstr(line, k);
	if (!s)
		return -1;
	s += strlen(k);
	while (*s && *s != ' ' && *s != '\n' && i + 1 < n)
		buf[i++] = *s++;
	buf[i] = 0;
	return 0;
}

/*
 * Sum the @event lines of the trace buffer whose @pidkey is the test's pid:
 * their count, their pages (nr_pages, or 2^order), how many name the test's
 * cgroup, the reclaimer (or reason) @want and the test's comm.
 */
static struct trace_sum trace_sum(const char *event, const char *pidkey,
				  const char *wantkey, const char *want,
				  unsigned long long cgid)
{
	struct trace_sum t = { 0 };
	char line[512], v[128], tag[64], comm[32] = "";
	FILE *f = fopen(TRACEFS "/trace", "r");
	FILE *c = fopen("/proc/self/comm", "r");

	if (c) {
		if (fgets(comm, sizeof(comm), c))
			comm[strcspn(comm, "\n")] = 0;
		fclose(c);
	}
	if (!f)
		return t;
	snprintf(tag, sizeof(tag), " %s: ", event);
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, tag))
			continue;
		if (trace_field(line, pidkey, v, sizeof(v)) || atoi(v) != getpid())
			continue;
		t.events++;
		if (!trace_field(line, "nr_pages", v, sizeof(v)))
			t.pages += atoll(v);
		else if (!trace_field(line, "order", v, sizeof(v)))
			t.pages += 1LL << atoi(v);
		if (!trace_field(line, "cgroup", v, sizeof(v)) &&
		    strtoull(v, NULL, 10) == cgid)
			t.cgroup_ok++;
		if (wantkey && !trace_field(line, wantkey, v, sizeof(v)) &&
		    !strcmp(v, want))
			t.reclaimer_ok++;
		if (!trace_field(line, "comm", v, sizeof(v)) && !strcmp(v, comm))
			t.comm_ok++;
		if (!t.caller[0] && !trace_field(line, "caller", v, sizeof(v)))
			snprintf(t.caller, sizeof(t.caller), "%s", v);
	}
	fclose(f);
	return t;
}

static unsigned long long cgroup_id(struct du_cgroup *cg)
{
	struct stat st;

	return stat(cg->path, &st) ? 0 : (unsigned long long)st.st_ino;
}

TEST_F(obs, trace_mark_and_drop)
{
	const long long pages = OBS_MIB * MiB / du_page_size();
	unsigned long long cgid = cgroup_id(&self->cg);
	struct trace_sum mark, drop;
	long long dropped;

	REQUIRE_COUNTERS();
	if (!trace_start(_metadata, self))
		return;
	ASSERT_NE(NULL, obs_map(_metadata, self, OBS_MIB));
	du_cg_reclaim(&self->cg, self->len);
	dropped = zero_pages(self->p, self->len);
	du_write_file(TRACEFS "/events/droppable/enable", "0");

	mark = trace_sum("droppable_mark", "tgid", NULL, NULL, cgid);
	drop = trace_sum("droppable_drop", "tgid", "reclaimer", "proactive", cgid);
	TH_LOG("mark: %lld events, %lld pages (of %lld); drop: %lld events, %lld pages (dropped %lld), %lld proactive, %lld in cgroup %llu",
	       mark.events, mark.pages, pages, drop.events, drop.pages, dropped,
	       drop.reclaimer_ok, drop.cgroup_ok, cgid);
	EXPECT_EQ(pages, mark.pages);
	EXPECT_EQ(mark.events, mark.cgroup_ok);
	EXPECT_EQ(mark.events, mark.comm_ok);
	ASSERT_GT(dropped, 0);
	EXPECT_EQ(dropped, drop.pages);
	/* Dropped by the test's own write to memory.reclaim. */
	EXPECT_EQ(drop.events, drop.reclaimer_ok);
	EXPECT_EQ(drop.events, drop.cgroup_ok);
	EXPECT_EQ(drop.events, drop.comm_ok);
	drop = trace_sum("droppable_drop", "reclaimer_pid", NULL, NULL, cgid);
	EXPECT_EQ(dropped, drop.pages);
}

TEST_F(obs, trace_pageout_reclaimer)
{
	struct trace_sum drop;

	REQUIRE_COUNTERS();
	if (!trace_start(_metadata, self))
		return;
	ASSERT_NE(NULL, obs_map(_metadata, self, OBS_MIB));
	ASSERT_EQ(0, madvise(self->p, self->len, MADV_PAGEOUT));
	du_write_file(TRACEFS "/events/droppable/enable", "0");
	drop = trace_sum("droppable_drop", "tgid", "reclaimer", "pageout",
			 cgroup_id(&self->cg));
	TH_LOG("MADV_PAGEOUT: %lld drop events, %lld pages, %lld with reclaimer=pageout",
	       drop.events, drop.pages, drop.reclaimer_ok);
	EXPECT_EQ((long long)(self->len / du_page_size()), drop.pages);
	EXPECT_EQ(drop.events, drop.reclaimer_ok);
}

TEST_F(obs, trace_keep_reason)
{
	struct trace_sum keep;
	long long half_pages;

	REQUIRE_COUNTERS();
	if (!trace_start(_metadata, self))
		return;
	ASSERT_NE(NULL, obs_map(_metadata, self, OBS_MIB));
	splice_half(_metadata, self);
	half_pages = self->len / 2 / du_page_size();
	du_cg_reclaim(&self->cg, self->len);
	du_write_file(TRACEFS "/events/droppable/enable", "0");
	keep = trace_sum("droppable_keep", "reclaimer_pid", "reason", "busy",
			 cgroup_id(&self->cg));
	TH_LOG("keep: %lld events, %lld pages, %lld with reason=busy (spliced %lld pages)",
	       keep.events, keep.pages, keep.reclaimer_ok, half_pages);
	EXPECT_GE(keep.pages, half_pages);
	EXPECT_EQ(keep.events, keep.reclaimer_ok);
	EXPECT_EQ(keep.events, keep.cgroup_ok);
}

TEST_F(obs, trace_dirty_on_unpin)
{
	const size_t ps = du_page_size();
	struct iovec local, remote;
	struct trace_sum dirty;
	char *buf;

	REQUIRE_COUNTERS();
	if (!trace_start(_metadata, self))
		return;
	ASSERT_NE(NULL, obs_map(_metadata, self, OBS_MIB));
	buf = malloc(self->len);
	ASSERT_NE(NULL, buf);
	memset(buf, 7, self->len);
	local.iov_base = buf;
	local.iov_len = self->len;
	remote.iov_base = self->p;
	remote.iov_len = self->len;
	/* Pins the droppable pages, writes them, unpins them dirty. */
	ASSERT_EQ((ssize_t)self->len,
		  process_vm_writev(getpid(), &local, 1, &remote, 1, 0));
	du_write_file(TRACEFS "/events/droppable/enable", "0");
	free(buf);
	dirty = trace_sum("droppable_dirty", "pid", NULL, NULL, 0);
	TH_LOG("dirty: %lld events, %lld pages, first caller %s",
	       dirty.events, dirty.pages, dirty.caller);
	EXPECT_EQ((long long)(self->len / ps), dirty.pages);
	EXPECT_NE(NULL, strstr(dirty.caller, "unpin"));
}

TEST_HARNESS_MAIN
