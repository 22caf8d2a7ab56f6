// SPDX-License-Identifier: GPL-2.0
/*
 * The rest of the machine: droppable memory that reclaim cannot drop, or
 * that lives in another cgroup, must not change how everybody else's
 * memory is reclaimed.
 *
 * kswapd_pinned: a process holds 16 MiB of written droppable memory spliced
 *   into pipes with vmsplice() (the pipe buffers hold references, so none
 *   of it can be dropped), another writes more anonymous memory than the
 *   machine has and re-touches a hot subset.  kswapd must go on reclaiming
 *   anonymous memory: at least a quarter of what it reclaims in the same
 *   run without the pinned droppable memory (a policy that makes every
 *   lruvec file-only while any droppable memory exists reclaims none).
 * min_ttl_no_oom: the same with MGLRU's thrashing protection
 *   (/sys/kernel/mm/lru_gen/min_ttl_ms = 1000), and on the classic LRU: no
 *   OOM kill, the writer survives, its excess memory is swapped out.
 * bystander_not_file_only: under a common parent, cgroup A holds droppable
 *   memory and cgroup B only anonymous memory; memory.reclaim on the parent
 *   must scan B's anonymous memory at the normal priorities, not only at
 *   priority 0.
 * pinned_own_cgroup: droppable memory that cannot be dropped beside
 *   anonymous memory in the same cgroup: reclaim swaps the anonymous
 *   memory at the normal priorities.
 *
 * Reclaim is watched with the vmscan:mm_vmscan_lru_shrink_inactive
 * tracepoint in a tracefs instance of this test's own.
 */
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include "kselftest_harness.h"
#include "droppable_util.h"

#define PINNED_MIB	16UL
#define PIPE_MIB	1UL
#define HOT_MIB		64UL
#define HOT_SECS	5
#define TRACEFS		"/sys/kernel/tracing"
#define INSTANCE	TRACEFS "/instances/droppable_others"
#define EVENT		INSTANCE "/events/vmscan/mm_vmscan_lru_shrink_inactive"

/* What mm_vmscan_lru_shrink_inactive reported, in pages */
struct shrink_sum {
	long long kswapd_anon, kswapd_file;	/* reclaimed by kswapd */
	long long pid_anon_scanned_prio;	/* anon scanned by @pid, prio > 0 */
	long long pid_anon_scanned_prio0;	/* ... at priority 0 */
	long long events;
};

static int trace_start(void)
{
	if (access(TRACEFS "/instances", W_OK))
		return -1;
	rmdir(INSTANCE);
	if (mkdir(INSTANCE, 0755))
		return -1;
	if (du_write_file(INSTANCE "/buffer_size_kb", "8192") ||
	    du_write_file(EVENT "/enable", "1")) {
		rmdir(INSTANCE);
		return -1;
	}
	return 0;
}

static long long field(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p ? atoll(p + strlen(key)) : -1;
}

/* Stop tracing and sum the events (@pid: the task to watch, or 0). */
static int trace_stop(struct shrink_sum *s, pid_t pid)
{
	char line[1024];
	FILE *f;

	memset(s, 0, sizeof(*s));
	du_write_file(EVENT "/enable", "0");
	f = fopen(INSTANCE "/trace", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *bracket = strstr(line, " [");
		char *dash;
		long long scanned, reclaimed, prio;
		int anon;
		pid_t who;

		if (line[0] == '#' || !bracket ||
		    !strstr(line, "mm_vmscan_lru_shrink_inactive:"))
			continue;
		*bracket = 0;
		dash = strrchr(line, '-');
		who = dash ? atoi(dash + 1) : -1;
		*bracket = ' ';
		scanned = field(bracket, " nr_scanned=");
		reclaimed = field(bracket, " nr_reclaimed=");
		prio = field(bracket, " priority=");
		anon = !!strstr(bracket, "RECLAIM_WB_ANON");
		s->events++;
		if (strstr(line, "kswapd") && strstr(line, "kswapd") < bracket) {
			if (anon)
				s->kswapd_anon += reclaimed;
			else
				s->kswapd_file += reclaimed;
		}
		if (pid && who == pid && anon) {
			if (prio > 0)
				s->pid_anon_scanned_prio += scanned;
			else
				s->pid_anon_scanned_prio0 += scanned;
		}
	}
	fclose(f);
	rmdir(INSTANCE);
	return 0;
}

static int set_mglru(int on)
{
	if (access("/sys/kernel/mm/lru_gen/enabled", W_OK))
		return on ? -1 : 0;
	return du_write_file("/sys/kernel/mm/lru_gen/enabled", on ? "y" : "n");
}

