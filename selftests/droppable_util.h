/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the MAP_DROPPABLE selftests: droppable mappings,
 * test patterns, /proc/self/smaps and /proc/self/status fields, cgroup v2
 * memory control, /proc/vmstat and memory.stat counters, zram swap.
 * Header-only so each test stays one .c file.  Functions return -1 and leave
 * errno set (or print why) on failure; callers assert on the result.
 */
#ifndef DROPPABLE_UTIL_H
#define DROPPABLE_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/types.h>

/* uapi values the C library's headers may lack. */
#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE		0x08
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE	0x03
#endif
#ifndef MAP_STACK
#define MAP_STACK		0x20000
#endif
#ifndef MAP_HUGETLB
#define MAP_HUGETLB		0x40000
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED	0x4000000
#endif
#ifndef MADV_FREE
#define MADV_FREE		8
#endif
#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE		14
#endif
#ifndef MADV_NOHUGEPAGE
#define MADV_NOHUGEPAGE		15
#endif
#ifndef MADV_DONTDUMP
#define MADV_DONTDUMP		16
#endif
#ifndef MADV_DODUMP
#define MADV_DODUMP		17
#endif
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK		18
#endif
#ifndef MADV_KEEPONFORK
#define MADV_KEEPONFORK		19
#endif
#ifndef MADV_COLD
#define MADV_COLD		20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT		21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif
#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED	24
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE		25
#endif
#ifndef MADV_HWPOISON
#define MADV_HWPOISON		100
#endif
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE	101
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT		1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT		4
#endif

#define KiB			1024UL
#define MiB			(1024UL * KiB)
#define CGROOT			"/sys/fs/cgroup"

static inline size_t du_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/*
 * Keep the calling process, and the children it forks later, on the CPU it
 * runs on.  A folio just faulted in waits in a per-CPU batch before it is
 * put on the LRU, and MADV_PAGEOUT flushes only its own CPU's batch
 * (lru_add_drain() in madvise_pageout()): a folio faulted on the other CPU
 * is not isolated and stays.  A test that expects MADV_PAGEOUT to drop
 * every page it has just written faults and advises on one CPU.
 */
static inline void du_stay_on_this_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t cpus;

	if (cpu < 0)
		return;
	CPU_ZERO(&cpus);
	CPU_SET(cpu, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
}

/* mmap(MAP_DROPPABLE) of @len bytes, or MAP_FAILED with errno set. */
static inline void *du_map_droppable(size_t len)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_DROPPABLE | MAP_ANONYMOUS, -1, 0);
}

/* 1 if this kernel supports MAP_DROPPABLE, 0 if it says EOPNOTSUPP. */
static inline int du_droppable_supported(void)
{
	void *p = du_map_droppable(du_page_size());

	if (p == MAP_FAILED)
		return errno == EOPNOTSUPP ? 0 : -1;
	munmap(p, du_page_size());
	return 1;
}

/* Write @val into the first word of every page of [p, p + len). */
static inline void du_fill(void *p, size_t len, uint64_t val)
{
	size_t ps = du_page_size(), off;

	for (off = 0; off < len; off += ps)
		*(volatile uint64_t *)((char *)p + off) = val + off / ps;
}

/* Pages of [p, p + len) whose first word is zero (dropped). */
static inline size_t du_count_zero_pages(void *p, size_t len)
{
	size_t ps = du_page_size(), off, n = 0;

	for (off = 0; off < len; off += ps)
		if (*(volatile uint64_t *)((char *)p + off) == 0)
			n++;
	return n;
}

/* The nonzero 64-bit word that fills page @idx of a test pattern. */
static inline uint64_t du_pattern_word(size_t idx)
{
	return ((uint64_t)idx + 1) * 0x9e3779b97f4a7c15ULL;
}

/* Fill every word of every page of [p, p + len) with its pattern word. */
static inline void du_fill_pattern(void *p, size_t len)
{
	size_t words = du_page_size() / sizeof(uint64_t);
	uint64_t *w = p;

	for (size_t i = 0; i < len / du_page_size(); i++)
		for (size_t j = 0; j < words; j++)
			w[i * words + j] = du_pattern_word(i);
}

/*
 * Classify every page of a range filled by du_fill_pattern(): still holding
 * the pattern, all zeroes (dropped) or anything else (corrupted).
 */
struct du_page_count {
	size_t intact, zero, corrupt;
};

