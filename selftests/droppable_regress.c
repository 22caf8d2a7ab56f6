// SPDX-License-Identifier: GPL-2.0
/*
 * What the reclaim policy for droppable memory costs workloads that do not
 * use it: one scenario per invocation, figures as "key value" lines, for
 * kernel/scripts/reclaim.sh (make reclaim) to compare between kernels.
 *
 *   droppable_regress -s files -d DIR
 *   droppable_regress -s SCENARIO [-l classic|mglru] [-d DIR] [-t hot_secs]
 *
 * "files" creates the files the page-cache scenarios read (DIR/big:
 * MemTotal * 1.25, DIR/half: MemTotal / 2, DIR/f256, DIR/f128), on a real
 * block filesystem that the caller has mounted at DIR; the other runs only
 * read them.  Scenarios (zram swap of 1 GiB, swappiness 100, the page
 * cache dropped first; the LRU set with -l):
 *
 *   1a   anonymous memory, MemTotal * 1.25, written; then a 64 MiB hot
 *        subset re-touched for hot_secs (10)
 *   1b   DIR/big read once, then DIR/half read twice
 *   1c   in a memcg at memory.max 384 MiB: 256 MiB anonymous written, then
 *        DIR/f256 read four times
 *   2i   1a, with 16 MiB of written droppable memory spliced into 16 pipes
 *        of 1 MiB (vmsplice) by an unprivileged process
 *   2ii  1a, with 16 MiB of droppable memory registered as an io_uring
 *        fixed buffer (pinned) by an unprivileged process
 *   3i   parent cgroup P with A (256 MiB droppable, written) and bystander
 *        B (DIR/f128 re-read in a loop, 256 MiB anonymous written once);
 *        pressure: an anonymous writer in the root cgroup
 *        (MemAvailable + 256 MiB)
 *   3ii  the same; pressure: P's memory.max lowered to its usage - 256 MiB
 *   4    256 MiB droppable bound to node 0, anonymous memory of node 1's
 *        size * 1.25 written bound to node 1 (hot_secs / 2 hot)
 *   5    in a memcg at memory.max 256 MiB: a hot droppable set (32 MiB,
 *        PROT_READ|PROT_WRITE|PROT_EXEC, a marker in every page, checked
 *        every 2 ms by a thread, which rewrites and counts markers found
 *        zero) beside DIR/half (4 x the memcg) read once through the same
 *        memcg
 *
 * Output: INFO lines, then "key value" lines: /proc/vmstat deltas over the
 * measured phase (pgscan_kswapd, pgscan_direct, pgsteal_kswapd,
 * pgsteal_direct, pswpout, allocstall (all zones), workingset_refault_file,
 * workingset_refault_anon, oom_kill), PSI memory some/full total deltas
 * (psi_some_us, psi_full_us; psi 0 if the kernel has no PSI), the pages
 * kswapd reclaimed from the vmscan:mm_vmscan_lru_shrink_inactive
 * tracepoint (kswapd_anon, kswapd_file; per node: kswapdN_anon/_file),
 * the workload's throughput_mib_s and scenario keys, and "ok 1" last.
 * Exit status: 0, 4 if the scenario cannot run here (SKIP line), 1 on an
 * error (ERROR line).
 */
#include <dirent.h>
#include <getopt.h>
#include <grp.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <linux/mempolicy.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include "droppable_util.h"

#define LRU_GEN		"/sys/kernel/mm/lru_gen/enabled"
#define TRACEFS		"/sys/kernel/tracing"
#define RECORD_CMD	TRACEFS "/options/record-cmd"
#define INSTANCE	TRACEFS "/instances/droppable_regress"
#define EVENT		INSTANCE "/events/vmscan/mm_vmscan_lru_shrink_inactive"
#define PSI_MEMORY	"/proc/pressure/memory"
#define SWAP_MIB	1024
#define HOT_MIB		64
#define PINNED_MIB	16UL
#define PIPE_MIB	1UL
#define CACHE_MIB	256	/* scenario 3: A's droppable memory */
#define B_FILE		"f128"
#define B_ANON_MIB	256
#define NUMA_MIB	256
#define HOTSET_MIB	32
#define HOTSET_US	2000
#define MAX_NODES	8
#define CHUNK		(1UL << 20)
#define GOLDEN		0x9e3779b97f4a7c15ULL
#define NOBODY		65534

/* The /proc/vmstat counters reported as deltas. */
static const char *const vm_keys[] = {
	"pgscan_kswapd", "pgscan_direct", "pgsteal_kswapd", "pgsteal_direct",
	"pswpout", "pswpin", "workingset_refault_file",
	"workingset_refault_anon", "oom_kill", "allocstall_dma",
	"allocstall_dma32", "allocstall_normal", "allocstall_movable",
	"allocstall_device",
};

#define NR_VM	(sizeof(vm_keys) / sizeof(vm_keys[0]))

struct snap {
	long long vm[NR_VM];
	long long psi_some, psi_full;	/* microseconds, -1: no PSI */
};

/* Between this process and its children (MAP_SHARED). */
struct shared {
	int ready_a, ready_b, ready_w, stop, count, counted, failed;
	double write_secs, hot_secs;
	long long write_mib, hot_passes;
	long long b_read_bytes, b_passes;
	long long a_dropped_pages;
	long long drops, corrupt, checks;
	double stream_secs;
	long long stream_bytes;
	char why[160];
};

