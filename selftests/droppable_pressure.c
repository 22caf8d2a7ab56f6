// SPDX-License-Identifier: GPL-2.0
/*
 * Mixed memory pressure, kswapd-driven: does the kernel drop droppable
 * memory before it swaps anonymous memory out?
 *
 *   droppable_pressure [-r runs] [-d droppable_mib] [-o over_mib]
 *                      [-c chunk_mib] [-p pause_ms] [-l lru]
 *
 * Each run, with zram swap on /dev/zram0 and the page cache dropped first:
 *
 *   - process D maps droppable_mib (default: a quarter of MemTotal) of
 *     MAP_DROPPABLE memory, writes every page and then only watches it: a
 *     thread counts its resident pages with mincore() every 5 ms into a
 *     shared counter;
 *   - process A then writes plain anonymous memory, chunk_mib (4) at a
 *     time with pause_ms (2) between chunks so that kswapd, woken at the
 *     low watermark, does most of the reclaim, until it holds MemAvailable
 *     (read before D starts) + over_mib (128) MiB: more than fits even
 *     without D, so all of D's memory must go, and then some anonymous
 *     memory must be swapped out;
 *   - this process samples /proc/vmstat and D's counter every 5 ms.
 *
 * Droppable memory is the cheapest memory there is to reclaim (no I/O, no
 * swap space), so the goal is that nothing is swapped out while any of it
 * is resident.  Per run:
 *
 *   swapout_while_resident_mib  pswpout over the sampling intervals at the
 *                               end of which D still had resident pages
 *   resident_at_first_swapout_mib  D's resident memory at the end of the
 *                               first interval in which pswpout rose (0 if
 *                               nothing was swapped out)
 *   dropped_mib                 D's memory that was dropped by the end
 *   swapout_mib                 all pswpout of the run
 *   steal_kswapd_mib, steal_direct_mib  pgsteal_kswapd / pgsteal_direct
 *
 * -l classic|mglru|both (default both) runs the whole set on the classic
 * LRU, on MGLRU (/sys/kernel/mm/lru_gen/enabled), or on each in turn;
 * names get a _classic / _mglru suffix.
 *
 * Output (GiB = 2^30, MiB = 2^20 bytes), machine-readable, like
 * droppable_bench's:
 *   INFO <key> <value>
 *   RUN <lru> <run> <key> <value> ...
 *   RESULT pressure_<key>_<lru> MiB <median> <min> <max> <n>
 *   SKIP pressure_<lru> <reason>
 * Numbers are reported, never judged.  Exit status: 0 if every run ran, 4
 * if the set cannot run here (not root, no zram, no MAP_DROPPABLE, no
 * MGLRU for -l mglru), 1 on an error.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include "droppable_util.h"

#define MAX_RUNS	101
#define SAMPLE_US	5000
#define LRU_GEN		"/sys/kernel/mm/lru_gen/enabled"
#define ZRAM_MIB	2048
#define GOLDEN		0x9e3779b97f4a7c15ULL

enum { K_SWAP_RES, K_RES_FIRST, K_DROPPED, K_SWAPOUT, K_KSWAPD, K_DIRECT, NR_K };
static const char *const key_name[NR_K] = {
	"swapout_while_resident_mib", "resident_at_first_swapout_mib",
	"dropped_mib", "swapout_mib", "steal_kswapd_mib", "steal_direct_mib",
};

/* Shared with the children (MAP_SHARED). */
struct shared {
	long resident;		/* D's resident pages */
	int d_ready;		/* D has written its memory */
	int a_done;		/* A holds all it wanted */
	int go;			/* A may start */
};

/* The fields are shared between processes: access them atomically. */
#define GET(f)		__atomic_load_n(&sh->f, __ATOMIC_ACQUIRE)
#define SET(f, v)	__atomic_store_n(&sh->f, (v), __ATOMIC_RELEASE)

static struct shared *sh;
static size_t ps;
static long d_mib = -1, over_mib = 128, chunk_mib = 4, pause_ms = 2;

static double mib_of_pages(long long pages)
{
	return pages * (double)ps / MiB;
}

struct watch {
	unsigned char *vec;
	char *p;
	size_t len;
};

static void *watch_resident(void *arg)
{
	struct watch *w = arg;
	size_t i, n = w->len / ps;
	long r;

	for (;;) {
		if (mincore(w->p, w->len, w->vec))
			_exit(3);
		for (i = 0, r = 0; i < n; i++)
			r += w->vec[i] & 1;
		SET(resident, r);
		usleep(SAMPLE_US);
	}
	return NULL;
}