static inline struct du_page_count du_count_pages(const void *p, size_t len)
{
	size_t words = du_page_size() / sizeof(uint64_t);
	struct du_page_count c = { 0, 0, 0 };
	const volatile uint64_t *w = p;

	for (size_t i = 0; i < len / du_page_size(); i++) {
		const volatile uint64_t *pg = w + i * words;
		size_t same = 0, zero = 0;

		for (size_t j = 0; j < words; j++) {
			same += pg[j] == du_pattern_word(i);
			zero += pg[j] == 0;
		}
		if (same == words)
			c.intact++;
		else if (zero == words)
			c.zero++;
		else
			c.corrupt++;
	}
	return c;
}

/* Whether every byte of [p, p + len) is zero. */
static inline bool du_all_zero(const void *p, size_t len)
{
	const volatile unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

/*
 * Copy the value of smaps field @field ("VmFlags", "Locked", ...) of the
 * VMA that covers [addr, addr + len) into @buf.  Returns 0, or -1 when no
 * single VMA covers the range or it has no such field.
 */
static inline int du_smaps_field(const void *addr, size_t len,
				 const char *field, char *buf, size_t size)
{
	unsigned long start, end, a = (unsigned long)addr;
	size_t flen = strlen(field);
	bool in_vma = false;
	char *line = NULL;
	size_t cap = 0;
	int ret = -1;
	FILE *f;

	f = fopen("/proc/self/smaps", "r");
	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			if (in_vma)
				break;	/* our VMA had no such field */
			in_vma = start <= a && a + len <= end;
			continue;
		}
		if (!in_vma || strncmp(line, field, flen) || line[flen] != ':')
			continue;
		snprintf(buf, size, "%s", line + flen + 1);
		buf[strcspn(buf, "\n")] = '\0';
		ret = 0;
		break;
	}
	free(line);
	fclose(f);
	return ret;
}

/* An smaps "N kB" field of the VMA covering the range, or -1. */
static inline long du_smaps_kb(const void *addr, size_t len, const char *field)
{
	char buf[64];

	if (du_smaps_field(addr, len, field, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

/* Whether the VmFlags of the VMA covering the range contain @flag. */
static inline bool du_has_vmflag(const void *addr, size_t len,
				 const char *flag)
{
	char buf[256], *tok, *save;

	if (du_smaps_field(addr, len, "VmFlags", buf, sizeof(buf)))
		return false;
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save))
		if (!strcmp(tok, flag))
			return true;
	return false;
}

/* A /proc/self/status "N kB" field ("VmLck", ...), or -1. */
static inline long du_status_kb(const char *field)
{
	size_t flen = strlen(field);
	char *line = NULL;
	size_t cap = 0;
	long kb = -1;
	FILE *f;

	f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		if (!strncmp(line, field, flen) && line[flen] == ':') {
			kb = strtol(line + flen + 1, NULL, 10);
			break;
		}
	}
	free(line);
	fclose(f);
	return kb;
}