#define GET(f)		__atomic_load_n(&sh->f, __ATOMIC_ACQUIRE)
#define SET(f, v)	__atomic_store_n(&sh->f, (v), __ATOMIC_RELEASE)
#define ADD(f, v)	__atomic_add_fetch(&sh->f, (v), __ATOMIC_ACQ_REL)

static struct shared *sh;
static size_t ps;
static const char *dir = "/run/regress-fs";
static int hot_secs = 10;
static long total_mib;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A child's failure: the reason for the parent, and the exit. */
static void __attribute__((noreturn, format(printf, 1, 2)))
child_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sh->why, sizeof(sh->why), fmt, ap);
	va_end(ap);
	SET(failed, 1);
	_exit(2);
}

static pid_t spawn(void (*fn)(long), long arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(3);
		fn(arg);
		_exit(0);
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

static bool died(pid_t pid, int *status)
{
	return waitpid(pid, status, WNOHANG) == pid;
}

static void describe_death(const char *who, int st)
{
	if (GET(failed))
		printf("ERROR %s: %s\n", who, sh->why);
	else if (WIFSIGNALED(st))
		printf("ERROR %s killed by signal %d%s\n", who, WTERMSIG(st),
		       WTERMSIG(st) == SIGKILL ? " (OOM killed?)" : "");
	else
		printf("ERROR %s exited with status %d\n", who, WEXITSTATUS(st));
}

/*
 * Wait until @flag (a field of *sh) is set by a child; fail if one of the
 * @n children dies first.  Returns 0 or -1 with an ERROR line.
 */
static int wait_flag(int *flag, pid_t *pids, const char *const *who, int n)
{
	int st, i;

	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < n; i++) {
			if (pids[i] > 0 && died(pids[i], &st)) {
				describe_death(who[i], st);
				pids[i] = -1;
				return -1;
			}
		}
		usleep(10000);
	}
	return 0;
}

/* ---- counters ---------------------------------------------------------- */

static void read_psi(struct snap *s)
{
	char line[256], kind[8];
	unsigned long long total;
	FILE *f = fopen(PSI_MEMORY, "r");

	s->psi_some = -1;
	s->psi_full = -1;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *t = strstr(line, "total=");

		if (!t || sscanf(line, "%7s", kind) != 1)
			continue;
		total = strtoull(t + 6, NULL, 10);
		if (!strcmp(kind, "some"))
			s->psi_some = total;
		else if (!strcmp(kind, "full"))
			s->psi_full = total;
	}
	fclose(f);
}

static void take(struct snap *s)
{
	char name[128];
	long long val;
	size_t i;
	FILE *f = fopen("/proc/vmstat", "r");

	for (i = 0; i < NR_VM; i++)
		s->vm[i] = 0;
	if (f) {
		while (fscanf(f, "%127s %lld", name, &val) == 2)
			for (i = 0; i < NR_VM; i++)
				if (!strcmp(name, vm_keys[i]))
					s->vm[i] = val;
		fclose(f);
	}
	read_psi(s);
}

static void print_deltas(const struct snap *a, const struct snap *b)
{
	long long stall = 0;
	size_t i;

	for (i = 0; i < NR_VM; i++) {
		long long d = b->vm[i] - a->vm[i];

		if (!strncmp(vm_keys[i], "allocstall_", 11))
			stall += d;
		else
			printf("%s %lld\n", vm_keys[i], d);
	}
	printf("allocstall %lld\n", stall);
	if (a->psi_some >= 0 && b->psi_some >= 0) {
		printf("psi 1\n");
		printf("psi_some_us %lld\n", b->psi_some - a->psi_some);
		printf("psi_full_us %lld\n", b->psi_full - a->psi_full);
	} else {
		printf("psi 0\n");
	}
}

/* ---- the vmscan tracepoint, read live from our own instance ------------ */

struct trace_state {
	pthread_t thread;
	int fd, stopping, running;
	long record_cmd;
	int kswapd_pid[64], kswapd_node[64], nr_kswapd;
	long long anon[MAX_NODES], file[MAX_NODES];	/* by kswapd's node */
	long long events, lost;
	char part[2048];
	size_t plen;
};

static struct trace_state tr;

/* The pids of the kswapd threads and their nodes ("kswapd<N>"). */
static void find_kswapd(void)
{
	struct dirent *de;
	DIR *d = opendir("/proc");
	char path[64], comm[32];
	int node;

	tr.nr_kswapd = 0;
	if (!d)
		return;
	while ((de = readdir(d)) && tr.nr_kswapd < 64) {
		int pid = atoi(de->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		if (du_read_file(path, comm, sizeof(comm)))
			continue;
		if (sscanf(comm, "kswapd%d", &node) != 1 || node < 0 ||
		    node >= MAX_NODES)
			continue;
		tr.kswapd_pid[tr.nr_kswapd] = pid;
		tr.kswapd_node[tr.nr_kswapd++] = node;
	}
	closedir(d);
}

static long long tr_field(const char *s, const char *key)
{
	const char *p = strstr(s, key);

	return p ? atoll(p + strlen(key)) : 0;
}

/* "  <comm>-<pid>  [cpu] ...: mm_vmscan_lru_shrink_inactive: nid=..." */
static void trace_line(char *line)
{
	char *ev = strstr(line, "mm_vmscan_lru_shrink_inactive:");
	char *bracket, *dash;
	int pid, i;

	if (strstr(line, "LOST") && strstr(line, "EVENTS")) {
		tr.lost += atoll(strstr(line, "LOST") + 5);
		return;
	}
	if (!ev)
		return;
	tr.events++;
	bracket = strstr(line, " [");
	if (!bracket || bracket > ev)
		return;
	*bracket = 0;
	dash = strrchr(line, '-');
	pid = dash ? atoi(dash + 1) : -1;
	for (i = 0; i < tr.nr_kswapd; i++) {
		int n = tr.kswapd_node[i];

		if (tr.kswapd_pid[i] != pid)
			continue;
		if (strstr(ev, "RECLAIM_WB_ANON"))
			tr.anon[n] += tr_field(ev, " nr_reclaimed=");
		else
			tr.file[n] += tr_field(ev, " nr_reclaimed=");
		break;
	}
}

static void trace_consume(const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			tr.part[tr.plen] = 0;
			trace_line(tr.part);
			tr.plen = 0;
		} else if (tr.plen < sizeof(tr.part) - 1) {
			tr.part[tr.plen++] = buf[i];
		}
	}
}

