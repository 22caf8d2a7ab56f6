// SPDX-License-Identifier: GPL-2.0
/*
 * droppable_load - a MAP_DROPPABLE workload for the bpftrace tools in bpf/
 * and their test, droppable_bpf.sh.
 *
 *   droppable_load [-s MiB] [-m reclaim|pin|dirty] [-H] [-w SECONDS] [-S FILE]
 *
 * The process creates a memory cgroup of its own, CGROOT/droppable_load-PID
 * (enabling +memory in the root's cgroup.subtree_control), moves into it,
 * maps MiB (default 16) of MAP_DROPPABLE memory, writes every page of it and
 * then, by mode:
 *
 *   reclaim  asks the cgroup's memory.reclaim for MiB (EAGAIN, less
 *            reclaimed than asked, is not an error) and counts the pages
 *            that read back as zero: dropped.
 *   pin      pins the whole region long-term as an io_uring registered
 *            buffer, reclaims as above (reclaim must keep every page),
 *            unregisters the buffer and reclaims again (now it drops them).
 *   dirty    process_vm_writev() into its own region: the kernel pins the
 *            pages, writes them and unpins them dirty, a dirtying that a
 *            droppable folio suppresses.
 *
 * It prints key=value lines on stdout, for scripts:
 *
 *   pid, cgroup_path, cgroup_id (the inode number of the cgroup directory,
 *   the id the droppable tracepoints and bpftrace's cgroupid() use), mode,
 *   mib, pages, thp (1 with -H);
 *   reclaim: dropped_pages; pin: kept_pages (memory.stat droppable_keep
 *   while pinned), dropped_pages (while pinned), dropped_after_unpin;
 *   dirty: written_pages;
 *   and for the whole run, in pages: faulted_pages, droppable_drop,
 *   droppable_keep (memory.stat deltas of the cgroup),
 *   vmstat_droppable_fault, vmstat_droppable_drop, vmstat_droppable_keep
 *   (/proc/vmstat deltas); -1 where the kernel has no such counter.
 *
 * -H asks for transparent huge pages (MADV_HUGEPAGE) before the region is
 * written.  -w SECONDS sleeps, and -S FILE waits (at most 600 s) until FILE exists,
 * after the cgroup is set up and pid= and cgroup_id= are printed, before the
 * memory is mapped: time for a tracer to attach.
 *
 * Exit status: 0 success, 1 error, 4 (KSFT_SKIP) when the kernel has no
 * MAP_DROPPABLE or there is no cgroup2 at CGROOT.  Run as root.
 */
#include <getopt.h>
#include <time.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <linux/io_uring.h>

#include "kselftest.h"
#include "droppable_util.h"

#define WAIT_FILE_MAX_S		600

/* The droppable counters, in pages: the cgroup's and the machine's. */
struct load_counts {
	long long cg[3];
	long long vm[3];
};

static const char *const count_keys[3] = {
	"droppable_fault", "droppable_drop", "droppable_keep",
};

static void load_snapshot(struct du_cgroup *cg, struct load_counts *c)
{
	int i;

	for (i = 0; i < 3; i++) {
		c->cg[i] = du_cg_stat(cg, count_keys[i]);
		c->vm[i] = du_vmstat(count_keys[i]);
	}
}

/* @b - @a, or -1 if the counter is missing (a kernel without it). */
static long long load_delta(long long a, long long b)
{
	return a < 0 || b < 0 ? -1 : b - a;
}

/* memory.stat droppable_keep since @from. */
static long long load_kept_since(struct du_cgroup *cg,
				 const struct load_counts *from)
{
	return load_delta(from->cg[2], du_cg_stat(cg, "droppable_keep"));
}

static void load_print_deltas(const struct load_counts *a,
			      const struct load_counts *b)
{
	static const char *const cg_names[3] = {
		"faulted_pages", "droppable_drop", "droppable_keep",
	};
	int i;

	for (i = 0; i < 3; i++)
		printf("%s=%lld\n", cg_names[i], load_delta(a->cg[i], b->cg[i]));
	for (i = 0; i < 3; i++)
		printf("vmstat_%s=%lld\n", count_keys[i],
		       load_delta(a->vm[i], b->vm[i]));
}