/* Write a string to a file; returns 0 or -1 with errno set. */
static inline int du_write_file(const char *path, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	ssize_t ret;
	int fd, len;

	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ret = write(fd, buf, len);
	if (ret < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * The value of KEY in a "key value" file (/proc/vmstat, memory.stat,
 * memory.events), or -1 if the key is absent.
 */
static inline long long du_read_key(const char *path, const char *key)
{
	char name[128];
	long long val, ret = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%127s %lld", name, &val) == 2) {
		if (!strcmp(name, key)) {
			ret = val;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* The value in kB of KEY ("MemAvailable", ...) in /proc/meminfo, or -1. */
static inline long du_meminfo_kb(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			kb = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

static inline int du_cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/*
 * The median of @n (> 0) values, with their minimum and maximum in *@min
 * and *@max; @v is left as it was.
 */
static inline double du_median(const double *v, int n, double *min,
			       double *max)
{
	double *s = malloc(n * sizeof(*s)), m;

	if (!s) {
		*min = *max = v[0];
		return v[0];
	}
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), du_cmp_double);
	*min = s[0];
	*max = s[n - 1];
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

/*
 * Read a small file into @buf as a NUL-terminated string (at most
 * @size - 1 bytes).  Returns 0, or -1 with errno set if it cannot be opened.
 */
static inline int du_read_file(const char *path, char *buf, size_t size)
{
	size_t off = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	while (off < size - 1 && (n = read(fd, buf + off, size - 1 - off)) > 0)
		off += n;
	close(fd);
	buf[off] = '\0';
	return 0;
}

static inline long long du_vmstat(const char *key)
{
	return du_read_key("/proc/vmstat", key);
}

/* A single number from a file (memory.current, memory.max, ...). */
static inline long long du_read_num(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

struct du_cgroup {
	char path[256];
};

/*
 * Move the calling process into the cgroup directory @dir (CGROOT to go
 * back to the root).  Returns 0, or -1 with errno set.
 */
static inline int du_cgroup_join(const char *dir)
{
	char procs[300];

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	return du_write_file(procs, "%d", getpid());
}

/*
 * Create a memory cgroup CGROOT/<name>-<pid> and move the calling process
 * into it.  Returns 0, or -1 with a message on stderr.
 */
static inline int du_cgroup_enter(struct du_cgroup *cg, const char *name)
{
	du_write_file(CGROOT "/cgroup.subtree_control", "+memory");
	snprintf(cg->path, sizeof(cg->path), CGROOT "/%s-%d", name, getpid());
	if (mkdir(cg->path, 0755) && errno != EEXIST) {
		fprintf(stderr, "mkdir %s: %s\n", cg->path, strerror(errno));
		return -1;
	}
	if (du_cgroup_join(cg->path)) {
		fprintf(stderr, "enter %s: %s\n", cg->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Move the calling process back to the root cgroup and remove @cg. */
static inline void du_cgroup_leave(struct du_cgroup *cg)
{
	if (!cg->path[0])
		return;
	du_cgroup_join(CGROOT);
	rmdir(cg->path);
	cg->path[0] = 0;
}

/* Path of a file of @cg into @buf. */
static inline const char *du_cg_file(struct du_cgroup *cg, const char *file,
				     char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", cg->path, file);
	return buf;
}

static inline long long du_cg_stat(struct du_cgroup *cg, const char *key)
{
	char p[300];

	return du_read_key(du_cg_file(cg, "memory.stat", p, sizeof(p)), key);
}

/*
 * Write "<bytes>" to memory.reclaim of @cg.  Returns 0, or -1 with errno
 * (EAGAIN: the kernel did not reclaim the amount asked for).
 */
static inline int du_cg_reclaim(struct du_cgroup *cg, size_t bytes)
{
	char p[300];

	return du_write_file(du_cg_file(cg, "memory.reclaim", p, sizeof(p)),
			     "%zu", bytes);
}

#define ZRAM_CTL		"/sys/class/zram-control"

/*
 * A new zram block device of @mib MiB (CONFIG_ZRAM): returns its number N
 * and writes "/dev/zramN" to @dev, or returns -1 and leaves no device.
 * Waits (at most 5 s) for the device node to appear.
 */
static inline int du_zram_add(unsigned long mib, char *dev, size_t devlen)
{
	char path[64];
	int n = -1, i;
	FILE *f = fopen(ZRAM_CTL "/hot_add", "r");

	if (!f)
		return -1;
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	fclose(f);
	if (n < 0)
		return -1;
	snprintf(path, sizeof(path), "/sys/block/zram%d/disksize", n);
	if (du_write_file(path, "%luM", mib)) {
		du_write_file(ZRAM_CTL "/hot_remove", "%d", n);
		return -1;
	}
	snprintf(dev, devlen, "/dev/zram%d", n);
	for (i = 0; i < 50 && access(dev, F_OK); i++)
		usleep(100 * 1000);
	return n;
}

/*
 * zram swap of @mib MiB on /dev/zram0 (CONFIG_ZRAM=y).  Returns 0, or -1
 * with a message.  du_swap_off() undoes it.
 */
static inline int du_swap_on(unsigned long mib)
{
	if (access("/sys/block/zram0/disksize", W_OK)) {
		fprintf(stderr, "no /dev/zram0 (CONFIG_ZRAM?)\n");
		return -1;
	}
	swapoff("/dev/zram0");
	du_write_file("/sys/block/zram0/reset", "1");
	if (du_write_file("/sys/block/zram0/disksize", "%luM", mib) ||
	    system("mkswap /dev/zram0 >/dev/null 2>&1") ||
	    swapon("/dev/zram0", 0)) {
		fprintf(stderr, "zram swap setup failed: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static inline void du_swap_off(void)
{
	swapoff("/dev/zram0");
	du_write_file("/sys/block/zram0/reset", "1");
}

#endif /* DROPPABLE_UTIL_H */