static void *trace_reader(void *arg)
{
	static char buf[65536];
	struct pollfd pfd = { .fd = tr.fd, .events = POLLIN };

	(void)arg;
	for (;;) {
		ssize_t n = read(tr.fd, buf, sizeof(buf));

		if (n > 0) {
			trace_consume(buf, n);
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			break;
		if (__atomic_load_n(&tr.stopping, __ATOMIC_ACQUIRE))
			break;
		poll(&pfd, 1, 100);
	}
	return NULL;
}

static int trace_start(void)
{
	memset(&tr, 0, sizeof(tr));
	tr.fd = -1;
	find_kswapd();
	if (access(TRACEFS "/instances", W_OK))
		return -1;
	rmdir(INSTANCE);
	if (mkdir(INSTANCE, 0755))
		return -1;
	/*
	 * With record-cmd on, enabling the first event also hooks
	 * sched_switch, i.e. rewrites code the other vCPU runs, which has
	 * crashed TCG guests (README.md, "The guest").  kswapd is recognised
	 * by its pid, not by the recorded comm.
	 */
	tr.record_cmd = du_read_num(RECORD_CMD);
	if (tr.record_cmd > 0)
		du_write_file(RECORD_CMD, "0");
	tr.fd = open(INSTANCE "/trace_pipe", O_RDONLY | O_NONBLOCK);
	if (tr.fd < 0 || du_write_file(INSTANCE "/buffer_size_kb", "4096") ||
	    du_write_file(EVENT "/enable", "1"))
		goto fail;
	if (pthread_create(&tr.thread, NULL, trace_reader, NULL))
		goto fail;
	tr.running = 1;
	return 0;
fail:
	if (tr.fd >= 0)
		close(tr.fd);
	tr.fd = -1;
	rmdir(INSTANCE);
	if (tr.record_cmd > 0)
		du_write_file(RECORD_CMD, "%ld", tr.record_cmd);
	return -1;
}

/* Events overwritten before the reader saw them, from per_cpu stats. */
static long long trace_overruns(void)
{
	char path[128], buf[1024], *p;
	long long n = 0;

	for (int cpu = 0; cpu < 256; cpu++) {
		snprintf(path, sizeof(path), INSTANCE "/per_cpu/cpu%d/stats", cpu);
		if (du_read_file(path, buf, sizeof(buf)))
			break;
		p = strstr(buf, "overrun:");
		if (p)
			n += atoll(p + 8);
		p = strstr(buf, "dropped events:");
		if (p)
			n += atoll(p + 15);
	}
	return n;
}

static void trace_stop(void)
{
	long long anon = 0, file = 0;
	int i, n;

	if (!tr.running)
		return;
	du_write_file(EVENT "/enable", "0");
	/* Let the reader drain what is buffered, then stop it. */
	usleep(300 * 1000);
	__atomic_store_n(&tr.stopping, 1, __ATOMIC_RELEASE);
	pthread_join(tr.thread, NULL);
	tr.lost += trace_overruns();
	close(tr.fd);
	rmdir(INSTANCE);
	if (tr.record_cmd > 0)
		du_write_file(RECORD_CMD, "%ld", tr.record_cmd);
	tr.running = 0;
	for (n = 0; n < MAX_NODES; n++) {
		anon += tr.anon[n];
		file += tr.file[n];
	}
	printf("kswapd_anon %lld\n", anon);
	printf("kswapd_file %lld\n", file);
	for (i = 0; i < tr.nr_kswapd; i++) {
		n = tr.kswapd_node[i];
		printf("kswapd%d_anon %lld\n", n, tr.anon[n]);
		printf("kswapd%d_file %lld\n", n, tr.file[n]);
	}
	printf("trace_events %lld\n", tr.events);
	printf("trace_lost %lld\n", tr.lost);
}

/* ---- cgroups ------------------------------------------------------------ */

static int cg_make(char *path, size_t len, const char *parent, const char *name)
{
	snprintf(path, len, "%s/%s", parent, name);
	if (mkdir(path, 0755) && errno != EEXIST) {
		printf("ERROR mkdir %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int cg_set(const char *cg, const char *file, const char *fmt, long long v)
{
	char path[320];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	if (du_write_file(path, fmt, v)) {
		printf("ERROR write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int cg_write(const char *cg, const char *file, const char *str)
{
	char path[320];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	if (du_write_file(path, "%s", str)) {
		printf("ERROR write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static long long cg_stat(const char *cg, const char *key)
{
	char path[320];

	snprintf(path, sizeof(path), "%s/memory.stat", cg);
	return du_read_key(path, key);
}

static long long cg_num(const char *cg, const char *file)
{
	char path[320];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return du_read_num(path);
}

static void cg_remove(const char *cg)
{
	if (!cg[0])
		return;
	/* A cgroup with no task left can be removed; retry briefly. */
	for (int i = 0; i < 50 && rmdir(cg) && errno == EBUSY; i++)
		usleep(100 * 1000);
}

/* The memory.stat figures reported for a cgroup, with @prefix. */
static const char *const cg_keys[] = {
	"pgscan", "pgsteal", "workingset_refault_file", "workingset_refault_anon",
};

#define NR_CG	(sizeof(cg_keys) / sizeof(cg_keys[0]))

static void cg_take(const char *cg, long long v[NR_CG])
{
	for (size_t i = 0; i < NR_CG; i++)
		v[i] = cg_stat(cg, cg_keys[i]);
}

static void cg_print(const char *prefix, const long long a[NR_CG],
		     const long long b[NR_CG])
{
	for (size_t i = 0; i < NR_CG; i++)
		printf("%s_%s %lld\n", prefix, cg_keys[i], b[i] - a[i]);
}

/* ---- workloads ---------------------------------------------------------- */

static int join(const char *cg)
{
	return cg ? du_cgroup_join(cg) : 0;
}

/* Write the first word of every page of [p, p + len), timed. */
static double write_pages(char *p, size_t len, uint64_t seed)
{
	double t0 = now();

	for (size_t off = 0; off < len; off += ps)
		*(volatile uint64_t *)(p + off) = (seed + off) * GOLDEN;
	return now() - t0;
}

/* Read @path from start to end; returns the bytes read, or -1. */
static long long read_file(const char *path)
{
	static char *buf;
	long long total = 0;
	ssize_t n;
	int fd;

	if (!buf) {
		buf = malloc(CHUNK);
		if (!buf)
			return -1;
	}
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, CHUNK)) > 0)
		total += n;
	close(fd);
	return n < 0 ? -1 : total;
}

static int bind_node(void *p, size_t len, int node)
{
	unsigned long mask = 1UL << node;

	if (p)
		return syscall(SYS_mbind, p, len, MPOL_BIND, &mask,
			       sizeof(mask) * 8, 0);
	return syscall(SYS_set_mempolicy, MPOL_BIND, &mask, sizeof(mask) * 8);
}

/*
 * The anonymous writer: arg = MiB | node << 32 (node + 1, 0: unbound) |
 * hold << 40 (wait for sh->stop after writing, no hot phase).
 */
#define W_NODE(n)	((long)((n) + 1) << 32)
#define W_HOLD		(1L << 40)

static int writer_hot_secs;

static void writer(long arg)
{
	size_t len = (arg & 0xffffffffL) * MiB;
	int node = (int)((arg >> 32) & 0xff) - 1;
	char *p;
	double t0;

	if (node >= 0 && bind_node(NULL, 0, node))
		child_fail("set_mempolicy(MPOL_BIND, node %d): %s", node, strerror(errno));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		child_fail("mmap %zu MiB: %s", len / MiB, strerror(errno));
	sh->write_secs = write_pages(p, len, 1);
	sh->write_mib = len / MiB;
	SET(ready_w, 1);
	if (arg & W_HOLD) {
		while (!GET(stop))
			usleep(10000);
		_exit(0);
	}
	t0 = now();
	while (now() - t0 < writer_hot_secs) {
		for (size_t off = 0; off < HOT_MIB * MiB && off < len; off += ps)
			p[off]++;
		sh->hot_passes++;
	}
	sh->hot_secs = now() - t0;
	_exit(0);
}

/* Run the writer to its end; returns 0 or -1 with an ERROR line. */
static int run_writer(long arg)
{
	pid_t pid = spawn(writer, arg);
	int st;

	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		printf("ERROR fork/wait: %s\n", strerror(errno));
		return -1;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		describe_death("the anonymous writer", st);
		return -1;
	}
	return 0;
}

static void print_writer(void)
{
	double w = sh->write_secs > 0 ? sh->write_mib / sh->write_secs : 0;

	printf("write_mib %lld\n", sh->write_mib);
	printf("write_mib_s %.1f\n", w);
	if (sh->hot_secs > 0) {
		printf("hot_mib_s %.1f\n", sh->hot_passes * (double)HOT_MIB / sh->hot_secs);
		printf("hot_secs %.1f\n", sh->hot_secs);
	}
	printf("throughput_mib_s %.1f\n", w);
}

/* Become an unprivileged user (with @memlock_mib of RLIMIT_MEMLOCK). */
static void unprivileged(unsigned long memlock_mib)
{
	struct rlimit rl = { memlock_mib * MiB, memlock_mib * MiB };

	if (memlock_mib && setrlimit(RLIMIT_MEMLOCK, &rl))
		child_fail("setrlimit(RLIMIT_MEMLOCK): %s", strerror(errno));
	if (getuid() == 0 &&
	    (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY)))
		child_fail("setuid(%d): %s", NOBODY, strerror(errno));
}

/* 2i: droppable memory held by pipe buffers (vmsplice). */
static void holder_pipes(long unused)
{
	size_t len = PINNED_MIB * MiB;
	char *p;

	(void)unused;
	unprivileged(0);
	p = du_map_droppable(len);
	if (p == MAP_FAILED)
		child_fail("MAP_DROPPABLE: %s", strerror(errno));
	write_pages(p, len, 7);
	for (size_t off = 0; off < len; off += PIPE_MIB * MiB) {
		struct iovec iov = { p + off, PIPE_MIB * MiB };
		int fds[2];

		if (pipe(fds))
			child_fail("pipe: %s", strerror(errno));
		if (fcntl(fds[1], F_SETPIPE_SZ, (int)(PIPE_MIB * MiB)) < 0)
			child_fail("F_SETPIPE_SZ %lu MiB: %s", PIPE_MIB, strerror(errno));
		while (iov.iov_len) {
			ssize_t n = vmsplice(fds[1], &iov, 1, 0);

			if (n <= 0)
				child_fail("vmsplice: %s", n ? strerror(errno) : "0 bytes");
			iov.iov_base = (char *)iov.iov_base + n;
			iov.iov_len -= n;
		}
	}
	SET(ready_a, 1);
	for (;;)
		pause();
}

/* 2ii: droppable memory registered as an io_uring fixed buffer. */
static void holder_uring(long unused)
{
	size_t len = PINNED_MIB * MiB;
	struct io_uring ring;
	struct iovec iov;
	char *p;
	int ret;

	(void)unused;
	unprivileged(4 * PINNED_MIB);
	p = du_map_droppable(len);
	if (p == MAP_FAILED)
		child_fail("MAP_DROPPABLE: %s", strerror(errno));
	write_pages(p, len, 7);
	ret = io_uring_queue_init(4, &ring, 0);
	if (ret)
		child_fail("io_uring_queue_init: %s", strerror(-ret));
	iov.iov_base = p;
	iov.iov_len = len;
	ret = io_uring_register_buffers(&ring, &iov, 1);
	if (ret)
		child_fail("io_uring_register_buffers: %s", strerror(-ret));
	SET(ready_a, 1);
	for (;;)
		pause();
}

/* Scenario 3's A, and 4's droppable memory: arg = MiB | node (W_NODE). */
static void droppable_cache(long arg)
{
	size_t len = (arg & 0xffffffffL) * MiB;
	int node = (int)((arg >> 32) & 0xff) - 1;
	char *p;
	long long zero;

	p = du_map_droppable(len);
	if (p == MAP_FAILED)
		child_fail("MAP_DROPPABLE: %s", strerror(errno));
	if (node >= 0 && bind_node(p, len, node))
		child_fail("mbind(MPOL_BIND, node %d): %s", node, strerror(errno));
	write_pages(p, len, 3);
	SET(ready_a, 1);
	while (!GET(count))
		usleep(10000);
	zero = 0;
	for (size_t off = 0; off < len; off += ps)
		zero += *(volatile uint64_t *)(p + off) == 0;
	sh->a_dropped_pages = zero;
	SET(counted, 1);
	for (;;)
		pause();
}

static char b_file[300];

/* Scenario 3's bystander: cold anonymous memory, a hot file re-read. */
static void bystander(long unused)
{
	size_t len = B_ANON_MIB * MiB;
	char *p;

	(void)unused;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		child_fail("mmap: %s", strerror(errno));
	write_pages(p, len, 5);
	for (;;) {
		long long n = read_file(b_file);

		if (n < 0)
			child_fail("read %s: %s", b_file, strerror(errno));
		ADD(b_read_bytes, n);
		if (ADD(b_passes, 1) == 2)
			SET(ready_b, 1);
	}
}

/* ---- scenarios ---------------------------------------------------------- */

static struct snap s0, s1;

static void measure_begin(void)
{
	take(&s0);
	if (trace_start())
		printf("INFO trace unavailable: %s\n", strerror(errno));
}

static void measure_end(void)
{
	trace_stop();
	take(&s1);
	print_deltas(&s0, &s1);
}

static int scen_anon(int holder)
{
	static const char *const who[] = { "the droppable holder" };
	pid_t h = -1;
	int ret;

	if (holder) {
		h = spawn(holder == 1 ? holder_pipes : holder_uring, 0);
		if (wait_flag(&sh->ready_a, &h, who, 1))
			return -1;
	}
	writer_hot_secs = hot_secs;
	measure_begin();
	ret = run_writer(total_mib * 5 / 4);
	measure_end();
	if (h > 0 && died(h, &(int){0})) {
		printf("ERROR the droppable holder died during the run\n");
		ret = -1;
	}
	stop_child(h);
	if (!ret)
		print_writer();
	return ret;
}

static int scen_stream(void)
{
	char big[300], half[300];
	long long n, total = 0;
	double t0, t1, t2;

	snprintf(big, sizeof(big), "%s/big", dir);
	snprintf(half, sizeof(half), "%s/half", dir);
	measure_begin();
	t0 = now();
	n = read_file(big);
	t1 = now();
	total += n;
	for (int i = 0; i < 2 && n >= 0; i++) {
		n = read_file(half);
		total += n;
	}
	t2 = now();
	measure_end();
	if (n < 0) {
		printf("ERROR reading %s: %s\n", dir, strerror(errno));
		return -1;
	}
	printf("read_mib %lld\n", total / (long long)MiB);
	printf("big_mib_s %.1f\n", (t1 - t0) > 0 ? (total - 2 * n) / MiB / (t1 - t0) : 0);
	printf("half_mib_s %.1f\n", (t2 - t1) > 0 ? 2.0 * n / MiB / (t2 - t1) : 0);
	printf("throughput_mib_s %.1f\n", total / (double)MiB / (t2 - t0));
	return 0;
}

static char c_path[256];

/* 1c's workload in its memcg: anonymous memory, then a file re-read. */
static void memcg_mixed(long unused)
{
	size_t len = 256 * MiB;
	char f[300];
	double t0;
	char *p;

	(void)unused;
	if (join(c_path))
		child_fail("join %s: %s", c_path, strerror(errno));
	snprintf(f, sizeof(f), "%s/f256", dir);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		child_fail("mmap: %s", strerror(errno));
	sh->write_secs = write_pages(p, len, 9);
	sh->write_mib = len / MiB;
	t0 = now();
	for (int i = 0; i < 4; i++) {
		long long n = read_file(f);

		if (n < 0)
			child_fail("read %s: %s", f, strerror(errno));
		sh->stream_bytes += n;
	}
	sh->stream_secs = now() - t0;
	SET(ready_w, 1);
	for (;;)
		pause();
}

static int scen_memcg(void)
{
	static const char *const who[] = { "the memcg workload" };
	long long a[NR_CG], b[NR_CG], swap;
	pid_t pid;
	int ret = -1;
	double t0, t1, file_s;

	snprintf(c_path, sizeof(c_path), CGROOT "/regress-1c-%d", getpid());
	du_write_file(CGROOT "/cgroup.subtree_control", "+memory");
	if (cg_make(c_path, sizeof(c_path), CGROOT, c_path + strlen(CGROOT) + 1) ||
	    cg_set(c_path, "memory.max", "%lld", 384LL * MiB))
		return -1;
	cg_take(c_path, a);
	measure_begin();
	t0 = now();
	pid = spawn(memcg_mixed, 0);
	ret = wait_flag(&sh->ready_w, &pid, who, 1);
	t1 = now();
	cg_take(c_path, b);
	swap = cg_num(c_path, "memory.swap.current");
	measure_end();
	stop_child(pid);
	cg_remove(c_path);
	if (ret)
		return -1;
	cg_print("cg", a, b);
	printf("cg_swap_current_kib %lld\n", swap / 1024);
	file_s = sh->stream_secs > 0 ? sh->stream_bytes / (double)MiB / sh->stream_secs : 0;
	printf("write_mib_s %.1f\n", sh->write_secs > 0 ? sh->write_mib / sh->write_secs : 0);
	printf("read_mib_s %.1f\n", file_s);
	printf("throughput_mib_s %.1f\n",
	       (sh->write_mib + sh->stream_bytes / (double)MiB) / (t1 - t0));
	return 0;
}

static int scen_bystander(int parent_limit)
{
	static const char *const who[] = { "cgroup A's droppable cache", "bystander B", "the writer" };
	char p_path[256] = "", a_path[300] = "", b_path[300] = "";
	long long a[NR_CG], b[NR_CG], bytes0, bytes1, cur, swap, swap0;
	pid_t pids[3] = { -1, -1, -1 };
	double t0, t1, limit_secs = 0;
	int ret = -1;

	snprintf(b_file, sizeof(b_file), "%s/%s", dir, B_FILE);
	snprintf(p_path, sizeof(p_path), CGROOT "/regress-3-%d", getpid());
	du_write_file(CGROOT "/cgroup.subtree_control", "+memory");
	if (cg_make(p_path, sizeof(p_path), CGROOT, p_path + strlen(CGROOT) + 1) ||
	    cg_write(p_path, "cgroup.subtree_control", "+memory") ||
	    cg_make(a_path, sizeof(a_path), p_path, "a") ||
	    cg_make(b_path, sizeof(b_path), p_path, "b"))
		goto out;
	/* A and B join their cgroups from here: a child inherits them. */
	if (join(a_path))
		goto join_fail;
	pids[0] = spawn(droppable_cache, CACHE_MIB);
	if (join(b_path))
		goto join_fail;
	pids[1] = spawn(bystander, 0);
	join(CGROOT);
	if (wait_flag(&sh->ready_a, pids, who, 2) ||
	    wait_flag(&sh->ready_b, pids, who, 2))
		goto out;
	cg_take(b_path, a);
	swap0 = cg_num(b_path, "memory.swap.current");
	bytes0 = GET(b_read_bytes);
	measure_begin();
	t0 = now();
	if (parent_limit) {
		cur = cg_num(p_path, "memory.current");
		printf("parent_current_mib %lld\n", cur / (long long)MiB);
		printf("parent_max_mib %lld\n", cur / (long long)MiB - 256);
		if (cg_set(p_path, "memory.max", "%lld", cur - 256LL * MiB))
			goto out_measure;
		limit_secs = now() - t0;
	} else {
		long avail = du_meminfo_kb("MemAvailable") / 1024;

		printf("writer_mib %ld\n", avail + 256);
		pids[2] = spawn(writer, (avail + 256) | W_HOLD);
		if (wait_flag(&sh->ready_w, pids, who, 3))
			goto out_measure;
	}
	/* B goes on under the pressure for a while. */
	sleep(hot_secs / 2 > 0 ? hot_secs / 2 : 1);
	for (int i = 0; i < 3; i++) {
		int st;

		if (pids[i] > 0 && died(pids[i], &st)) {
			describe_death(who[i], st);
			pids[i] = -1;
			goto out_measure;
		}
	}
	t1 = now();
	bytes1 = GET(b_read_bytes);
	cg_take(b_path, b);
	swap = cg_num(b_path, "memory.swap.current");
	ret = 0;
out_measure:
	measure_end();
	if (!ret) {
		SET(count, 1);
		for (int i = 0; i < 500 && !GET(counted); i++)
			usleep(10000);
		cg_print("b", a, b);
		printf("b_swap_current_kib %lld\n", swap / 1024);
		printf("b_swap_delta_kib %lld\n", (swap - swap0) / 1024);
		printf("b_read_mib %lld\n", (bytes1 - bytes0) / (long long)MiB);
		printf("a_dropped_mib %.1f\n", GET(counted) ?
		       sh->a_dropped_pages * (double)ps / MiB : -1.0);
		if (parent_limit)
			printf("limit_write_secs %.2f\n", limit_secs);
		else
			printf("write_mib_s %.1f\n", sh->write_secs > 0 ?
			       sh->write_mib / sh->write_secs : 0);
		printf("throughput_mib_s %.1f\n", (bytes1 - bytes0) / (double)MiB / (t1 - t0));
	}
	goto out;
join_fail:
	printf("ERROR joining a cgroup: %s\n", strerror(errno));
	join(CGROOT);
out:
	SET(stop, 1);
	for (int i = 0; i < 3; i++)
		stop_child(pids[i]);
	cg_remove(a_path);
	cg_remove(b_path);
	cg_remove(p_path);
	return ret;
}

static long node_mib(int node)
{
	char path[96], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", node);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "MemTotal:");

		if (p) {
			kb = strtol(p + 9, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb < 0 ? -1 : kb / 1024;
}

static int scen_numa(void)
{
	static const char *const who[] = { "the droppable memory on node 0" };
	long n1 = node_mib(1);
	pid_t d;
	int ret;

	if (n1 <= 0 || node_mib(0) <= 0) {
		printf("SKIP 4 needs NUMA nodes 0 and 1\n");
		return 4;
	}
	d = spawn(droppable_cache, NUMA_MIB | W_NODE(0));
	if (wait_flag(&sh->ready_a, &d, who, 1))
		return -1;
	writer_hot_secs = hot_secs / 2;
	printf("node1_mib %ld\n", n1);
	measure_begin();
	ret = run_writer((n1 * 5 / 4) | W_NODE(1));
	measure_end();
	SET(count, 1);
	for (int i = 0; i < 500 && !GET(counted); i++)
		usleep(10000);
	printf("droppable_dropped_mib %.1f\n", GET(counted) ?
	       sh->a_dropped_pages * (double)ps / MiB : -1.0);
	stop_child(d);
	if (!ret)
		print_writer();
	return ret;
}

static char h_path[256];
static char *hotset;

static void *hot_checker(void *arg)
{
	size_t n = HOTSET_MIB * MiB / ps;

	(void)arg;
	while (!GET(stop)) {
		for (size_t i = 0; i < n; i++) {
			volatile uint64_t *w = (volatile uint64_t *)(hotset + i * ps);
			uint64_t want = (i + 1) * GOLDEN;
			uint64_t v = *w;

			if (v == want)
				continue;
			if (v == 0)
				ADD(drops, 1);
			else
				ADD(corrupt, 1);
			*w = want;
		}
		ADD(checks, 1);
		usleep(HOTSET_US);
	}
	return NULL;
}

/* 5: the hot droppable set and the file stream, in one memcg. */
static void hot_and_stream(long unused)
{
	size_t n = HOTSET_MIB * MiB / ps;
	pthread_t t;
	char f[300];
	double t0;

	(void)unused;
	if (join(h_path))
		child_fail("join %s: %s", h_path, strerror(errno));
	hotset = mmap(NULL, HOTSET_MIB * MiB, PROT_READ | PROT_WRITE | PROT_EXEC,
		      MAP_DROPPABLE | MAP_ANONYMOUS, -1, 0);
	if (hotset == MAP_FAILED)
		child_fail("MAP_DROPPABLE PROT_EXEC: %s", strerror(errno));
	for (size_t i = 0; i < n; i++)
		*(volatile uint64_t *)(hotset + i * ps) = (i + 1) * GOLDEN;
	if (pthread_create(&t, NULL, hot_checker, NULL))
		child_fail("pthread_create");
	snprintf(f, sizeof(f), "%s/half", dir);
	SET(ready_a, 1);
	while (!GET(ready_b))
		usleep(1000);
	t0 = now();
	sh->stream_bytes = read_file(f);
	if (sh->stream_bytes < 0)
		child_fail("read %s: %s", f, strerror(errno));
	sh->stream_secs = now() - t0;
	SET(stop, 1);
	pthread_join(t, NULL);
	SET(ready_w, 1);
	for (;;)
		pause();
}

static int scen_hotset(void)
{
	static const char *const who[] = { "the hot set and stream" };
	long long a[NR_CG], b[NR_CG];
	pid_t pid;
	int ret;

	snprintf(h_path, sizeof(h_path), CGROOT "/regress-5-%d", getpid());
	du_write_file(CGROOT "/cgroup.subtree_control", "+memory");
	if (cg_make(h_path, sizeof(h_path), CGROOT, h_path + strlen(CGROOT) + 1) ||
	    cg_set(h_path, "memory.max", "%lld", 256LL * MiB))
		return -1;
	pid = spawn(hot_and_stream, 0);
	if (wait_flag(&sh->ready_a, &pid, who, 1)) {
		cg_remove(h_path);
		return -1;
	}
	cg_take(h_path, a);
	measure_begin();
	SET(ready_b, 1);
	ret = wait_flag(&sh->ready_w, &pid, who, 1);
	cg_take(h_path, b);
	measure_end();
	stop_child(pid);
	cg_remove(h_path);
	if (ret)
		return -1;
	cg_print("cg", a, b);
	printf("hot_drops %lld\n", sh->drops);
	printf("hot_corrupt %lld\n", sh->corrupt);
	printf("hot_checks %lld\n", sh->checks);
	printf("read_mib %lld\n", sh->stream_bytes / (long long)MiB);
	printf("throughput_mib_s %.1f\n", sh->stream_secs > 0 ?
	       sh->stream_bytes / (double)MiB / sh->stream_secs : 0);
	return 0;
}

/* ---- setup -------------------------------------------------------------- */

static int make_file(const char *name, long mib)
{
	char path[300];
	static char buf[CHUNK];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!stat(path, &st) && st.st_size == mib * (long long)MiB)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		printf("ERROR create %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (long i = 0; i < mib; i++) {
		if (write(fd, buf, CHUNK) != (ssize_t)CHUNK) {
			printf("ERROR write %s: %s\n", path, strerror(errno));
			close(fd);
			return -1;
		}
	}
	if (fsync(fd) || close(fd)) {
		printf("ERROR fsync %s: %s\n", path, strerror(errno));
		return -1;
	}
	printf("file_%s_mib %ld\n", name, mib);
	return 0;
}

static int make_files(void)
{
	double t0 = now();

	if (make_file("big", total_mib * 5 / 4) || make_file("half", total_mib / 2) ||
	    make_file("f256", 256) || make_file(B_FILE, 128))
		return 1;
	printf("files_secs %.1f\n", now() - t0);
	printf("ok 1\n");
	return 0;
}

static const char *const scenarios[] = {
	"1a", "1b", "1c", "2i", "2ii", "3i", "3ii", "4", "5",
};

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s -s files|1a|1b|1c|2i|2ii|3i|3ii|4|5\n"
		"       [-l classic|mglru] [-d dir] [-t hot_secs]\n", argv0);
	exit(1);
}

int main(int argc, char **argv)
{
	const char *scen = NULL, *lru = NULL;
	char lru_orig[16] = "";
	struct utsname u;
	int c, ret, known = 0;
	size_t i;

	while ((c = getopt(argc, argv, "s:l:d:t:h")) != -1) {
		switch (c) {
		case 's':
			scen = optarg;
			break;
		case 'l':
			lru = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		case 't':
			hot_secs = atoi(optarg);
			break;
		default:
			usage(argv[0]);
		}
	}
	if (!scen || optind != argc || hot_secs < 1 ||
	    (lru && strcmp(lru, "classic") && strcmp(lru, "mglru")))
		usage(argv[0]);
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		known |= !strcmp(scen, scenarios[i]);
	if (!known && strcmp(scen, "files"))
		usage(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	ps = du_page_size();
	total_mib = du_meminfo_kb("MemTotal") / 1024;
	uname(&u);
	printf("INFO uname %s\n", u.release);
	printf("INFO mem_mib %ld\n", total_mib);
	printf("scenario %s\n", scen);
	if (geteuid()) {
		printf("SKIP %s needs root (swap, cgroups, tracefs)\n", scen);
		return 4;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		printf("ERROR mmap: %s\n", strerror(errno));
		return 1;
	}
	if (!strcmp(scen, "files"))
		return make_files();
	if (strcmp(scen, "1a") && strcmp(scen, "1b") && strcmp(scen, "1c") &&
	    du_droppable_supported() != 1) {
		printf("SKIP %s MAP_DROPPABLE not supported\n", scen);
		return 4;
	}
	if (du_read_file(LRU_GEN, lru_orig, sizeof(lru_orig)))
		lru_orig[0] = 0;
	if (lru && du_write_file(LRU_GEN, "%s", strcmp(lru, "mglru") ? "n" : "y") &&
	    !strcmp(lru, "mglru")) {
		printf("SKIP %s cannot switch MGLRU on: %s\n", scen, strerror(errno));
		return 4;
	}
	printf("lru %s\n", lru ? lru : "default");
	if (du_swap_on(SWAP_MIB)) {
		printf("ERROR no zram swap\n");
		return 1;
	}
	du_write_file("/proc/sys/vm/swappiness", "100");
	sync();
	du_write_file("/proc/sys/vm/drop_caches", "3");
	if (!strcmp(scen, "1a"))
		ret = scen_anon(0);
	else if (!strcmp(scen, "2i"))
		ret = scen_anon(1);
	else if (!strcmp(scen, "2ii"))
		ret = scen_anon(2);
	else if (!strcmp(scen, "1b"))
		ret = scen_stream();
	else if (!strcmp(scen, "1c"))
		ret = scen_memcg();
	else if (!strcmp(scen, "3i"))
		ret = scen_bystander(0);
	else if (!strcmp(scen, "3ii"))
		ret = scen_bystander(1);
	else if (!strcmp(scen, "4"))
		ret = scen_numa();
	else
		ret = scen_hotset();
	du_swap_off();
	if (lru && lru_orig[0])
		du_write_file(LRU_GEN, "%s", strtoul(lru_orig, NULL, 0) ? "y" : "n");
	if (ret == 4)
		return 4;
	if (ret) {
		printf("ERROR scenario %s failed\n", scen);
		return 1;
	}
	printf("ok 1\n");
	return 0;
}