static int set_min_ttl(int ms)
{
	if (access("/sys/kernel/mm/lru_gen/min_ttl_ms", W_OK))
		return ms ? -1 : 0;
	return du_write_file("/sys/kernel/mm/lru_gen/min_ttl_ms", "%d", ms);
}

/* Become an unprivileged user, as anybody who could abuse this could. */
static void drop_privileges(void)
{
	if (getuid() == 0 && (setgid(65534) || setuid(65534)))
		_exit(90);
}

/*
 * A child that maps @mib MiB of droppable memory, writes it, and with
 * @pin splices all of it into pipes, then says so on @ready and waits to
 * be killed.  Returns its pid, or -1.
 */
static pid_t start_droppable_holder(unsigned long mib, int pin)
{
	int ready[2];
	pid_t pid;
	char c;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		size_t len = mib * MiB;
		char *p;

		close(ready[0]);
		drop_privileges();
		p = du_map_droppable(len);
		if (p == MAP_FAILED)
			_exit(91);
		du_fill(p, len, 1);
		for (size_t off = 0; pin && off < len; off += PIPE_MIB * MiB) {
			struct iovec iov;
			int fds[2];

			if (pipe(fds) ||
			    fcntl(fds[1], F_SETPIPE_SZ, (int)(PIPE_MIB * MiB)) < 0)
				_exit(92);
			iov.iov_base = p + off;
			iov.iov_len = PIPE_MIB * MiB;
			while (iov.iov_len) {
				ssize_t n = vmsplice(fds[1], &iov, 1, 0);

				if (n <= 0)
					_exit(93);
				iov.iov_base = (char *)iov.iov_base + n;
				iov.iov_len -= n;
			}
		}
		if (write(ready[1], "r", 1) != 1)
			_exit(94);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(ready[0]);
	return pid;
}

/*
 * A child that writes @mib MiB of anonymous memory and then waits to be
 * killed, leaving it cold.  Returns its pid, or -1.
 */
static pid_t start_anon_holder(unsigned long mib)
{
	pid_t pid = fork();

	if (!pid) {
		size_t len = mib * MiB;
		char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			_exit(95);
		du_fill(m, len, 1);
		for (;;)
			pause();
	}
	return pid;
}

