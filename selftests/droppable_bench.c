// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of MAP_DROPPABLE against its baselines on the same kernel:
 *
 *   droppable_bench [-r runs] [-s size_mib] [-w pattern]
 *
 * (defaults: 5 runs, 256 MiB, every workload; -w takes a shell pattern of
 * workload names, e.g. 'fault_*_4k', and may be given more than once).
 *
 * Workloads, each run 1 + runs times (the first run is a warm-up and is
 * discarded) in a fresh memory cgroup of its own.  The two workloads of a
 * pair (droppable and its baseline) run alternately, in turn first and
 * second (A B, B A, A B, ...), so that drift of the machine (emulation,
 * other load) hits both alike and neither always runs right after the
 * other has freed its memory.
 *
 *   fault_anon_4k         first-touch write of every page of a fresh
 *   fault_droppable_4k    MAP_PRIVATE|MAP_ANONYMOUS / MAP_DROPPABLE mapping
 *   fault_anon_thp        the same, 2 MiB aligned, MADV_HUGEPAGE
 *   fault_droppable_thp
 *   reclaim_droppable_4k  written droppable memory, dropped by writing
 *                         "<size>M" to the cgroup's memory.reclaim
 *   reclaim_lazyfree_4k   written anonymous memory after MADV_FREE, reclaimed
 *                         the same way (the clean lazyfree baseline)
 *   reclaim_droppable_thp the two above with MADV_HUGEPAGE memory
 *   reclaim_lazyfree_thp
 *   zap_dontneed_4k       MADV_DONTNEED of written anonymous memory (floor)
 *   zap_dontneed_thp      the same with MADV_HUGEPAGE memory
 *
 * Only the operation itself is timed (CLOCK_MONOTONIC): the touch loop, the
 * write to memory.reclaim, the madvise().  Reclaim throughput counts the
 * bytes actually dropped (pages that read back as zero afterwards).
 *
 * Output, one line each, machine-readable (GiB = 2^30 bytes):
 *   INFO <key> <value...>
 *   RESULT <workload> GiB/s <median> <min> <max> <n>
 *   STAT <workload> <key> <value>        (medians over the measured runs)
 *   SKIP <workload> <reason>
 *   PAIR <droppable> <baseline> <median> <min> <max> <n>
 *                                        the ratio droppable/baseline of
 *                                        each pair of runs made back to
 *                                        back (paired: drift cancels)
 * Numbers are never judged here.  Exit status: 0 if every workload ran, 4 if
 * some could not run here (no cgroup v2, no MAP_DROPPABLE), 1 on an error.
 */
#include <fnmatch.h>
#include <getopt.h>
#include <time.h>
#include <sys/utsname.h>
#include "droppable_util.h"

#define THP_SIZE	(2 * MiB)
#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"
#define MAX_RUNS	101

enum kind { FAULT, RECLAIM, ZAP };

struct workload {
	const char *name;
	enum kind kind;
	int droppable;		/* else plain anonymous */
	int thp;		/* 2 MiB aligned + MADV_HUGEPAGE */
	int lazyfree;		/* MADV_FREE before reclaim */
	int group;		/* workloads of a group run alternately */
	/* results */
	struct du_cgroup cg;
	int n;
	double gibs[MAX_RUNS];
	long long pgscan[MAX_RUNS], pgsteal[MAX_RUNS], split_pmd[MAX_RUNS];
	long long thp_alloc[MAX_RUNS], dropped_kib[MAX_RUNS];
	int eagain;
	const char *skip;
	int failed;
	int unselected;		/* not chosen by -w: neither run nor reported */
};

static struct workload wl[] = {
	{ "fault_anon_4k",         FAULT,   0, 0, 0, 1 },
	{ "fault_droppable_4k",    FAULT,   1, 0, 0, 1 },
	{ "fault_anon_thp",        FAULT,   0, 1, 0, 2 },
	{ "fault_droppable_thp",   FAULT,   1, 1, 0, 2 },
	{ "reclaim_droppable_4k",  RECLAIM, 1, 0, 0, 3 },
	{ "reclaim_lazyfree_4k",   RECLAIM, 0, 0, 1, 3 },
	{ "reclaim_droppable_thp", RECLAIM, 1, 1, 0, 4 },
	{ "reclaim_lazyfree_thp",  RECLAIM, 0, 1, 1, 4 },
	{ "zap_dontneed_4k",       ZAP,     0, 0, 0, 5 },
	{ "zap_dontneed_thp",      ZAP,     0, 1, 0, 5 },
};
#define NR_WL	(sizeof(wl) / sizeof(wl[0]))