/* Process D: droppable memory, written once, then watched. */
static void droppable_proc(void)
{
	struct watch w = { .len = d_mib * MiB };
	pthread_t t;

	w.p = du_map_droppable(w.len);
	w.vec = malloc(w.len / ps);
	if (w.p == MAP_FAILED || !w.vec)
		_exit(2);
	du_fill(w.p, w.len, 1);
	if (pthread_create(&t, NULL, watch_resident, &w))
		_exit(2);
	while (GET(resident) < (long)(w.len / ps) / 2)
		usleep(1000);
	SET(d_ready, 1);
	for (;;)
		pause();
}

/* Process A: plain anonymous memory, @mib MiB, chunk by chunk. */
static void anon_proc(long mib)
{
	size_t chunk = chunk_mib * MiB;
	struct timespec ts = { 0, pause_ms * 1000000L };
	long done;

	while (!GET(go))
		usleep(1000);
	for (done = 0; done < mib; done += chunk_mib) {
		char *p = mmap(NULL, chunk, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			_exit(2);
		/* Neither zero- nor same-filled: zram must store it. */
		for (size_t off = 0; off < chunk; off += 512)
			*(uint64_t *)(p + off) = (done * MiB + off) * GOLDEN;
		if (pause_ms)
			nanosleep(&ts, NULL);
	}
	SET(a_done, 1);
	for (;;)
		pause();
}

static pid_t spawn(void (*fn)(long), long arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fn(arg);
		_exit(0);
	}
	return pid;
}

static void d_entry(long unused)
{
	(void)unused;
	droppable_proc();
}

/* Whether child @pid has died (and reap it). */
static bool died(pid_t pid)
{
	int st;

	return waitpid(pid, &st, WNOHANG) == pid;
}

static void stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* One run; fills @v[NR_K].  Returns 0, or -1 with a message. */
static int run_once(double v[NR_K])
{
	long long swap0, ks0, dr0, swap_prev, swap, res_swap = 0;
	long d_pages = d_mib * MiB / ps, res, avail_mib, a_mib;
	bool first_seen = false;
	pid_t d, a = -1;
	int ret = -1, i;

	sync();
	du_write_file("/proc/sys/vm/drop_caches", "3");
	memset(sh, 0, sizeof(*sh));
	/* What fits without D: A takes that and over_mib more. */
	avail_mib = du_meminfo_kb("MemAvailable") / 1024;
	a_mib = avail_mib + over_mib;
	d = spawn(d_entry, 0);
	if (d < 0) {
		perror("fork");
		return -1;
	}
	for (i = 0; !GET(d_ready); i++) {
		if (died(d) || i > 600 * 100) {
			fprintf(stderr, "droppable_pressure: the droppable process failed to start\n");
			d = -1;
			goto out;
		}
		usleep(10000);
	}
	a = spawn(anon_proc, a_mib);
	if (a < 0) {
		perror("fork");
		goto out;
	}
	swap0 = du_vmstat("pswpout");
	swap_prev = swap0;
	ks0 = du_vmstat("pgsteal_kswapd");
	dr0 = du_vmstat("pgsteal_direct");
	v[K_RES_FIRST] = 0;	/* no swap-out, none while resident */
	SET(go, 1);
	while (!GET(a_done)) {
		if (died(a)) {
			fprintf(stderr, "droppable_pressure: the anonymous process died (OOM killed?)\n");
			a = -1;
			goto out;
		}
		if (died(d)) {
			fprintf(stderr, "droppable_pressure: the droppable process died (OOM killed?)\n");
			d = -1;
			goto out;
		}
		usleep(SAMPLE_US);
		swap = du_vmstat("pswpout");
		res = GET(resident);
		if (swap > swap_prev && res > 0)
			res_swap += swap - swap_prev;
		if (swap > swap_prev && !first_seen) {
			first_seen = true;
			v[K_RES_FIRST] = mib_of_pages(res);
		}
		swap_prev = swap;
	}
	/* Let D's watcher see the final state. */
	usleep(4 * SAMPLE_US);
	swap = du_vmstat("pswpout");
	v[K_SWAP_RES] = mib_of_pages(res_swap);
	v[K_DROPPED] = mib_of_pages(d_pages - GET(resident));
	v[K_SWAPOUT] = mib_of_pages(swap - swap0);
	v[K_KSWAPD] = mib_of_pages(du_vmstat("pgsteal_kswapd") - ks0);
	v[K_DIRECT] = mib_of_pages(du_vmstat("pgsteal_direct") - dr0);
	fprintf(stderr, "droppable_pressure: anonymous %ld MiB (MemAvailable %ld + %ld) beside %ld MiB droppable\n",
		a_mib, avail_mib, over_mib, d_mib);
	ret = 0;
out:
	stop(a);
	stop(d);
	return ret;
}