static void stop_child(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/*
 * Write @mib MiB of anonymous memory, then re-touch its first HOT_MIB for
 * HOT_SECS seconds, in a child; return its wait status.
 */
static int run_writer(unsigned long mib)
{
	int status = -1;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		size_t len = mib * MiB, ps = du_page_size();
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		time_t end;

		if (p == MAP_FAILED)
			_exit(95);
		du_fill(p, len, 1);
		end = time(NULL) + HOT_SECS;
		while (time(NULL) < end)
			for (size_t off = 0; off < HOT_MIB * MiB; off += ps)
				p[off]++;
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return status;
}

struct pressure {
	struct shrink_sum t;
	long long oom_kill, pswpout, scan_kswapd, scan_direct, pageoutrun;
	int status;
};

/*
 * One run: with @pinned, 16 MiB of pinned droppable memory held by an
 * unprivileged process, then the writer of MemTotal + 25% of anonymous
 * memory.
 */
static void pressure_run(struct __test_metadata *_metadata,
			 struct pressure *r, int pinned)
{
	unsigned long mib = du_meminfo_kb("MemTotal") / 1024 * 5 / 4;
	long long oom = du_vmstat("oom_kill"), out = du_vmstat("pswpout");
	long long sk = du_vmstat("pgscan_kswapd");
	long long sd = du_vmstat("pgscan_direct");
	long long po = du_vmstat("pageoutrun");
	pid_t holder = 0;

	memset(r, 0, sizeof(*r));
	if (pinned) {
		holder = start_droppable_holder(PINNED_MIB, 1);
		ASSERT_GT(holder, 0) TH_LOG("the droppable holder did not start");
	}
	ASSERT_EQ(0, trace_start()) TH_LOG("no tracefs instance for vmscan events");
	r->status = run_writer(mib);
	trace_stop(&r->t, 0);
	stop_child(holder);
	r->oom_kill = du_vmstat("oom_kill") - oom;
	r->pswpout = du_vmstat("pswpout") - out;
	r->scan_kswapd = du_vmstat("pgscan_kswapd") - sk;
	r->scan_direct = du_vmstat("pgscan_direct") - sd;
	r->pageoutrun = du_vmstat("pageoutrun") - po;
	TH_LOG("%s: writer of %lu MiB %s; kswapd reclaimed anon %lld file %lld; pgscan_kswapd %lld pgscan_direct %lld pageoutrun %lld pswpout %lld oom_kill %lld",
	       pinned ? "16 MiB pinned droppable" : "no droppable", mib,
	       WIFEXITED(r->status) && !WEXITSTATUS(r->status) ? "done" : "failed",
	       r->t.kswapd_anon, r->t.kswapd_file, r->scan_kswapd,
	       r->scan_direct, r->pageoutrun, r->pswpout, r->oom_kill);
}

static void require(struct __test_metadata *_metadata, int need_droppable)
{
	int s = du_droppable_supported();

	if (need_droppable && s == 0)
		SKIP(return, "MAP_DROPPABLE not supported by this kernel");
	if (access(TRACEFS "/instances", W_OK))
		SKIP(return, "no tracefs at " TRACEFS);
}

FIXTURE(others) {
	int swap;
	int lru_set;
};

FIXTURE_VARIANT(others) {
	int mglru;
	int min_ttl_ms;
};

FIXTURE_VARIANT_ADD(others, classic_lru) {
	.mglru = 0,
	.min_ttl_ms = 0,
};

FIXTURE_VARIANT_ADD(others, mglru) {
	.mglru = 1,
	.min_ttl_ms = 0,
};

FIXTURE_VARIANT_ADD(others, mglru_min_ttl) {
	.mglru = 1,
	.min_ttl_ms = 1000,
};

FIXTURE_SETUP(others)
{
	memset(self, 0, sizeof(*self));
	require(_metadata, 1);
	if (set_mglru(variant->mglru))
		SKIP(return, "MGLRU not available (CONFIG_LRU_GEN)");
	self->lru_set = 1;
	if (set_min_ttl(variant->min_ttl_ms))
		SKIP(return, "no /sys/kernel/mm/lru_gen/min_ttl_ms");
	ASSERT_EQ(0, du_swap_on(1024));
	self->swap = 1;
	du_write_file("/proc/sys/vm/swappiness", "100");
	du_write_file("/proc/sys/vm/drop_caches", "3");
}

FIXTURE_TEARDOWN(others)
{
	if (self->swap)
		du_swap_off();
	if (self->lru_set) {
		set_min_ttl(0);
		set_mglru(0);
	}
	du_write_file("/proc/sys/vm/swappiness", "60");
}

TEST_F_TIMEOUT(others, kswapd_pinned, 600)
{
	struct pressure none, pinned;

	if (variant->min_ttl_ms)
		SKIP(return, "min_ttl_no_oom runs this variant");
	pressure_run(_metadata, &none, 0);
	pressure_run(_metadata, &pinned, 1);
	ASSERT_TRUE(WIFEXITED(none.status) && !WEXITSTATUS(none.status));
	ASSERT_TRUE(WIFEXITED(pinned.status) && !WEXITSTATUS(pinned.status));
	EXPECT_EQ(0, none.oom_kill);
	EXPECT_EQ(0, pinned.oom_kill);
	/* kswapd reclaimed anonymous memory without droppable memory... */
	ASSERT_GT(none.t.kswapd_anon, 0)
		TH_LOG("kswapd reclaimed no anonymous memory even without droppable memory");
	/* ... and goes on doing so with pinned droppable memory around */
	EXPECT_GE(pinned.t.kswapd_anon * 4, none.t.kswapd_anon)
		TH_LOG("kswapd anon reclaim %lld with pinned droppable memory, %lld without",
		       pinned.t.kswapd_anon, none.t.kswapd_anon);
}

TEST_F_TIMEOUT(others, min_ttl_no_oom, 600)
{
	struct pressure r;
	unsigned long over;

	if (variant->mglru && !variant->min_ttl_ms)
		SKIP(return, "kswapd_pinned runs this variant");
	pressure_run(_metadata, &r, 1);
	EXPECT_EQ(0, r.oom_kill);
	ASSERT_TRUE(WIFEXITED(r.status) && !WEXITSTATUS(r.status))
		TH_LOG("the writer did not finish: wait status %#x (killed by signal %d)",
		       r.status, WIFSIGNALED(r.status) ? WTERMSIG(r.status) : 0);
	/* What did not fit went to swap */
	over = du_meminfo_kb("MemTotal") / 4 * 1024 / du_page_size();
	EXPECT_GE(r.pswpout, (long long)over / 2)
		TH_LOG("pswpout %lld pages, the writer exceeded RAM by %lu",
		       r.pswpout, over);
}

/*
 * A parent cgroup with droppable memory in child A and anonymous memory in
 * child B: memory.reclaim on the parent scans B's anonymous memory at the
 * normal priorities.
 */
TEST_F_TIMEOUT(others, bystander_not_file_only, 600)
{
	struct du_cgroup parent = { }, a = { }, b = { };
	pid_t ha = 0, hb = 0;
	struct shrink_sum s;
	char p[300];
	int ret, err;

	if (variant->min_ttl_ms)
		SKIP(return, "one MGLRU variant is enough");
	if (access(CGROOT "/cgroup.controllers", R_OK))
		SKIP(return, "no cgroup2 at " CGROOT);
	ASSERT_EQ(0, du_cgroup_enter(&parent, "droppable_others"));
	du_cgroup_join(CGROOT);
	ASSERT_EQ(0, du_write_file(du_cg_file(&parent, "cgroup.subtree_control",
					      p, sizeof(p)), "+memory"));
	ASSERT_LT(strlen(parent.path) + 3, sizeof(a.path));
	memcpy(a.path, parent.path, strlen(parent.path));
	strcpy(a.path + strlen(parent.path), "/a");
	memcpy(b.path, parent.path, strlen(parent.path));
	strcpy(b.path + strlen(parent.path), "/b");
	ASSERT_EQ(0, mkdir(a.path, 0755));
	ASSERT_EQ(0, mkdir(b.path, 0755));

	/* A: 256 MiB of written droppable memory; B: 128 MiB of anon */
	ASSERT_EQ(0, du_cgroup_join(a.path));
	ha = start_droppable_holder(256, 0);
	ASSERT_EQ(0, du_cgroup_join(b.path));
	hb = start_anon_holder(128);
	du_cgroup_join(CGROOT);
	ASSERT_GT(ha, 0);
	ASSERT_GT(hb, 0);
	sleep(1);	/* let B's child finish writing */
	while (du_cg_stat(&b, "anon") < (long long)(120 * MiB))
		usleep(100 * 1000);

	ASSERT_EQ(0, trace_start());
	ret = du_cg_reclaim(&parent, 192 * MiB);
	err = errno;
	trace_stop(&s, getpid());
	TH_LOG("memory.reclaim 192 MiB on the parent: %s; B's anon scanned at priority > 0: %lld pages, at 0: %lld; A droppable %lld MiB, B swap %lld KiB",
	       ret ? strerror(err) : "ok", s.pid_anon_scanned_prio,
	       s.pid_anon_scanned_prio0, du_cg_stat(&a, "droppable") / (long long)MiB,
	       du_read_num(du_cg_file(&b, "memory.swap.current", p, sizeof(p))) / 1024);
	stop_child(ha);
	stop_child(hb);
	rmdir(a.path);
	rmdir(b.path);
	du_cgroup_leave(&parent);
	EXPECT_GT(s.pid_anon_scanned_prio, 0)
		TH_LOG("the bystander's anonymous memory was scanned only at priority 0");
}

/*
 * Pinned droppable memory (64 MiB, vmsplice()d) beside 128 MiB of cold
 * anonymous memory in one cgroup: memory.reclaim of 96 MiB cannot drop
 * anything, so it must scan and swap the anonymous memory at the normal
 * priorities, not only once it has reached priority 0.
 */
TEST_F_TIMEOUT(others, pinned_own_cgroup, 600)
{
	struct du_cgroup cg = { };
	pid_t holder, anon;
	struct shrink_sum s;
	char p[300];
	long long swapped;
	int ret, err;

	if (variant->min_ttl_ms)
		SKIP(return, "one MGLRU variant is enough");
	if (access(CGROOT "/cgroup.controllers", R_OK))
		SKIP(return, "no cgroup2 at " CGROOT);
	ASSERT_EQ(0, du_cgroup_enter(&cg, "droppable_others_pin"));
	holder = start_droppable_holder(64, 1);
	anon = start_anon_holder(128);
	du_cgroup_join(CGROOT);
	ASSERT_GT(holder, 0);
	ASSERT_GT(anon, 0);
	while (du_cg_stat(&cg, "anon") < (long long)(180 * MiB))
		usleep(100 * 1000);

	ASSERT_EQ(0, trace_start());
	ret = du_cg_reclaim(&cg, 96 * MiB);
	err = errno;
	trace_stop(&s, getpid());
	swapped = du_read_num(du_cg_file(&cg, "memory.swap.current", p,
					 sizeof(p)));
	TH_LOG("memory.reclaim 96 MiB: %s; anon scanned at priority > 0: %lld pages, at 0: %lld; swap %lld MiB",
	       ret ? strerror(err) : "ok", s.pid_anon_scanned_prio,
	       s.pid_anon_scanned_prio0, swapped / (long long)MiB);
	stop_child(holder);
	stop_child(anon);
	du_cgroup_leave(&cg);
	EXPECT_EQ(0, ret);
	EXPECT_GT(s.pid_anon_scanned_prio, 0)
		TH_LOG("anonymous memory was scanned only at priority 0");
	EXPECT_GE(swapped, (long long)(64 * MiB));
}

TEST_HARNESS_MAIN