/* memory.reclaim of @mib MiB from @cg; less than asked is not an error. */
static int load_reclaim(struct du_cgroup *cg, unsigned long mib)
{
	if (du_cg_reclaim(cg, mib * MiB) && errno != EAGAIN) {
		fprintf(stderr, "memory.reclaim: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* Wait until @path exists, at most @max_s seconds. */
static int load_wait_file(const char *path, int max_s)
{
	const struct timespec tick = { 0, 100 * 1000 * 1000 };
	int i;

	for (i = 0; i < max_s * 10; i++) {
		if (!access(path, F_OK))
			return 0;
		nanosleep(&tick, NULL);
	}
	fprintf(stderr, "%s did not appear in %d s\n", path, max_s);
	return -1;
}

static int mode_reclaim(struct du_cgroup *cg, char *buf, size_t len,
			unsigned long mib)
{
	if (load_reclaim(cg, mib))
		return -1;
	printf("dropped_pages=%zu\n", du_count_zero_pages(buf, len));
	return 0;
}

/* Register @iov as the fixed buffer of io_uring @ring; NULL unregisters. */
static int load_uring_buffer(int ring, struct iovec *iov)
{
	unsigned int op = iov ? IORING_REGISTER_BUFFERS :
				IORING_UNREGISTER_BUFFERS;

	if (syscall(__NR_io_uring_register, ring, op, iov, iov ? 1 : 0)) {
		fprintf(stderr, "IORING_%sREGISTER_BUFFERS: %s\n",
			iov ? "" : "UN", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Register @buf as an io_uring fixed buffer (a FOLL_LONGTERM pin of every
 * page), reclaim, unregister, reclaim again.
 */
static int mode_pin(struct du_cgroup *cg, char *buf, size_t len,
		    unsigned long mib, const struct load_counts *start)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct io_uring_params params;
	int ring, ret = -1;

	memset(&params, 0, sizeof(params));
	ring = syscall(__NR_io_uring_setup, 4, &params);
	if (ring < 0) {
		fprintf(stderr, "io_uring_setup: %s\n", strerror(errno));
		return -1;
	}
	if (load_uring_buffer(ring, &iov) || load_reclaim(cg, mib))
		goto out;
	printf("kept_pages=%lld\n", load_kept_since(cg, start));
	printf("dropped_pages=%zu\n", du_count_zero_pages(buf, len));

	if (load_uring_buffer(ring, NULL) || load_reclaim(cg, mib))
		goto out;
	printf("dropped_after_unpin=%zu\n", du_count_zero_pages(buf, len));
	ret = 0;
out:
	close(ring);
	return ret;
}

/* process_vm_writev() from a private buffer into our own droppable one. */
static int mode_dirty(char *buf, size_t len)
{
	struct iovec local, remote = { .iov_base = buf, .iov_len = len };
	ssize_t done;
	char *src;

	src = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (src == MAP_FAILED) {
		fprintf(stderr, "mmap: %s\n", strerror(errno));
		return -1;
	}
	du_fill(src, len, 0x1000);
	local.iov_base = src;
	local.iov_len = len;
	done = process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
	munmap(src, len);
	if (done < 0) {
		fprintf(stderr, "process_vm_writev: %s\n", strerror(errno));
		return -1;
	}
	printf("written_pages=%zu\n", (size_t)done / du_page_size());
	return 0;
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-s MiB] [-m reclaim|pin|dirty] [-H] [-w SECONDS] [-S FILE]\n"
		"  -s MiB      droppable memory to map and write (default 16)\n"
		"  -m mode     what to do with it (default reclaim)\n"
		"  -H          MADV_HUGEPAGE before writing it\n"
		"  -w SECONDS  sleep before mapping it\n"
		"  -S FILE     wait until FILE exists before mapping it\n",
		argv0);
	exit(1);
}

int main(int argc, char **argv)
{
	const char *mode = "reclaim", *wait_file = NULL;
	struct load_counts start, end;
	struct du_cgroup cg = { "" };
	unsigned long mib = 16;
	int c, sleep_s = 0, thp = 0, ret = 1, s;
	struct stat st;
	size_t len;
	char *buf;

	while ((c = getopt(argc, argv, "s:m:Hw:S:h")) != -1) {
		switch (c) {
		case 's':
			mib = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			mode = optarg;
			break;
		case 'H':
			thp = 1;
			break;
		case 'w':
			sleep_s = atoi(optarg);
			break;
		case 'S':
			wait_file = optarg;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc || !mib || sleep_s < 0 ||
	    (strcmp(mode, "reclaim") && strcmp(mode, "pin") &&
	     strcmp(mode, "dirty")))
		usage(argv[0]);
	len = mib * MiB;
	setvbuf(stdout, NULL, _IOLBF, 0);

	s = du_droppable_supported();
	if (s <= 0) {
		fprintf(stderr, "MAP_DROPPABLE: %s\n",
			s ? strerror(errno) : "not supported by this kernel");
		return s ? 1 : KSFT_SKIP;
	}
	if (access(CGROOT "/cgroup.controllers", R_OK)) {
		fprintf(stderr, "no cgroup2 at " CGROOT "\n");
		return KSFT_SKIP;
	}
	if (du_cgroup_enter(&cg, "droppable_load"))
		goto out;
	if (stat(cg.path, &st)) {
		fprintf(stderr, "stat %s: %s\n", cg.path, strerror(errno));
		goto out;
	}
	printf("pid=%d\ncgroup_path=%s\ncgroup_id=%llu\nmode=%s\nmib=%lu\npages=%zu\nthp=%d\n",
	       getpid(), cg.path, (unsigned long long)st.st_ino, mode, mib,
	       len / du_page_size(), thp);

	if (sleep_s)
		sleep(sleep_s);
	if (wait_file && load_wait_file(wait_file, WAIT_FILE_MAX_S))
		goto out;

	load_snapshot(&cg, &start);
	buf = du_map_droppable(len);
	if (buf == MAP_FAILED) {
		fprintf(stderr, "mmap(MAP_DROPPABLE): %s\n", strerror(errno));
		goto out;
	}
	if (thp && madvise(buf, len, MADV_HUGEPAGE))
		fprintf(stderr, "MADV_HUGEPAGE: %s\n", strerror(errno));
	du_fill(buf, len, 1);

	if (!strcmp(mode, "reclaim"))
		ret = mode_reclaim(&cg, buf, len, mib);
	else if (!strcmp(mode, "pin"))
		ret = mode_pin(&cg, buf, len, mib, &start);
	else
		ret = mode_dirty(buf, len);
	ret = ret ? 1 : 0;

	load_snapshot(&cg, &end);
	load_print_deltas(&start, &end);
	munmap(buf, len);
out:
	du_cgroup_leave(&cg);
	return ret;
}