static void result(const char *key, const char *lru, double *v, int n)
{
	double min, max, med = du_median(v, n, &min, &max);

	printf("RESULT pressure_%s_%s MiB %.1f %.1f %.1f %d\n", key, lru, med,
	       min, max, n);
}

/* All runs on one LRU.  Returns 0, 1 on error, 4 if it cannot run here. */
static int run_set(const char *lru, int runs)
{
	static double v[NR_K][MAX_RUNS];
	double one[NR_K];
	int r, k;

	if (du_write_file(LRU_GEN, "%s", strcmp(lru, "mglru") ? "n" : "y")) {
		if (!strcmp(lru, "mglru")) {
			printf("SKIP pressure_%s cannot switch MGLRU on (%s: %s)\n",
			       lru, LRU_GEN, strerror(errno));
			return 4;
		}
	}
	/* One warm-up run, not counted. */
	for (r = -1; r < runs; r++) {
		if (run_once(one))
			return 1;
		if (r < 0)
			continue;
		printf("RUN %s %d", lru, r + 1);
		for (k = 0; k < NR_K; k++) {
			v[k][r] = one[k];
			printf(" %s %.1f", key_name[k], one[k]);
		}
		printf("\n");
	}
	for (k = 0; k < NR_K; k++)
		result(key_name[k], lru, v[k], runs);
	return 0;
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-r runs] [-d droppable_mib] [-o over_mib] [-c chunk_mib] [-p pause_ms] [-l classic|mglru|both]\n",
		argv0);
	exit(1);
}

int main(int argc, char **argv)
{
	const char *lru = "both";
	char lru_orig[16] = "";
	int runs = 5, c, ret = 0, ds;
	struct utsname u;
	long total_mib;

	while ((c = getopt(argc, argv, "r:d:o:c:p:l:h")) != -1) {
		switch (c) {
		case 'r':
			runs = atoi(optarg);
			break;
		case 'd':
			d_mib = atol(optarg);
			break;
		case 'o':
			over_mib = atol(optarg);
			break;
		case 'c':
			chunk_mib = atol(optarg);
			break;
		case 'p':
			pause_ms = atol(optarg);
			break;
		case 'l':
			lru = optarg;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc || runs < 1 || runs > MAX_RUNS || over_mib < 0 ||
	    chunk_mib < 1 || pause_ms < 0 || (d_mib != -1 && d_mib < 1) ||
	    (strcmp(lru, "classic") && strcmp(lru, "mglru") && strcmp(lru, "both")))
		usage(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	ps = du_page_size();
	total_mib = du_meminfo_kb("MemTotal") / 1024;
	if (d_mib == -1)
		d_mib = total_mib / 4;

	uname(&u);
	printf("INFO uname %s\n", u.release);
	printf("INFO mem_mib %ld\n", total_mib);
	printf("INFO runs %d\n", runs);
	printf("INFO droppable_mib %ld\n", d_mib);
	printf("INFO over_mib %ld\n", over_mib);
	printf("INFO chunk_mib %ld\n", chunk_mib);
	printf("INFO pause_ms %ld\n", pause_ms);
	printf("INFO swappiness %lld\n", du_read_num("/proc/sys/vm/swappiness"));

	if (geteuid()) {
		printf("SKIP pressure not root: needs zram swap and drop_caches\n");
		return 4;
	}
	ds = du_droppable_supported();
	if (ds != 1) {
		printf("SKIP pressure MAP_DROPPABLE %s\n",
		       ds ? strerror(errno) : "not supported");
		return 4;
	}
	if (du_swap_on(ZRAM_MIB)) {
		printf("SKIP pressure no zram swap\n");
		return 4;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (du_read_file(LRU_GEN, lru_orig, sizeof(lru_orig)))
		lru_orig[0] = 0;
	if (strcmp(lru, "mglru"))
		ret = run_set("classic", runs);
	if (!ret && strcmp(lru, "classic"))
		ret = run_set("mglru", runs);
	if (lru_orig[0])
		du_write_file(LRU_GEN, "%s", strtoul(lru_orig, NULL, 0) ? "y" : "n");
	du_swap_off();
	return ret;
}