static size_t size;		/* bytes per run */
static int have_cgroup;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double gib_per_s(size_t bytes, double secs)
{
	if (secs <= 0)
		secs = 1e-9;
	return bytes / (double)(1UL << 30) / secs;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static long long median_ll(const long long *v, int n)
{
	long long s[MAX_RUNS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_ll);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/*
 * A mapping of @len bytes for @w; with THP 2 MiB aligned (over-mapped, the
 * raw mapping returned in @raw/@rawlen for munmap) and MADV_HUGEPAGE.
 */
static char *map_for(struct workload *w, size_t len, void **raw, size_t *rawlen)
{
	size_t maplen = w->thp ? len + THP_SIZE : len;
	char *p;

	if (w->droppable)
		p = du_map_droppable(maplen);
	else
		p = mmap(NULL, maplen, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "%s: mmap of %zu bytes: %s\n", w->name, maplen,
			strerror(errno));
		return NULL;
	}
	*raw = p;
	*rawlen = maplen;
	if (w->thp) {
		p = (char *)(((uintptr_t)p + THP_SIZE - 1) & ~(THP_SIZE - 1));
		if (madvise(p, len, MADV_HUGEPAGE)) {
			fprintf(stderr, "%s: MADV_HUGEPAGE: %s\n", w->name,
				strerror(errno));
			munmap(*raw, *rawlen);
			return NULL;
		}
	}
	return p;
}

static int cg_switch(const char *path)
{
	char procs[300];

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	if (du_write_file(procs, "%d", getpid())) {
		fprintf(stderr, "cannot move into %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* One run of @w; records its numbers in slot @slot. Returns 0 or -1. */
static int run_once(struct workload *w, int slot)
{
	size_t len = size, ps = du_page_size(), dropped;
	long long scan0 = 0, steal0 = 0, split0, alloc0;
	void *raw;
	size_t rawlen;
	double t0, t1;
	char *p;
	int ret = 0, err;

	if (w->thp)
		len = size / THP_SIZE * THP_SIZE;
	p = map_for(w, len, &raw, &rawlen);
	if (!p)
		return -1;

	alloc0 = du_vmstat("thp_fault_alloc");
	switch (w->kind) {
	case FAULT:
		t0 = now();
		du_fill(p, len, 1);
		t1 = now();
		w->gibs[slot] = gib_per_s(len, t1 - t0);
		w->thp_alloc[slot] = du_vmstat("thp_fault_alloc") - alloc0;
		break;
	case ZAP:
		du_fill(p, len, 1);
		w->thp_alloc[slot] = du_vmstat("thp_fault_alloc") - alloc0;
		t0 = now();
		ret = madvise(p, len, MADV_DONTNEED);
		t1 = now();
		if (ret) {
			fprintf(stderr, "%s: MADV_DONTNEED: %s\n", w->name,
				strerror(errno));
			break;
		}
		w->gibs[slot] = gib_per_s(len, t1 - t0);
		break;
	case RECLAIM: {
		char file[300];

		du_fill(p, len, 1);
		w->thp_alloc[slot] = du_vmstat("thp_fault_alloc") - alloc0;
		if (w->lazyfree && madvise(p, len, MADV_FREE)) {
			fprintf(stderr, "%s: MADV_FREE: %s\n", w->name,
				strerror(errno));
			ret = -1;
			break;
		}
		scan0 = du_cg_stat(&w->cg, "pgscan");
		steal0 = du_cg_stat(&w->cg, "pgsteal");
		split0 = du_vmstat("thp_split_pmd");
		du_cg_file(&w->cg, "memory.reclaim", file, sizeof(file));
		t0 = now();
		ret = du_write_file(file, "%zuM", len / MiB);
		t1 = now();
		err = errno;
		if (ret && err != EAGAIN) {
			fprintf(stderr, "%s: write %zuM to %s: %s\n", w->name,
				len / MiB, file, strerror(err));
			break;
		}
		if (ret)
			w->eagain++;
		ret = 0;
		w->pgscan[slot] = du_cg_stat(&w->cg, "pgscan") - scan0;
		w->pgsteal[slot] = du_cg_stat(&w->cg, "pgsteal") - steal0;
		w->split_pmd[slot] = du_vmstat("thp_split_pmd") - split0;
		dropped = du_count_zero_pages(p, len);
		w->dropped_kib[slot] = dropped * ps / KiB;
		w->gibs[slot] = gib_per_s(dropped * ps, t1 - t0);
		break;
	}
	}
	munmap(raw, rawlen);
	return ret;
}

/*
 * For a group of one droppable workload and its baseline: the median of
 * the ratios of their runs made back to back.  Emulation drift (other load
 * on the host, a vCPU descheduled) moves both runs of a pair alike, so
 * this is steadier than the ratio of the two medians.
 */
static void report_pair(int group)
{
	struct workload *d = NULL, *b = NULL;
	double ratio[MAX_RUNS], med, min, max;
	size_t i;
	int r, n = 0;

	for (i = 0; i < NR_WL; i++) {
		struct workload *w = &wl[i];

		if (w->group != group || w->unselected)
			continue;
		if (w->skip || w->failed || !w->n)
			return;
		if (w->droppable)
			d = w;
		else
			b = w;
	}
	if (!d || !b || d->n != b->n)
		return;
	for (r = 0; r < d->n; r++)
		if (b->gibs[r] > 0)
			ratio[n++] = d->gibs[r] / b->gibs[r];
	if (!n)
		return;
	med = du_median(ratio, n, &min, &max);
	printf("PAIR %s %s %.4f %.4f %.4f %d\n", d->name, b->name, med, min, max, n);
}

static void report(struct workload *w)
{
	double med, min, max;

	if (w->skip) {
		printf("SKIP %s %s\n", w->name, w->skip);
		return;
	}
	if (w->failed || !w->n) {
		printf("SKIP %s failed, see the messages above\n", w->name);
		return;
	}
	med = du_median(w->gibs, w->n, &min, &max);
	printf("RESULT %s GiB/s %.4f %.4f %.4f %d\n", w->name, med, min, max, w->n);
	if (w->thp)
		printf("STAT %s thp_fault_alloc %lld\n", w->name,
		       median_ll(w->thp_alloc, w->n));
	if (w->kind == RECLAIM) {
		printf("STAT %s pgscan %lld\n", w->name, median_ll(w->pgscan, w->n));
		printf("STAT %s pgsteal %lld\n", w->name, median_ll(w->pgsteal, w->n));
		printf("STAT %s dropped_mib %.1f\n", w->name,
		       median_ll(w->dropped_kib, w->n) / 1024.0);
		printf("STAT %s reclaim_eagain %d\n", w->name, w->eagain ? 1 : 0);
		printf("STAT %s reclaim_eagain_runs %d\n", w->name, w->eagain);
		if (w->thp)
			printf("STAT %s thp_split_pmd %lld\n", w->name,
			       median_ll(w->split_pmd, w->n));
	}
	fflush(stdout);
}

/* Run a group of workloads alternately, warm-up first, @runs measured. */
static void run_group(int group, int runs)
{
	struct workload *w;
	char name[64];
	int r;
	size_t i, k;

	for (i = 0; i < NR_WL; i++) {
		w = &wl[i];
		if (w->group != group || w->unselected || w->skip)
			continue;
		if (have_cgroup) {
			snprintf(name, sizeof(name), "droppable_bench-%s", w->name);
			if (du_cgroup_enter(&w->cg, name)) {
				w->failed = 1;
				continue;
			}
			cg_switch(CGROOT);
		}
	}
	for (r = -1; r < runs; r++) {
		for (k = 0; k < NR_WL; k++) {
			/* Odd runs take the workloads in reverse order. */
			i = r & 1 ? NR_WL - 1 - k : k;
			w = &wl[i];
			if (w->group != group || w->unselected || w->skip ||
			    w->failed)
				continue;
			if (have_cgroup && cg_switch(w->cg.path)) {
				w->failed = 1;
				continue;
			}
			/* The warm-up run's numbers go to the slot of run 0. */
			if (run_once(w, r < 0 ? 0 : r))
				w->failed = 1;
			else if (r >= 0)
				w->n++;
			if (r < 0)
				w->eagain = 0;
			if (have_cgroup)
				cg_switch(CGROOT);
			fprintf(stderr, "droppable_bench: %s run %d%s: %.3f GiB/s\n",
				w->name, r < 0 ? 0 : r + 1, r < 0 ? " (warm-up)" : "",
				w->gibs[r < 0 ? 0 : r]);
		}
	}
	for (i = 0; i < NR_WL; i++) {
		w = &wl[i];
		if (w->group != group || w->unselected)
			continue;
		if (have_cgroup)
			du_cgroup_leave(&w->cg);
		report(w);
	}
	report_pair(group);
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-r runs] [-s size_mib] [-w pattern]...\n"
		"  -r runs      measured runs per workload, after one warm-up (default 5, max %d)\n"
		"  -s size_mib  MiB mapped per run (default 256, at least 2)\n"
		"  -w pattern   run only the workloads whose name matches (shell pattern)\n",
		argv0, MAX_RUNS);
	exit(1);
}

int main(int argc, char **argv)
{
	char thp_orig[128] = "", *b, *e;
	struct utsname u;
	int runs = 5, c, skipped = 0, failed = 0, ds, nr_pat = 0;
	const char *pat[NR_WL];
	long mib = 256;
	size_t i;
	FILE *f;

	while ((c = getopt(argc, argv, "r:s:w:h")) != -1) {
		switch (c) {
		case 'r':
			runs = atoi(optarg);
			break;
		case 's':
			mib = atol(optarg);
			break;
		case 'w':
			if (nr_pat == NR_WL)
				usage(argv[0]);
			pat[nr_pat++] = optarg;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc || runs < 1 || runs > MAX_RUNS || mib < 2)
		usage(argv[0]);
	size = mib * MiB;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (nr_pat) {
		int any = 0, k;

		for (i = 0; i < NR_WL; i++) {
			for (k = 0; k < nr_pat; k++)
				if (!fnmatch(pat[k], wl[i].name, 0))
					break;
			if (k == nr_pat)
				wl[i].unselected = 1;
			else
				any = 1;
		}
		if (!any) {
			fprintf(stderr, "droppable_bench: no workload matches -w\n");
			return 1;
		}
	}

	uname(&u);
	printf("INFO uname %s\n", u.release);
	printf("INFO machine %s\n", u.machine);
	printf("INFO cpus %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
	printf("INFO mem_mib %lld\n", (long long)sysconf(_SC_PHYS_PAGES) *
	       (long long)du_page_size() / (long long)MiB);
	printf("INFO runs %d\n", runs);
	printf("INFO size_mib %ld\n", mib);
	printf("INFO page_size %zu\n", du_page_size());

	ds = du_droppable_supported();
	if (ds != 1) {
		fprintf(stderr, "droppable_bench: MAP_DROPPABLE %s: droppable workloads skipped\n",
			ds == 0 ? "is not supported by this kernel" : strerror(errno));
		for (i = 0; i < NR_WL; i++)
			if (wl[i].droppable)
				wl[i].skip = "MAP_DROPPABLE not supported";
	}

	have_cgroup = !access(CGROOT "/cgroup.controllers", R_OK);
	if (!have_cgroup) {
		fprintf(stderr, "droppable_bench: no cgroup v2 at " CGROOT
			" (no " CGROOT "/cgroup.controllers): the workloads run outside a memory cgroup and the reclaim workloads are skipped\n");
		for (i = 0; i < NR_WL; i++)
			if (wl[i].kind == RECLAIM)
				wl[i].skip = "no cgroup v2 at " CGROOT;
	}
	printf("INFO cgroup %s\n", have_cgroup ? "v2" : "none");

	/* THP for the madvised ranges: "madvise" unless already "always". */
	f = fopen(THP_ENABLED, "r");
	if (f) {
		if (!fgets(thp_orig, sizeof(thp_orig), f))
			thp_orig[0] = 0;
		fclose(f);
	}
	b = strchr(thp_orig, '[');
	e = b ? strchr(b, ']') : NULL;
	if (b && e) {
		memmove(thp_orig, b + 1, e - b - 1);
		thp_orig[e - b - 1] = 0;
	} else {
		thp_orig[0] = 0;
	}
	if (!thp_orig[0]) {
		for (i = 0; i < NR_WL; i++)
			if (wl[i].thp)
				wl[i].skip = "no THP (" THP_ENABLED ")";
	} else if (strcmp(thp_orig, "always") && strcmp(thp_orig, "madvise") &&
		   du_write_file(THP_ENABLED, "madvise")) {
		fprintf(stderr, "droppable_bench: cannot enable THP: %s\n",
			strerror(errno));
		for (i = 0; i < NR_WL; i++)
			if (wl[i].thp)
				wl[i].skip = "THP disabled and cannot be enabled";
	}
	printf("INFO thp_enabled_was %s\n", thp_orig[0] ? thp_orig : "absent");

	for (c = 1; c <= 5; c++)
		run_group(c, runs);

	for (i = 0; i < NR_WL; i++) {
		struct workload *w = &wl[i];

		if (w->unselected)
			continue;

		if (w->thp && !w->skip && !w->failed && w->n &&
		    median_ll(w->thp_alloc, w->n) == 0)
			fprintf(stderr, "droppable_bench: %s: thp_fault_alloc did not rise: the runs used 4 KiB pages\n",
				w->name);
		if (w->skip)
			skipped = 1;
		else if (w->failed || !w->n)
			failed = 1;
	}
	if (thp_orig[0] && strcmp(thp_orig, "always") && strcmp(thp_orig, "madvise"))
		du_write_file(THP_ENABLED, "%s", thp_orig);
	return failed ? 1 : skipped ? 4 : 0;
}
