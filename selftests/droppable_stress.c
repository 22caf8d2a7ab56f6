// SPDX-License-Identifier: GPL-2.0
/*
 * droppable_stress - a timed stress workload mixing MAP_DROPPABLE and plain
 * anonymous memory under memory-cgroup pressure with zram swap on.
 *
 *   droppable_stress [-t SECONDS] [-p PROCS] [-T THREADS] [-n SLOTS]
 *                    [-s SLOT_MIB] [-S SEED] [-v] [-F]
 *
 * Workload.  The controller turns zram swap on (/dev/zram0), hot-adds a
 * second zram block device for direct I/O, creates the memory cgroup
 * CGROOT/droppable_stress-PID and forks PROCS worker processes (default 4)
 * into it, each with THREADS threads (default 3).  Every thread owns SLOTS
 * droppable and SLOTS normal anonymous regions ("slots") of SLOT_MIB MiB
 * (default 2 and 4), 2 MiB aligned, half of them MADV_HUGEPAGE, and until
 * the deadline (-t, default 60 s) picks random operations on them:
 *
 *   write      user stores of a fresh pattern into a page range
 *   verify     a whole slot against what was last written (below)
 *   mmap       unmap a slot and map a new one (fresh THPs)
 *   punch      partial munmap (VMA split, THP split)
 *   fill       map the holes again (MAP_FIXED_NOREPLACE)
 *   mprotect   a sub-range read-only, verify it, writable again (splits)
 *   mremap     move the slot (sometimes to a non-2 MiB-aligned address,
 *              which splits its PMDs) and grow it back, or shrink it
 *   fork       the child checks the thread's slots: droppable memory reads
 *              zeros (wipe-on-fork), normal memory holds its pattern; it
 *              writes a few pages of its own, which the parent must not see
 *   madvise    PAGEOUT, COLLAPSE, HUGEPAGE, NOHUGEPAGE, DONTNEED, FREE
 *   writev     process_vm_writev() into the slot (GUP pin, written, unpinned
 *              with unpin_user_pages_dirty_lock())
 *   dio        O_DIRECT pwrite() of the pattern to the thread's section of
 *              the hot-added zram device, then O_DIRECT pread() of it into
 *              the slot (the block layer pins the pages and dirties them as
 *              it releases them)
 *   move_pages a page range to NUMA node 0 or 1 (when there are two)
 *
 * writev and dio go three times out of four into droppable memory, else
 * into normal memory.  Meanwhile the controller writes memory.reclaim
 * (4-64 MiB, now and then 128 MiB, at most half of memory.current) every
 * 0.5-1.5 s, interrupted at the deadline, and every 4-8 s lowers
 * memory.max by 8-48 MiB below memory.current for 1-2 s.
 *
 * Every 8-byte word of a slot encodes the owner's pid, the slot, the page
 * index in the slot, a generation and the word index, so that a word of
 * another process, slot, page or write is recognised as foreign.
 *
 * Checks, one kselftest test case each:
 *
 *   normal_memory_intact     no normal anonymous word differs from what was
 *                            last written (zero only after MADV_DONTNEED,
 *                            or after MADV_FREE until rewritten)
 *   droppable_value_or_zero  every droppable page reads all its last
 *                            written words, or all zeros; a mix is allowed
 *                            only while the thread itself writes the page
 *                            with stores (a drop in the middle), never after
 *                            a kernel write through a pin
 *   fork_wipes_droppable     fork children saw only zeros in droppable
 *                            memory and intact normal memory
 *   droppable_never_swapped  see "Swap" below
 *   no_oom_kill              memory.events oom_kill stays 0 (and no worker
 *                            dies of a signal)
 *   droppable_counters       (kernels with the droppable counters) pages
 *                            seen dropped <= droppable_drop <= droppable_fault,
 *                            memory.stat droppable back to 0 at the end
 *   workload_ran             every kind of operation ran, no unexpected
 *                            system call error, droppable pages were dropped
 *                            and normal memory went to swap
 *
 * Pages are verified before anything overwrites, zaps, unmaps or
 * collapses them (write, writev, dio, DONTNEED, FREE, COLLAPSE, punch,
 * mmap, mremap shrink), so that bad data cannot hide under new data.
 *
 * Swap.  Primary, exact per page: before each verify of a range the thread
 * reads /proc/self/pagemap for it; a droppable page whose PTE holds a swap
 * entry of a real swap device (PM_SWAP with a swap type below the special
 * migration/device/hwpoison/marker types) is a droppable page written to
 * swap.  Only the owner thread touches its pages, and it verifies them
 * before every operation that would swap them in or drop the swap entry,
 * so a droppable page that went to swap stays visible until the thread
 * looks; only khugepaged may swap it in behind the thread's back.
 * The swap type needs CAP_SYS_ADMIN (run as root).  Secondary, in
 * aggregate: the peak of the cgroup's memory.swap.current and of zram0's
 * stored pages (mm_stat orig_data_size) must stay below what the normal
 * memory of the workload can explain (its slots, scratch buffers, process
 * and fork-child overhead, plus 32 MiB for zram0 for the rest of the
 * system).  That bound only catches droppable memory swapped in bulk: the
 * droppable memory is about as large as the normal memory, so a few
 * swapped droppable pages stay within it.  pswpout is reported but not
 * checked: normal pages can be swapped out, in and out again, so it has no
 * bound.
 *
 * -F injects two bad words (a normal word of another generation, a
 * droppable word of another pid) to show that the checks catch them: the
 * run must then fail normal_memory_intact and droppable_value_or_zero.
 *
 * The summary line "# droppable_stress summary: ..." gives the run time,
 * the operations per kind, the pages dropped (seen=: pages the threads saw
 * turn to zero, a lower bound that every kernel has; the memory.stat and
 * /proc/vmstat droppable_drop counters, -1 on a kernel without them; the
 * cgroup's pglazyfreed, which on the upstream kernel counts the droppable
 * pages it dropped while their PTEs were clean) and the bad words.
 *
 * Exit status: kselftest's (0 all passed, 1 a failure, 4 the kernel has no
 * MAP_DROPPABLE or the guest has no cgroup2).  Run as root.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <time.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/mempolicy.h>

#include "kselftest.h"
#include "droppable_util.h"


#define THP_SIZE		(2 * MiB)
#define PS			4096UL
#define WPP			(PS / 8)	/* words per page */
#define MAX_THREADS		16
#define MAX_SLOTS		16		/* per kind and thread */
#define MAX_SLOT_MIB		64		/* 14 bits of page index */
#define SCRATCH_PAGES		256		/* 1 MiB: the largest kernel write */
#define DIO_SECTION		(SCRATCH_PAGES * PS)
#define MOVE_MAX		64
#define SWAP_MIB		1024UL
#define LOG_BUDGET		60
/* Swap types at or above this are migration, device, hwpoison, markers. */
#define REAL_SWAP_TYPES		23
#define PM_SWAP_BIT		(1ULL << 62)

/* Page state as the owner thread last left it. */
enum pstate {
	PS_UNMAPPED,	/* not mapped (punched, shrunk) */
	PS_ZERO,	/* must read all zeros */
	PS_VALID,	/* last written generation; droppable: or all zeros */
	PS_FREED,	/* normal, MADV_FREE'd: last generation or all zeros */
};

enum op {
	OP_WRITE, OP_VERIFY, OP_MMAP, OP_PUNCH, OP_FILL, OP_MPROTECT,
	OP_MREMAP, OP_FORK, OP_PAGEOUT, OP_COLLAPSE, OP_HUGEPAGE,
	OP_NOHUGEPAGE, OP_DONTNEED, OP_FREE, OP_WRITEV, OP_DIO,
	OP_MOVE_PAGES, OP_RECLAIM, OP_MEMMAX, NR_OPS,
};

static const char *const op_names[NR_OPS] = {
	"write", "verify", "mmap", "punch", "fill", "mprotect", "mremap",
	"fork", "pageout", "collapse", "hugepage", "nohugepage", "dontneed",
	"free", "writev", "dio", "move_pages", "reclaim", "memory_max",
};

/* Relative weights of the thread operations (OP_RECLAIM on: controller). */
static const int op_weight[OP_RECLAIM] = {
	[OP_WRITE] = 18, [OP_VERIFY] = 10, [OP_MMAP] = 3, [OP_PUNCH] = 6,
	[OP_FILL] = 6, [OP_MPROTECT] = 6, [OP_MREMAP] = 5, [OP_FORK] = 2,
	[OP_PAGEOUT] = 5, [OP_COLLAPSE] = 3, [OP_HUGEPAGE] = 3,
	[OP_NOHUGEPAGE] = 3, [OP_DONTNEED] = 3, [OP_FREE] = 3,
	[OP_WRITEV] = 8, [OP_DIO] = 8, [OP_MOVE_PAGES] = 6,
};

/* Failures that pressure, races or configuration allow, by errno. */
static const int soft_errnos[] = {
	EAGAIN, ENOMEM, EINVAL, EBUSY, EEXIST, EFAULT, ENOENT,
};

#define NR_SOFT		((int)ARRAY_SIZE(soft_errnos))

/* Counters shared by the controller, the workers and their fork children. */
struct shared {
	uint64_t ops[NR_OPS];
	/* allowed failures by errno (soft_errnos[], then any other) */
	uint64_t soft_fail[NR_OPS][NR_SOFT + 1];
	uint64_t reclaim_us, reclaim_max_us;	/* time in memory.reclaim */
	uint64_t errors;		/* unexpected failures */
	uint64_t normal_pages_checked, normal_bad_words, normal_bad_pages;
	uint64_t drop_pages_checked, drop_bad_words, drop_bad_pages;
	uint64_t drop_torn_writes;	/* user writes a drop cut in two */
	uint64_t observed_drops;	/* droppable pages seen zeroed */
	uint64_t normal_lazyfreed;	/* MADV_FREE'd normal pages seen zero */
	uint64_t drop_swap_ptes, normal_swap_ptes;
	uint64_t moved_pages;
	uint64_t child_drop_bad_pages, child_normal_bad_words, child_failed;
	int log_budget;
	int stop;
	struct timespec end;
};

struct slot {
	char *addr;
	size_t npages;
	int id;			/* unique in the process, < 256 */
	bool droppable;
	bool thp;		/* MADV_HUGEPAGE wanted for the whole slot */
	uint16_t gen;
	uint8_t *state;
	uint16_t *pgen;
};

struct thread_ctx {
	pthread_t tid;
	int proc, idx;
	pid_t pid;
	uint64_t rng;
	int nslots;
	struct slot slots[2 * MAX_SLOTS];
	uint64_t *scratch;	/* normal memory, SCRATCH_PAGES pages */
	uint64_t *pm;		/* pagemap buffer */
	int pagemap_fd;
	int injected;		/* -F: kinds of slot done (1 droppable, 2 normal) */
	int dio_fd;
	off_t dio_off;
};

static struct {
	int secs, procs, threads, slots, slot_mib, verbose, inject;
	unsigned long seed;
} opt = { 60, 4, 3, 2, 4, 0, 0, 0 };

static struct shared *sh;
static char cg_path[256];
static int two_nodes;
static char dio_dev[32];

#define ADD(field, n)	__atomic_fetch_add(&sh->field, (n), __ATOMIC_RELAXED)
#define GET(field)	__atomic_load_n(&sh->field, __ATOMIC_RELAXED)

/* One "# "-prefixed line to stdout in one write(2). */
static void vline(const char *fmt, va_list ap)
{
	char buf[512];
	int n;

	n = snprintf(buf, sizeof(buf), "# ");
	n += vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDOUT_FILENO, buf, n) < 0)
		return;
}

/*
 * A line on stdout from a worker or a fork child: one write(2), no stdio
 * (the workers are threaded, the children are forked from threads), within
 * a budget shared by all processes.
 */
static __printf(2, 3) void wlog(bool problem, const char *fmt, ...)
{
	va_list ap;

	if (problem && __atomic_fetch_sub(&sh->log_budget, 1,
					  __ATOMIC_RELAXED) <= 0)
		return;
	if (!problem && !opt.verbose)
		return;
	va_start(ap, fmt);
	vline(fmt, ap);
	va_end(ap);
}

/* Count an allowed failure of @op, by errno. */
static void soft_fail(enum op op)
{
	int i;

	for (i = 0; i < NR_SOFT; i++)
		if (errno == soft_errnos[i])
			break;
	ADD(soft_fail[op][i], 1);
	wlog(false, "allowed failure: %s: %s", op_names[op], strerror(errno));
}

static uint64_t rnd(struct thread_ctx *t)
{
	/* xorshift64* */
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return t->rng * 0x2545f4914f6cdd1dULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool past_deadline(void)
{
	struct timespec ts;

	if (__atomic_load_n(&sh->stop, __ATOMIC_RELAXED))
		return true;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec > sh->end.tv_sec ||
	       (ts.tv_sec == sh->end.tv_sec && ts.tv_nsec >= sh->end.tv_nsec);
}

/* The pattern word: pid 22 bits, slot 8, page 14, generation 11, word 9. */
static inline uint64_t word_val(pid_t pid, int slot, size_t page,
				unsigned int gen, unsigned int w)
{
	return (uint64_t)pid << 42 | (uint64_t)(slot & 0xff) << 34 |
	       (uint64_t)(page & 0x3fff) << 20 |
	       (uint64_t)(gen & 0x7ff) << 9 | (w & 0x1ff);
}

static void describe_word(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "pid %llu slot %llu page %llu gen %llu word %llu",
		 (unsigned long long)(v >> 42),
		 (unsigned long long)(v >> 34 & 0xff),
		 (unsigned long long)(v >> 20 & 0x3fff),
		 (unsigned long long)(v >> 9 & 0x7ff),
		 (unsigned long long)(v & 0x1ff));
}

static inline volatile uint64_t *page_ptr(struct slot *s, size_t p)
{
	return (volatile uint64_t *)(s->addr + p * PS);
}

static void fill_page(pid_t pid, struct slot *s, size_t p, unsigned int gen)
{
	volatile uint64_t *w = page_ptr(s, p);
	unsigned int i;

	for (i = 0; i < WPP; i++)
		w[i] = word_val(pid, s->id, p, gen, i);
}

/* What a page holds: words as expected, zero words, and other words. */
struct pcls {
	unsigned int expect, zero, other;
	int first_other;
	uint64_t first_val;
};

static void classify(pid_t pid, struct slot *s, size_t p, bool has_expect,
		     unsigned int gen, struct pcls *c)
{
	volatile uint64_t *w = page_ptr(s, p);
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->first_other = -1;
	for (i = 0; i < WPP; i++) {
		uint64_t v = w[i];

		if (has_expect && v == word_val(pid, s->id, p, gen, i)) {
			c->expect++;
		} else if (!v) {
			c->zero++;
		} else {
			if (!c->other++) {
				c->first_other = i;
				c->first_val = v;
			}
		}
	}
}

static const char *kind(struct slot *s)
{
	return s->droppable ? "droppable" : "normal";
}

static void report_bad(struct thread_ctx *t, struct slot *s, size_t p,
		       const char *when, const char *what, struct pcls *c)
{
	char d[128] = "";

	if (c->first_other >= 0)
		describe_word(c->first_val, d, sizeof(d));
	wlog(true, "BAD %s page: pid %d thread %d slot %d page %zu (%p) %s: %s; %u expected, %u zero, %u other words%s%s (want gen %u%s)",
	     kind(s), t->pid, t->idx, s->id, p, (void *)page_ptr(s, p), when,
	     what, c->expect, c->zero, c->other,
	     c->first_other >= 0 ? "; first other: " : "", d,
	     s->pgen[p] & 0x7ff,
	     s->state[p] == PS_ZERO ? ", state zero" :
	     s->state[p] == PS_FREED ? ", state freed" : "");
}

/* Count a bad page, then make it zero so that it is reported only once. */
static void bad_page(struct thread_ctx *t, struct slot *s, size_t p,
		     const char *when, const char *what, struct pcls *c,
		     unsigned int bad_words)
{
	report_bad(t, s, p, when, what, c);
	if (s->droppable) {
		ADD(drop_bad_pages, 1);
		ADD(drop_bad_words, bad_words);
	} else {
		ADD(normal_bad_pages, 1);
		ADD(normal_bad_words, bad_words);
	}
	madvise(s->addr + p * PS, PS, MADV_DONTNEED);
	s->state[p] = PS_ZERO;
}

/* A droppable (or MADV_FREE'd normal) page was seen zeroed. */
static void seen_zeroed(struct slot *s, size_t p)
{
	if (s->droppable)
		ADD(observed_drops, 1);
	else
		ADD(normal_lazyfreed, 1);
	s->state[p] = PS_ZERO;
}

/*
 * Check page @p of @s against its state.  A droppable page may have been
 * dropped at any time, also while it is read: a page that reads partly as
 * expected and partly zero is read again, and must then be all zero.
 */
static void verify_page(struct thread_ctx *t, struct slot *s, size_t p,
			const char *when)
{
	uint8_t st = s->state[p];
	bool may_zero = s->droppable || st == PS_FREED;
	struct pcls c;

	if (st == PS_UNMAPPED)
		return;
	if (s->droppable)
		ADD(drop_pages_checked, 1);
	else
		ADD(normal_pages_checked, 1);
	classify(t->pid, s, p, st != PS_ZERO, s->pgen[p], &c);
	if (st == PS_ZERO) {
		if (c.other)
			bad_page(t, s, p, when, "not zero", &c, c.other);
		return;
	}
	if (c.other) {
		bad_page(t, s, p, when, "foreign or stale words", &c,
			 c.other + (may_zero ? 0 : c.zero));
		return;
	}
	if (!c.zero)
		return;		/* all as expected */
	if (!may_zero) {
		bad_page(t, s, p, when, "normal memory lost words", &c, c.zero);
		return;
	}
	if (!c.expect) {
		seen_zeroed(s, p);
		return;
	}
	/* Torn: dropped while being read?  Then it reads zero now. */
	classify(t->pid, s, p, true, s->pgen[p], &c);
	if (!c.expect && !c.other) {
		seen_zeroed(s, p);
		return;
	}
	bad_page(t, s, p, when, "torn page (part old data, part zero)", &c,
		 c.zero + c.other);
}

/* Pages of [start, start + n) of @s with a swap entry in their PTE. */
static void pagemap_check(struct thread_ctx *t, struct slot *s, size_t start,
			  size_t n)
{
	size_t i, swapped = 0, first = 0;
	off_t off = (uintptr_t)(s->addr + start * PS) / PS * 8;
	ssize_t r;

	if (t->pagemap_fd < 0)
		return;
	r = pread(t->pagemap_fd, t->pm, n * 8, off);
	if (r != (ssize_t)(n * 8)) {
		ADD(errors, 1);
		wlog(true, "pagemap read: %s", r < 0 ? strerror(errno) : "short");
		return;
	}
	for (i = 0; i < n; i++) {
		uint64_t e = t->pm[i];

		if (s->state[start + i] == PS_UNMAPPED)
			continue;
		if (!(e & PM_SWAP_BIT) || (e & 0x1f) >= REAL_SWAP_TYPES)
			continue;
		if (!swapped++)
			first = start + i;
	}
	if (!swapped)
		return;
	if (s->droppable) {
		ADD(drop_swap_ptes, swapped);
		wlog(true, "BAD droppable memory in swap: pid %d thread %d slot %d: %zu pages, the first page %zu (%p)",
		     t->pid, t->idx, s->id, swapped, first,
		     (void *)page_ptr(s, first));
	} else {
		ADD(normal_swap_ptes, swapped);
	}
}

static void verify_range(struct thread_ctx *t, struct slot *s, size_t start,
			 size_t n, const char *when)
{
	size_t p;

	pagemap_check(t, s, start, n);
	for (p = start; p < start + n; p++)
		verify_page(t, s, p, when);
}

static void verify_slot(struct thread_ctx *t, struct slot *s, const char *when)
{
	verify_range(t, s, 0, s->npages, when);
}

static unsigned int next_gen(struct slot *s)
{
	return ++s->gen & 0x7ff;
}

/*
 * User stores of a new generation into [start, start + n).  A drop in the
 * middle of the stores leaves a page part zero, part new: it is written
 * again (a few times, then zapped with MADV_DONTNEED).
 */
static void write_pages(struct thread_ctx *t, struct slot *s, size_t start,
			size_t n)
{
	unsigned int gen = next_gen(s);
	struct pcls c;
	size_t p;
	int tries;

	for (p = start; p < start + n; p++) {
		if (s->state[p] == PS_UNMAPPED)
			continue;
		for (tries = 0; tries < 4; tries++) {
			fill_page(t->pid, s, p, gen);
			s->state[p] = PS_VALID;
			s->pgen[p] = gen;
			classify(t->pid, s, p, true, gen, &c);
			if (c.other) {
				bad_page(t, s, p, "after write",
					 "foreign words", &c, c.other);
				break;
			}
			if (!c.zero)
				break;
			if (!s->droppable) {
				bad_page(t, s, p, "after write",
					 "normal memory lost words", &c, c.zero);
				break;
			}
			if (!c.expect) {
				seen_zeroed(s, p);
				break;
			}
			classify(t->pid, s, p, true, gen, &c);
			if (!c.expect && !c.other) {
				seen_zeroed(s, p);	/* dropped as we read */
				break;
			}
			/* Dropped while we wrote it: write it again. */
			ADD(drop_torn_writes, 1);
			ADD(observed_drops, 1);
		}
		if (tries == 4) {
			madvise(s->addr + p * PS, PS, MADV_DONTNEED);
			s->state[p] = PS_ZERO;
		}
	}
}

/*
 * After a kernel write through a pin (process_vm_writev, O_DIRECT) of
 * generation @gen: every page holds it, or (droppable, dropped after the
 * unpin) is all zero.  A pinned page cannot be dropped, so a page cut in
 * two is a failure here.
 */
static void check_kernel_write(struct thread_ctx *t, struct slot *s,
			       size_t start, size_t n, unsigned int gen,
			       const char *what)
{
	size_t p;

	for (p = start; p < start + n; p++) {
		s->state[p] = PS_VALID;
		s->pgen[p] = gen;
		verify_page(t, s, p, what);
	}
}

/*
 * A random range of mapped pages of @s, at most @max long: *start, *n.
 * Returns false if nothing of the slot is mapped.
 */
static bool pick_range(struct thread_ctx *t, struct slot *s, size_t max,
		       size_t *start, size_t *n)
{
	size_t np = s->npages, p = rnd(t) % np, i, len;

	for (i = 0; i < np; i++, p = (p + 1) % np)
		if (s->state[p] != PS_UNMAPPED)
			break;
	if (i == np)
		return false;
	len = 1 + rnd(t) % max;
	for (i = 1; i < len && p + i < np && s->state[p + i] != PS_UNMAPPED; i++)
		;
	*start = p;
	*n = i;
	return true;
}

/* A random 2 MiB-aligned block of @s that is all mapped: *start, *n. */
static bool pick_thp_block(struct thread_ctx *t, struct slot *s,
			   size_t *start, size_t *n)
{
	uintptr_t a0 = ((uintptr_t)s->addr + THP_SIZE - 1) & ~(THP_SIZE - 1);
	size_t first = (a0 - (uintptr_t)s->addr) / PS, per = THP_SIZE / PS;
	size_t blocks, k, i, p;

	if (first + per > s->npages)
		return false;
	blocks = (s->npages - first) / per;
	k = rnd(t) % blocks;
	for (i = 0; i < blocks; i++, k = (k + 1) % blocks) {
		size_t b = first + k * per;

		for (p = b; p < b + per && s->state[p] != PS_UNMAPPED; p++)
			;
		if (p == b + per) {
			*start = b;
			*n = per;
			return true;
		}
	}
	return false;
}

static void unexpected(const char *what, struct thread_ctx *t, struct slot *s)
{
	ADD(errors, 1);
	wlog(true, "ERROR %s: %s (pid %d thread %d slot %d %s)", what,
	     strerror(errno), t->pid, t->idx, s ? s->id : -1,
	     s ? kind(s) : "");
}

/*
 * The process's last address-space changes (mmap, munmap, mremap), for the
 * report of a fatal signal: which thread mapped or unmapped the address.
 */
#define VMLOG	256

static struct vmlog_ent {
	unsigned long seq;
	const char *what;
	uintptr_t addr, len, addr2, len2;
	int thread;
	long ret;
} vmlog[VMLOG];
static unsigned long vmlog_seq;

static void vmlog_add(const char *what, void *addr, size_t len, void *addr2,
		      size_t len2, long ret);

static void *map_kind(void *addr, size_t len, bool droppable, int extra)
{
	void *r = mmap(addr, len, PROT_READ | PROT_WRITE,
		       (droppable ? MAP_DROPPABLE : MAP_PRIVATE) |
		       MAP_ANONYMOUS | extra, -1, 0);

	vmlog_add(extra ? "mmap fixed" : "mmap", addr, len, r,
		  r == MAP_FAILED ? 0 : len, r == MAP_FAILED ? -errno : 0);
	return r;
}

static int unmap(void *addr, size_t len)
{
	int r = munmap(addr, len);

	vmlog_add("munmap", addr, len, NULL, 0, r ? -errno : 0);
	return r;
}

/* Map @s afresh, 2 MiB aligned, and write all of it. */
static int slot_map(struct thread_ctx *t, struct slot *s)
{
	size_t len = s->npages * PS, head;
	char *r, *a;

	r = map_kind(NULL, len + THP_SIZE, s->droppable, 0);
	if (r == MAP_FAILED) {
		unexpected("mmap", t, s);
		return -1;
	}
	a = (char *)(((uintptr_t)r + THP_SIZE - 1) & ~(THP_SIZE - 1));
	head = a - r;
	if (head)
		unmap(r, head);
	if (THP_SIZE - head)
		unmap(a + len, THP_SIZE - head);
	s->addr = a;
	s->thp = rnd(t) & 1;
	if (s->thp && madvise(a, len, MADV_HUGEPAGE))
		unexpected("MADV_HUGEPAGE", t, s);
	memset(s->state, PS_ZERO, s->npages);
	write_pages(t, s, 0, s->npages);
	return 0;
}

/* Unmap every mapped run of @s (holes may hold other threads' mappings). */
static void slot_unmap(struct slot *s)
{
	size_t p = 0, q;

	while (p < s->npages) {
		if (s->state[p] == PS_UNMAPPED) {
			p++;
			continue;
		}
		for (q = p; q < s->npages && s->state[q] != PS_UNMAPPED; q++)
			;
		unmap(s->addr + p * PS, (q - p) * PS);
		memset(s->state + p, PS_UNMAPPED, q - p);
		p = q;
	}
}

static void op_punch(struct thread_ctx *t, struct slot *s)
{
	size_t start, n;

	if (!pick_range(t, s, s->npages / 4, &start, &n))
		return;
	verify_range(t, s, start, n, "before munmap");
	if (unmap(s->addr + start * PS, n * PS)) {
		unexpected("partial munmap", t, s);
		return;
	}
	memset(s->state + start, PS_UNMAPPED, n);
	ADD(ops[OP_PUNCH], 1);
}

static void op_fill(struct thread_ctx *t, struct slot *s)
{
	size_t p = 0, q;
	char *want, *got;

	while (p < s->npages) {
		if (s->state[p] != PS_UNMAPPED) {
			p++;
			continue;
		}
		for (q = p; q < s->npages && s->state[q] == PS_UNMAPPED; q++)
			;
		want = s->addr + p * PS;
		got = map_kind(want, (q - p) * PS, s->droppable,
			       MAP_FIXED_NOREPLACE);
		if (got == MAP_FAILED && errno == EEXIST) {
			soft_fail(OP_FILL);	/* someone's there */
		} else if (got != want) {
			if (got != MAP_FAILED)
				unmap(got, (q - p) * PS);
			unexpected("mmap MAP_FIXED_NOREPLACE", t, s);
		} else {
			if (s->thp)
				madvise(want, (q - p) * PS, MADV_HUGEPAGE);
			memset(s->state + p, PS_ZERO, q - p);
			write_pages(t, s, p, q - p);
			ADD(ops[OP_FILL], 1);
		}
		p = q;
	}
}

static void op_mprotect(struct thread_ctx *t, struct slot *s)
{
	size_t start, n;
	char *a;

	if (!pick_range(t, s, 128, &start, &n))
		return;
	a = s->addr + start * PS;
	if (mprotect(a, n * PS, PROT_READ)) {
		unexpected("mprotect PROT_READ", t, s);
		return;
	}
	verify_range(t, s, start, n, "read-only");
	if (mprotect(a, n * PS, PROT_READ | PROT_WRITE)) {
		unexpected("mprotect PROT_READ|PROT_WRITE", t, s);
		return;
	}
	ADD(ops[OP_MPROTECT], 1);
}

/*
 * Move the slot to a new place (2 MiB aligned, or one time in four a few
 * pages off so that its THPs are PMD-split), growing it back over tail
 * holes; or shrink it in place.  Needs a slot whose holes are all at its
 * end; a slot that is still several VMAs (EFAULT) is left alone.
 */
/*
 * Give back the reservation [r, r + rlen) after a failed mremap() with
 * MREMAP_FIXED to [target, target + len).  The kernel unmaps the target
 * before it checks the source (an -EFAULT for a source range that spans two
 * VMAs comes after it), and another thread may have mapped something into
 * that hole since: unmapping the whole reservation would take that away
 * (a slot of another thread lost its upper half so, and the thread died of
 * SIGSEGV writing it).  So take the hole back first; if any of it is in use,
 * unmap only the parts around it (if what is in use is the reservation
 * itself, because mremap() failed before it unmapped anything, that part of
 * it is left mapped: PROT_NONE and without reserve, it costs nothing).
 */
static void unreserve(char *r, size_t rlen, char *target, size_t len)
{
	void *got = mmap(target, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
			 MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);

	vmlog_add("mmap refill", target, len, got,
		  got == MAP_FAILED ? 0 : len, got == MAP_FAILED ? -errno : 0);
	if (got == target) {
		unmap(r, rlen);
		return;
	}
	if (got != MAP_FAILED)
		unmap(got, len);
	if (target > r)
		unmap(r, target - r);
	if (r + rlen > target + len)
		unmap(target + len, r + rlen - (target + len));
}

static void op_mremap(struct thread_ctx *t, struct slot *s)
{
	size_t len = s->npages * PS, prefix, p, slack;
	char *r, *target, *got;

	for (prefix = 0; prefix < s->npages &&
	     s->state[prefix] != PS_UNMAPPED; prefix++)
		;
	for (p = prefix; p < s->npages; p++)
		if (s->state[p] != PS_UNMAPPED)
			return;
	if (!prefix)
		return;
	/* Make the VMA flags uniform again, so the VMAs merge. */
	madvise(s->addr, prefix * PS, s->thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);

	if (prefix == s->npages && !(rnd(t) % 3)) {
		size_t k = 1 + rnd(t) % (s->npages / 4);

		verify_range(t, s, s->npages - k, k, "before mremap shrink");
		got = mremap(s->addr, len, len - k * PS, 0);
		vmlog_add("mremap shrink", s->addr, len, got, len - k * PS,
			  got == MAP_FAILED ? -errno : 0);
		if (got == MAP_FAILED) {
			if (errno == EFAULT) {
				soft_fail(OP_MREMAP);
				return;
			}
			unexpected("mremap shrink", t, s);
			return;
		}
		memset(s->state + s->npages - k, PS_UNMAPPED, k);
		ADD(ops[OP_MREMAP], 1);
		return;
	}

	slack = 2 * THP_SIZE;
	r = mmap(NULL, len + slack, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	vmlog_add("mmap reserve", NULL, len + slack, r,
		  r == MAP_FAILED ? 0 : len + slack,
		  r == MAP_FAILED ? -errno : 0);
	if (r == MAP_FAILED) {
		unexpected("mmap reservation", t, s);
		return;
	}
	target = (char *)(((uintptr_t)r + THP_SIZE - 1) & ~(THP_SIZE - 1));
	if (!(rnd(t) % 4))
		target += (1 + rnd(t) % 16) * PS;
	got = mremap(s->addr, prefix * PS, len, MREMAP_MAYMOVE | MREMAP_FIXED,
		     target);
	vmlog_add("mremap move", s->addr, prefix * PS, target, len,
		  got == MAP_FAILED ? -errno : 0);
	if (got == MAP_FAILED) {
		if (errno == EFAULT)
			soft_fail(OP_MREMAP);
		else
			unexpected("mremap move", t, s);
		unreserve(r, len + slack, target, len);
		return;
	}
	if (target > r)
		unmap(r, target - r);
	if (r + len + slack > target + len)
		unmap(target + len, r + len + slack - (target + len));
	s->addr = target;
	if (prefix < s->npages) {
		memset(s->state + prefix, PS_ZERO, s->npages - prefix);
		write_pages(t, s, prefix, s->npages - prefix);
	}
	ADD(ops[OP_MREMAP], 1);
}

/*
 * In the fork child: droppable slots must read all zero, normal slots as
 * the parent left them.  Then write a few pages with the child's own pid.
 * No stdio, no malloc: the parent is threaded.
 */
static void child_check(struct thread_ctx *t)
{
	pid_t me = getpid();
	int i, bad_pages = 0;
	uint64_t bad_words = 0;
	struct pcls c;
	size_t p;

	for (i = 0; i < t->nslots; i++) {
		struct slot *s = &t->slots[i];

		for (p = 0; p < s->npages; p++) {
			uint8_t st = s->state[p];

			if (st == PS_UNMAPPED)
				continue;
			if (s->droppable) {
				classify(t->pid, s, p, false, 0, &c);
				if (c.zero != WPP) {
					if (!bad_pages)
						wlog(true, "BAD fork child %d: droppable slot %d page %zu of pid %d not wiped: %u non-zero words",
						     me, s->id, p, t->pid,
						     (unsigned int)(WPP - c.zero));
					bad_pages++;
				}
				continue;
			}
			classify(t->pid, s, p, st != PS_ZERO, s->pgen[p], &c);
			/* MADV_FREE'd: may be freed while we read it. */
			if (st == PS_FREED && c.zero && c.expect && !c.other)
				classify(t->pid, s, p, true, s->pgen[p], &c);
			if (c.other || (c.zero && st == PS_VALID) ||
			    (c.zero && c.expect)) {
				if (!bad_words)
					wlog(true, "BAD fork child %d: normal slot %d page %zu of pid %d: %u expected, %u zero, %u other words",
					     me, s->id, p, t->pid, c.expect,
					     c.zero, c.other);
				bad_words += c.other +
					(st == PS_VALID || c.expect ? c.zero : 0);
			}
		}
		/* Break COW / fault in droppable pages of our own. */
		for (p = 0; p < s->npages; p += s->npages / 3 + 1)
			if (s->state[p] != PS_UNMAPPED)
				fill_page(me, s, p, 0);
	}
	if (bad_pages)
		ADD(child_drop_bad_pages, bad_pages);
	if (bad_words)
		ADD(child_normal_bad_words, bad_words);
}

static void op_fork(struct thread_ctx *t)
{
	int status, i;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		if (errno == EAGAIN || errno == ENOMEM)
			soft_fail(OP_FORK);
		else
			unexpected("fork", t, NULL);
		return;
	}
	if (!pid) {
		child_check(t);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid) {
		unexpected("waitpid", t, NULL);
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		ADD(child_failed, 1);
		wlog(true, "BAD fork child %d of pid %d: %s %d", pid, t->pid,
		     WIFSIGNALED(status) ? "killed by signal" : "exit",
		     WIFSIGNALED(status) ? WTERMSIG(status) :
		     WEXITSTATUS(status));
	}
	/* The child's writes must not show here. */
	for (i = 0; i < t->nslots; i++)
		verify_slot(t, &t->slots[i], "after fork");
	ADD(ops[OP_FORK], 1);
}

static void op_madvise(struct thread_ctx *t, struct slot *s, enum op op)
{
	static const int adv[NR_OPS] = {
		[OP_PAGEOUT] = MADV_PAGEOUT, [OP_COLLAPSE] = MADV_COLLAPSE,
		[OP_HUGEPAGE] = MADV_HUGEPAGE, [OP_NOHUGEPAGE] = MADV_NOHUGEPAGE,
		[OP_DONTNEED] = MADV_DONTNEED, [OP_FREE] = MADV_FREE,
	};
	size_t start, n, max = 256, p;
	bool whole = false;
	char *a;

	if ((op == OP_HUGEPAGE || op == OP_NOHUGEPAGE) && !(rnd(t) % 2)) {
		whole = true;
		max = s->npages;
	}
	if (op == OP_COLLAPSE) {
		if (!pick_thp_block(t, s, &start, &n))
			return;
	} else if (!pick_range(t, s, max, &start, &n)) {
		return;
	}
	if (whole && n == s->npages)
		s->thp = op == OP_HUGEPAGE;
	a = s->addr + start * PS;
	/*
	 * Look before DONTNEED and FREE drop the contents, and before
	 * COLLAPSE swaps pages in.
	 */
	if (op == OP_DONTNEED || op == OP_FREE || op == OP_COLLAPSE)
		verify_range(t, s, start, n, "before madvise");
	if (madvise(a, n * PS, adv[op])) {
		if (op == OP_COLLAPSE && (errno == EAGAIN || errno == ENOMEM ||
					  errno == EINVAL || errno == EBUSY)) {
			soft_fail(op);
			return;
		}
		unexpected(op_names[op], t, s);
		return;
	}
	ADD(ops[op], 1);
	switch (op) {
	case OP_DONTNEED:
		memset(s->state + start, PS_ZERO, n);
		break;
	case OP_FREE:
		if (!s->droppable)
			for (p = start; p < start + n; p++)
				if (s->state[p] == PS_VALID)
					s->state[p] = PS_FREED;
		break;
	case OP_PAGEOUT:
		/* Dropped pages show now; swapped ones at the next verify. */
		if (s->droppable)
			verify_range(t, s, start, n, "after MADV_PAGEOUT");
		break;
	default:
		break;
	}
}

/* The pattern of generation @gen for [start, start + n) into the scratch. */
static void scratch_pattern(struct thread_ctx *t, struct slot *s, size_t start,
			    size_t n, unsigned int gen)
{
	size_t i;
	unsigned int w;

	for (i = 0; i < n; i++)
		for (w = 0; w < WPP; w++)
			t->scratch[i * WPP + w] =
				word_val(t->pid, s->id, start + i, gen, w);
}

static void op_writev(struct thread_ctx *t, struct slot *s)
{
	struct iovec local, remote;
	size_t start, n;
	unsigned int gen;
	ssize_t r;

	if (!pick_range(t, s, SCRATCH_PAGES, &start, &n))
		return;
	verify_range(t, s, start, n, "before process_vm_writev");
	gen = next_gen(s);
	scratch_pattern(t, s, start, n, gen);
	local.iov_base = t->scratch;
	local.iov_len = n * PS;
	remote.iov_base = s->addr + start * PS;
	remote.iov_len = n * PS;
	r = process_vm_writev(t->pid, &local, 1, &remote, 1, 0);
	if (r != (ssize_t)(n * PS)) {
		if (r >= 0)
			errno = EIO;
		unexpected("process_vm_writev", t, s);
		/* What was written is unknown: make the range zero. */
		madvise(remote.iov_base, n * PS, MADV_DONTNEED);
		memset(s->state + start, PS_ZERO, n);
		return;
	}
	check_kernel_write(t, s, start, n, gen, "after process_vm_writev");
	ADD(ops[OP_WRITEV], 1);
}

static void op_dio(struct thread_ctx *t, struct slot *s)
{
	size_t start, n, got = 0;
	unsigned int gen;
	char *dst;
	ssize_t r;

	if (t->dio_fd < 0 || !pick_range(t, s, SCRATCH_PAGES, &start, &n))
		return;
	verify_range(t, s, start, n, "before O_DIRECT pread");
	gen = next_gen(s);
	scratch_pattern(t, s, start, n, gen);
	r = pwrite(t->dio_fd, t->scratch, n * PS, t->dio_off);
	if (r != (ssize_t)(n * PS)) {
		if (r >= 0)
			errno = EIO;
		unexpected("O_DIRECT pwrite", t, s);
		return;
	}
	dst = s->addr + start * PS;
	while (got < n * PS) {
		r = pread(t->dio_fd, dst + got, n * PS - got, t->dio_off + got);
		if (r <= 0) {
			if (!r)
				errno = EIO;
			unexpected("O_DIRECT pread", t, s);
			madvise(dst, n * PS, MADV_DONTNEED);
			memset(s->state + start, PS_ZERO, n);
			return;
		}
		got += r;
	}
	check_kernel_write(t, s, start, n, gen, "after O_DIRECT pread");
	ADD(ops[OP_DIO], 1);
}

static void op_move_pages(struct thread_ctx *t, struct slot *s)
{
	void *pages[MOVE_MAX];
	int nodes[MOVE_MAX], status[MOVE_MAX];
	int node = rnd(t) & 1, moved = 0;
	size_t start, n, i;
	long r;

	if (!two_nodes || !pick_range(t, s, MOVE_MAX, &start, &n))
		return;
	for (i = 0; i < n; i++) {
		pages[i] = s->addr + (start + i) * PS;
		nodes[i] = node;
		status[i] = -1;
	}
	r = syscall(__NR_move_pages, 0, n, pages, nodes, status, MPOL_MF_MOVE);
	if (r < 0) {
		if (errno == ENOMEM || errno == EBUSY || errno == EAGAIN ||
		    errno == ENOENT)
			soft_fail(OP_MOVE_PAGES);
		else
			unexpected("move_pages", t, s);
		return;
	}
	for (i = 0; i < n; i++)
		moved += status[i] == node;
	ADD(moved_pages, moved);
	ADD(ops[OP_MOVE_PAGES], 1);
}

/*
 * -F: prove that the checks see bad data.  Worker 0's thread 0 changes the
 * generation of one word of the first normal page it verifies, and writes
 * a word of another pid into the first droppable page it verifies (again
 * at the next verify of a droppable slot if the page was dropped before
 * the verify read it); both must be reported.
 */
static void inject(struct thread_ctx *t, struct slot *s)
{
	int bit = s->droppable ? 1 : 2;
	size_t p;

	if (t->injected & bit)
		return;
	for (p = 0; p < s->npages; p++)
		if (s->state[p] == PS_VALID)
			break;
	if (p == s->npages)
		return;
	t->injected |= bit;
	if (s->droppable)
		page_ptr(s, p)[5] = word_val(t->pid + 1, s->id, p, s->pgen[p], 5);
	else
		page_ptr(s, p)[3] ^= 1 << 9;
	wlog(true, "injected: a bad word into %s slot %d page %zu of pid %d",
	     kind(s), s->id, p, t->pid);
}

static enum op pick_op(struct thread_ctx *t)
{
	int total = 0, r, i;

	for (i = 0; i < OP_RECLAIM; i++)
		total += op_weight[i];
	r = rnd(t) % total;
	for (i = 0; i < OP_RECLAIM; i++) {
		if (r < op_weight[i])
			return i;
		r -= op_weight[i];
	}
	return OP_WRITE;
}

/* The slot for writev and dio: droppable three times out of four. */
static struct slot *pick_io_slot(struct thread_ctx *t)
{
	int half = t->nslots / 2;

	if (rnd(t) % 4)
		return &t->slots[rnd(t) % half];
	return &t->slots[half + rnd(t) % half];
}

/*
 * What each thread is doing, for the report of a fatal signal: a worker
 * that faults on its own slot must say which operation it was in, how the
 * slot looked to it and what the kernel had mapped there.
 */
static __thread struct {
	struct thread_ctx *t;
	struct slot *s;
	int op;
} cur = { NULL, NULL, -1 };

static char maps_buf[1 << 16];

/* One line straight to stdout, outside the log budget: the process dies. */
static __printf(1, 2) void crash_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(fmt, ap);
	va_end(ap);
}

/* The runs of the slot's page states, "0-511 valid/zero, 512-767 unmapped". */
static void crash_slot_runs(struct slot *s)
{
	char line[400];
	size_t p = 0, q;
	int n = 0;

	while (p < s->npages && n < (int)sizeof(line) - 40) {
		bool unm = s->state[p] == PS_UNMAPPED;

		for (q = p; q < s->npages && (s->state[q] == PS_UNMAPPED) == unm; q++)
			;
		n += snprintf(line + n, sizeof(line) - n, "%s%zu-%zu %s",
			      n ? ", " : "", p, q - 1, unm ? "unmapped" : "mapped");
		p = q;
	}
	crash_line("slot %d pages: %s", s->id, line);
}

/* The lines of /proc/self/maps within 8 MiB of @addr. */
static void crash_maps(uintptr_t addr)
{
	ssize_t len = 0, r;
	char *l, *e;
	int fd;

	fd = open("/proc/self/maps", O_RDONLY);
	if (fd < 0)
		return;
	while (len < (ssize_t)sizeof(maps_buf) - 1 &&
	       (r = read(fd, maps_buf + len, sizeof(maps_buf) - 1 - len)) > 0)
		len += r;
	close(fd);
	maps_buf[len] = 0;
	for (l = maps_buf; *l; l = e + 1) {
		unsigned long lo, hi;

		e = strchr(l, '\n');
		if (!e)
			break;
		*e = 0;
		if (sscanf(l, "%lx-%lx", &lo, &hi) == 2 &&
		    hi + (8UL << 20) > addr && lo < addr + (8UL << 20))
			crash_line("maps: %s", l);
	}
}

static void vmlog_add(const char *what, void *addr, size_t len, void *addr2,
		      size_t len2, long ret)
{
	unsigned long n = __atomic_fetch_add(&vmlog_seq, 1, __ATOMIC_RELAXED);
	struct vmlog_ent *e = &vmlog[n % VMLOG];

	e->seq = n;
	e->what = what;
	e->addr = (uintptr_t)addr;
	e->len = len;
	e->addr2 = (uintptr_t)addr2;
	e->len2 = len2;
	e->thread = cur.t ? cur.t->idx : -1;
	e->ret = ret;
}

static bool overlaps(uintptr_t a, uintptr_t len, uintptr_t lo, uintptr_t hi)
{
	return len && a < hi && a + len > lo;
}

/* The logged changes that touched [addr - 4 MiB, addr + 4 MiB), oldest first. */
static void crash_vmlog(uintptr_t addr)
{
	unsigned long last = __atomic_load_n(&vmlog_seq, __ATOMIC_RELAXED), n;
	uintptr_t lo = addr - (4UL << 20), hi = addr + (4UL << 20);
	int shown = 0;

	n = last > VMLOG ? last - VMLOG : 0;
	for (; n < last; n++) {
		struct vmlog_ent *e = &vmlog[n % VMLOG];

		if (e->seq != n || !(overlaps(e->addr, e->len, lo, hi) ||
				     overlaps(e->addr2, e->len2, lo, hi)))
			continue;
		if (++shown > 40)
			break;
		crash_line("vmlog #%lu thread %d %s %#lx+%#lx -> %#lx+%#lx = %ld",
			   e->seq, e->thread, e->what, (unsigned long)e->addr,
			   (unsigned long)e->len, (unsigned long)e->addr2,
			   (unsigned long)e->len2, e->ret);
	}
	crash_line("vmlog: %d of the last %lu changes touch the address +- 4 MiB",
		   shown, last < VMLOG ? last : VMLOG);
}

static void crash_report(int sig, siginfo_t *si, void *uc)
{
	static int once;
	uintptr_t addr = (uintptr_t)si->si_addr;
	struct slot *s = cur.s;

	(void)uc;
	if (__atomic_exchange_n(&once, 1, __ATOMIC_SEQ_CST))
		return;		/* SA_RESETHAND: the next one is fatal */
	crash_line("FATAL pid %d: signal %d (si_code %d) at %p in thread %d, op %s",
		   getpid(), sig, si->si_code, si->si_addr,
		   cur.t ? cur.t->idx : -1,
		   cur.op >= 0 ? op_names[cur.op] : "setup");
	if (s) {
		crash_line("slot %d (%s) at %p-%p, %zu pages, page %ld of it",
			   s->id, kind(s), s->addr, s->addr + s->npages * PS,
			   s->npages, (long)((char *)addr - s->addr) / (long)PS);
		crash_slot_runs(s);
	}
	crash_maps(addr);
	crash_vmlog(addr);
}

/* In each worker: report SIGSEGV and SIGBUS, then die of them as before. */
static void crash_report_install(void)
{
	struct sigaction sa = {
		.sa_sigaction = crash_report,
		.sa_flags = SA_SIGINFO | SA_RESETHAND,
	};

	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

static void do_op(struct thread_ctx *t, enum op op)
{
	struct slot *s = &t->slots[rnd(t) % t->nslots];
	size_t start, n;

	cur.s = s;
	cur.op = op;
	switch (op) {
	case OP_WRITE:
		if (pick_range(t, s, 256, &start, &n)) {
			verify_range(t, s, start, n, "before write");
			write_pages(t, s, start, n);
			ADD(ops[OP_WRITE], 1);
		}
		break;
	case OP_VERIFY:
		if (opt.inject && !t->proc && !t->idx)
			inject(t, s);
		verify_slot(t, s, "verify");
		/* Dropped before we looked: inject again next time. */
		if (opt.inject && s->droppable && !GET(drop_bad_pages))
			t->injected &= ~1;
		ADD(ops[OP_VERIFY], 1);
		break;
	case OP_MMAP:
		verify_slot(t, s, "before munmap");
		slot_unmap(s);
		if (!slot_map(t, s))
			ADD(ops[OP_MMAP], 1);
		break;
	case OP_PUNCH:
		op_punch(t, s);
		break;
	case OP_FILL:
		op_fill(t, s);
		break;
	case OP_MPROTECT:
		op_mprotect(t, s);
		break;
	case OP_MREMAP:
		op_mremap(t, s);
		break;
	case OP_FORK:
		op_fork(t);
		break;
	case OP_PAGEOUT:
	case OP_COLLAPSE:
	case OP_HUGEPAGE:
	case OP_NOHUGEPAGE:
	case OP_DONTNEED:
	case OP_FREE:
		op_madvise(t, s, op);
		break;
	case OP_WRITEV:
		cur.s = pick_io_slot(t);
		op_writev(t, cur.s);
		break;
	case OP_DIO:
		cur.s = pick_io_slot(t);
		op_dio(t, cur.s);
		break;
	case OP_MOVE_PAGES:
		op_move_pages(t, s);
		break;
	default:
		break;
	}
}

static void *thread_main(void *arg)
{
	struct thread_ctx *t = arg;
	size_t np = (size_t)opt.slot_mib * MiB / PS;
	int i;

	cur.t = t;
	t->pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	if (t->pagemap_fd < 0)
		unexpected("open /proc/self/pagemap", t, NULL);
	t->scratch = mmap(NULL, SCRATCH_PAGES * PS, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	t->pm = malloc(np * 8);
	if (t->scratch == MAP_FAILED || !t->pm) {
		unexpected("scratch buffers", t, NULL);
		return NULL;
	}
	/* Slots 0..n-1 droppable, n..2n-1 normal. */
	t->nslots = 2 * opt.slots;
	for (i = 0; i < t->nslots; i++) {
		struct slot *s = &t->slots[i];

		s->npages = np;
		s->id = t->idx * t->nslots + i;
		s->droppable = i < opt.slots;
		s->state = calloc(np, 1);
		s->pgen = calloc(np, sizeof(*s->pgen));
		if (!s->state || !s->pgen) {
			unexpected("calloc", t, s);
			return NULL;
		}
		cur.s = s;
		if (slot_map(t, s))
			return NULL;
	}
	while (!past_deadline())
		do_op(t, pick_op(t));
	/* The last word: every slot once more, then away with it. */
	cur.op = -1;
	for (i = 0; i < t->nslots; i++) {
		cur.s = &t->slots[i];
		verify_slot(t, &t->slots[i], "final verify");
		slot_unmap(&t->slots[i]);
	}
	return NULL;
}

static int worker_main(int proc)
{
	struct thread_ctx *ts;
	int i, dio_fd = -1;

	crash_report_install();
	if (du_cgroup_join(cg_path)) {
		wlog(true, "ERROR worker %d: joining %s: %s", proc, cg_path,
		     strerror(errno));
		return 2;
	}
	if (dio_dev[0]) {
		dio_fd = open(dio_dev, O_RDWR | O_DIRECT);
		if (dio_fd < 0) {
			ADD(errors, 1);
			wlog(true, "ERROR worker %d: open %s O_DIRECT: %s",
			     proc, dio_dev, strerror(errno));
		}
	}
	ts = calloc(opt.threads, sizeof(*ts));
	if (!ts)
		return 2;
	for (i = 0; i < opt.threads; i++) {
		struct thread_ctx *t = &ts[i];

		t->proc = proc;
		t->idx = i;
		t->pid = getpid();
		t->rng = (opt.seed ^ ((uint64_t)(proc + 1) << 32) ^
			  ((uint64_t)(i + 1) << 16) ^ 0x9e3779b97f4a7c15ULL) | 1;
		t->dio_fd = dio_fd;
		t->dio_off = (off_t)(proc * opt.threads + i) * DIO_SECTION;
		if (pthread_create(&t->tid, NULL, thread_main, t)) {
			wlog(true, "ERROR worker %d: pthread_create", proc);
			return 2;
		}
	}
	for (i = 0; i < opt.threads; i++)
		pthread_join(ts[i].tid, NULL);
	return 0;
}

/* ---- the controller ---- */

static char cg_reclaim[300], cg_max[300], cg_current[300], cg_swap[300],
	    cg_memstat[300], cg_events[300];

static void cg_paths(void)
{
	snprintf(cg_reclaim, sizeof(cg_reclaim), "%s/memory.reclaim", cg_path);
	snprintf(cg_max, sizeof(cg_max), "%s/memory.max", cg_path);
	snprintf(cg_current, sizeof(cg_current), "%s/memory.current", cg_path);
	snprintf(cg_swap, sizeof(cg_swap), "%s/memory.swap.current", cg_path);
	snprintf(cg_memstat, sizeof(cg_memstat), "%s/memory.stat", cg_path);
	snprintf(cg_events, sizeof(cg_events), "%s/memory.events", cg_path);
}

static long long cg_stat(const char *key)
{
	return du_read_key(cg_memstat, key);
}

static long long cg_event(const char *key)
{
	return du_read_key(cg_events, key);
}

/* zram0's stored pages (mm_stat orig_data_size / page size), or -1. */
static long long zram0_pages(void)
{
	long long orig = -1;
	FILE *f = fopen("/sys/block/zram0/mm_stat", "r");

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &orig) != 1)
		orig = -1;
	fclose(f);
	return orig < 0 ? -1 : orig / (long long)PS;
}

/* A new /dev/zramN of @mib MiB for direct I/O; its number or -1. */
static int dio_zram_add(unsigned long mib)
{
	return du_zram_add(mib, dio_dev, sizeof(dio_dev));
}

struct peaks {
	long long swap_current, zram_pages, current, droppable;
};

static void sample(struct peaks *pk)
{
	long long v;

	v = du_read_num(cg_swap);
	if (v > pk->swap_current)
		pk->swap_current = v;
	v = zram0_pages();
	if (v > pk->zram_pages)
		pk->zram_pages = v;
	v = du_read_num(cg_current);
	if (v > pk->current)
		pk->current = v;
	v = cg_stat("droppable");
	if (v > pk->droppable)
		pk->droppable = v;
}

static uint64_t crng = 88172645463325252ULL;

static uint64_t crand(void)
{
	crng ^= crng << 13;
	crng ^= crng >> 7;
	crng ^= crng << 17;
	return crng;
}

static int workers_alive(pid_t *pids, int *status, int n)
{
	int i, alive = 0;

	for (i = 0; i < n; i++) {
		if (!pids[i])
			continue;
		if (waitpid(pids[i], &status[i], WNOHANG) == pids[i])
			pids[i] = 0;
		else
			alive++;
	}
	return alive;
}

/*
 * memory.reclaim of 4-64 MiB (one time in four 128 MiB), at most half of
 * memory.current, every 0.5-1.5 s until the deadline, in a thread of its own: a write blocks while the
 * kernel reclaims, for as long as it takes to reclaim that much while the
 * workers fault memory back in (minutes on a slow debug guest), so at the
 * deadline pressure() interrupts it with SIGUSR1 (memory.reclaim returns
 * EINTR when a signal is pending).
 */
static volatile sig_atomic_t reclaimer_done;

static void reclaimer_wake(int sig)
{
	(void)sig;
}

static void *reclaimer(void *arg)
{
	uint64_t rng = opt.seed ^ 0x5851f42d4c957f2dULL;

	while (!past_deadline()) {
		unsigned long mib;
		long long cur;
		uint64_t us;
		double t0;
		int r;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		mib = rng % 4 ? 4 + (rng >> 8) % 61 : 128;
		/*
		 * Not more than half of what the cgroup holds: a larger
		 * request only ends once the workers have faulted that much
		 * back in, which on a slow (debug, emulated) guest kept the
		 * write going for the whole run while the reclaim starved
		 * the workers.
		 */
		cur = du_read_num(cg_current) / 2 / (long long)MiB;
		if (cur >= 4 && (long long)mib > cur)
			mib = cur;
		t0 = now_s();
		r = du_write_file(cg_reclaim, "%luM", mib);
		us = (now_s() - t0) * 1e6;
		ADD(reclaim_us, us);
		if (us > GET(reclaim_max_us))
			sh->reclaim_max_us = us;
		if (r && errno == EINTR && past_deadline())
			break;
		if (r) {
			if (errno == EAGAIN)
				soft_fail(OP_RECLAIM);
			else
				ksft_print_msg("memory.reclaim: %s\n",
					       strerror(errno));
		}
		ADD(ops[OP_RECLAIM], 1);
		usleep(500 * 1000 + (rng >> 16) % (1000 * 1000));
	}
	reclaimer_done = 1;
	return NULL;
}

/*
 * Until the deadline, with memory.reclaim going on beside: every 4-8 s
 * memory.max 8-48 MiB below memory.current for 1-2 s, not below @floor
 * (about what the normal memory needs to make progress) unless the usage
 * is there already (then an eighth below it); the peaks sampled.
 */
static void pressure(pid_t *pids, int *status, struct peaks *pk,
		     long long floor)
{
	double next_max = now_s() + 3, until;
	struct sigaction sa = { .sa_handler = reclaimer_wake };
	pthread_t rt;
	int rt_ok;

	/* No SA_RESTART: the signal ends a blocked memory.reclaim write. */
	sigaction(SIGUSR1, &sa, NULL);
	reclaimer_done = 0;
	rt_ok = !pthread_create(&rt, NULL, reclaimer, NULL);
	if (!rt_ok)
		ksft_print_msg("no memory.reclaim thread\n");
	while (!past_deadline() && workers_alive(pids, status, opt.procs)) {
		sample(pk);
		if (now_s() >= next_max) {
			long long cur = du_read_num(cg_current);
			long long lim = cur - (long long)((8 + crand() % 41) * MiB);

			if (lim < floor)
				lim = floor;
			/* Below the floor already: an eighth less. */
			if (lim >= cur)
				lim = cur - cur / 8;
			if (cur > 0 && lim < cur) {
				if (opt.verbose)
					ksft_print_msg("memory.max %lld KiB, memory.current was %lld KiB\n",
						       lim / 1024, cur / 1024);
				du_write_file(cg_max, "%lld", lim);
				ADD(ops[OP_MEMMAX], 1);
				until = now_s() + 1 + (crand() % 1000) / 1000.0;
				while (now_s() < until && !past_deadline()) {
					sample(pk);
					usleep(100 * 1000);
				}
				du_write_file(cg_max, "max");
			}
			next_max = now_s() + 4 + crand() % 5;
		}
		usleep(100 * 1000);
	}
	/* Workers that died early must not leave the reclaimer running. */
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
	/* Again and again: the signal may come just before a write. */
	while (rt_ok && !reclaimer_done) {
		pthread_kill(rt, SIGUSR1);
		usleep(100 * 1000);
	}
	if (rt_ok)
		pthread_join(rt, NULL);
	du_write_file(cg_max, "max");
}

/* A /proc/vmstat counter delta, or -1 if the kernel does not have it. */
static long long vm_delta(const char *key, long long start)
{
	long long v = du_vmstat(key);

	return v < 0 || start < 0 ? -1 : v - start;
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-t SECONDS] [-p PROCS] [-T THREADS] [-n SLOTS] [-s SLOT_MIB] [-S SEED] [-v] [-F]\n"
		"  -t SECONDS  run time (default 60)\n"
		"  -p PROCS    worker processes (default 4)\n"
		"  -T THREADS  threads per process (default 3, at most %d)\n"
		"  -n SLOTS    droppable and normal slots per thread (default 2 each, at most %d)\n"
		"  -s SLOT_MIB size of a slot, even, at most %d (default 4)\n"
		"  -S SEED     random seed (default: from the time)\n"
		"  -v          log allowed failures and memory.max changes\n"
		"  -F          inject two bad words (the run must fail)\n",
		argv0, MAX_THREADS, MAX_SLOTS, MAX_SLOT_MIB);
	exit(KSFT_FAIL);
}

int main(int argc, char **argv)
{
	long long vm_drop0, vm_fault0, vm_pswpout0, vm_lazyfreed0;
	long long oom_kill, oom, cg_drop, cg_fault, cg_droppable, cg_lazyfreed;
	long long vm_drop, pswpout, normal_bound, zram_bound, zram_peak, floor;
	struct peaks pk = { -1, -1, -1, -1 };
	int c, i, s, dio_zram = -1, *status;
	int died = 0, stuck = 0, bad_exit = 0;
	unsigned long normal_mib, drop_mib;
	double start, elapsed;
	char summary[2048];
	bool counters, ran;
	pid_t *pids;
	size_t len;

	while ((c = getopt(argc, argv, "t:p:T:n:s:S:vFh")) != -1) {
		switch (c) {
		case 't':
			opt.secs = atoi(optarg);
			break;
		case 'p':
			opt.procs = atoi(optarg);
			break;
		case 'T':
			opt.threads = atoi(optarg);
			break;
		case 'n':
			opt.slots = atoi(optarg);
			break;
		case 's':
			opt.slot_mib = atoi(optarg);
			break;
		case 'S':
			opt.seed = strtoul(optarg, NULL, 0);
			break;
		case 'v':
			opt.verbose = 1;
			break;
		case 'F':
			opt.inject = 1;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc || opt.secs < 1 || opt.procs < 1 ||
	    opt.threads < 1 || opt.threads > MAX_THREADS || opt.slots < 1 ||
	    opt.slots > MAX_SLOTS || opt.slot_mib < 2 || opt.slot_mib % 2 ||
	    opt.slot_mib > MAX_SLOT_MIB || opt.threads * 2 * opt.slots > 256)
		usage(argv[0]);
	if (!opt.seed)
		opt.seed = (unsigned long)time(NULL) ^ getpid();
	crng ^= opt.seed;

	ksft_print_header();
	s = du_droppable_supported();
	if (s <= 0) {
		if (s == 0)
			ksft_exit_skip("MAP_DROPPABLE not supported by this kernel\n");
		ksft_exit_fail_msg("mmap(MAP_DROPPABLE): %s\n", strerror(errno));
	}
	if (access(CGROOT "/cgroup.controllers", R_OK))
		ksft_exit_skip("no cgroup2 at " CGROOT "\n");
	if (geteuid())
		ksft_exit_skip("run as root (cgroups, zram, pagemap swap types)\n");
	ksft_set_plan(7);

	normal_mib = (unsigned long)opt.procs * opt.threads *
		     (opt.slots * opt.slot_mib + SCRATCH_PAGES * PS / MiB);
	drop_mib = (unsigned long)opt.procs * opt.threads * opt.slots *
		   opt.slot_mib;
	/*
	 * What the normal memory of the workload can put into swap: the
	 * slots and scratch buffers, 8 MiB of each worker's other memory
	 * (stacks, heap, libc), 2 MiB per fork child, and for zram0 32 MiB
	 * of the rest of the system.
	 */
	normal_bound = (long long)(normal_mib + opt.procs * 8 +
				   opt.procs * opt.threads * 2) * MiB;
	floor = (long long)(normal_mib / 2 + 48) * MiB;
	ksft_print_msg("%d s, %d processes x %d threads, %d droppable + %d normal slots of %d MiB per thread: %lu MiB droppable, %lu MiB normal; seed %lu\n",
		       opt.secs, opt.procs, opt.threads, opt.slots, opt.slots,
		       opt.slot_mib, drop_mib, normal_mib, opt.seed);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		ksft_exit_fail_msg("mmap shared: %s\n", strerror(errno));
	sh->log_budget = LOG_BUDGET;
	two_nodes = !access("/sys/devices/system/node/node1", F_OK);
	if (!two_nodes)
		ksft_print_msg("one NUMA node: no move_pages\n");

	if (du_swap_on(SWAP_MIB))
		ksft_exit_fail_msg("zram swap on /dev/zram0 failed\n");
	dio_zram = dio_zram_add(opt.procs * opt.threads * DIO_SECTION / MiB + 1);
	if (dio_zram < 0) {
		dio_dev[0] = 0;
		ksft_print_msg("no zram device for O_DIRECT: no dio\n");
	}
	du_write_file(CGROOT "/cgroup.subtree_control", "+memory");
	snprintf(cg_path, sizeof(cg_path), CGROOT "/droppable_stress-%d",
		 getpid());
	if (mkdir(cg_path, 0755) && errno != EEXIST)
		ksft_exit_fail_msg("mkdir %s: %s\n", cg_path, strerror(errno));
	cg_paths();

	vm_drop0 = du_vmstat("droppable_drop");
	vm_fault0 = du_vmstat("droppable_fault");
	vm_pswpout0 = du_vmstat("pswpout");
	vm_lazyfreed0 = du_vmstat("pglazyfreed");

	pids = calloc(opt.procs, sizeof(*pids));
	status = calloc(opt.procs, sizeof(*status));
	if (!pids || !status)
		ksft_exit_fail_msg("calloc\n");
	clock_gettime(CLOCK_MONOTONIC, &sh->end);
	sh->end.tv_sec += opt.secs;
	start = now_s();
	fflush(stdout);
	for (i = 0; i < opt.procs; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			ksft_exit_fail_msg("fork: %s\n", strerror(errno));
		if (!pids[i])
			_exit(worker_main(i));
	}

	pressure(pids, status, &pk, floor);
	sample(&pk);

	/* The workers verify everything once more and exit. */
	for (i = 0; i < 600 && workers_alive(pids, status, opt.procs); i++)
		usleep(500 * 1000);
	for (i = 0; i < opt.procs; i++) {
		if (pids[i]) {
			ksft_print_msg("worker %d did not finish: killed\n", i);
			kill(pids[i], SIGKILL);
			waitpid(pids[i], &status[i], 0);
			stuck++;
			continue;
		}
		if (WIFSIGNALED(status[i])) {
			ksft_print_msg("worker %d killed by signal %d\n", i,
				       WTERMSIG(status[i]));
			died++;
		} else if (WEXITSTATUS(status[i])) {
			ksft_print_msg("worker %d exit status %d\n", i,
				       WEXITSTATUS(status[i]));
			bad_exit++;
		}
	}
	elapsed = now_s() - start;
	/* Let the periodic memcg statistics flush catch up. */
	sleep(3);

	oom_kill = cg_event("oom_kill");
	oom = cg_event("oom");
	cg_drop = cg_stat("droppable_drop");
	cg_fault = cg_stat("droppable_fault");
	cg_droppable = cg_stat("droppable");
	cg_lazyfreed = cg_stat("pglazyfreed");
	vm_drop = vm_delta("droppable_drop", vm_drop0);
	pswpout = vm_delta("pswpout", vm_pswpout0);
	counters = cg_drop >= 0 && cg_fault >= 0 && cg_droppable >= 0 &&
		   vm_drop >= 0;

	len = snprintf(summary, sizeof(summary),
		       "droppable_stress summary: time=%.1fs procs=%d threads=%d ops:",
		       elapsed, opt.procs, opt.threads);
	for (i = 0; i < NR_OPS; i++)
		len += snprintf(summary + len, sizeof(summary) - len,
				" %s=%llu", op_names[i],
				(unsigned long long)GET(ops[i]));
	len += snprintf(summary + len, sizeof(summary) - len,
			" dropped: seen=%llu memcg_droppable_drop=%lld vmstat_droppable_drop=%lld memcg_pglazyfreed=%lld bad_words: normal=%llu droppable=%llu",
			(unsigned long long)GET(observed_drops), cg_drop,
			vm_drop, cg_lazyfreed,
			(unsigned long long)(GET(normal_bad_words) +
					     GET(child_normal_bad_words)),
			(unsigned long long)GET(drop_bad_words));
	ksft_print_msg("%s\n", summary);
	ksft_print_msg("allowed failures:");
	for (i = 0; i < NR_OPS; i++) {
		const char *sep = " (";
		int e;

		for (e = 0; e <= NR_SOFT; e++)
			if (GET(soft_fail[i][e]))
				break;
		if (e > NR_SOFT)
			continue;
		printf(" %s", op_names[i]);
		for (e = 0; e <= NR_SOFT; e++) {
			if (!GET(soft_fail[i][e]))
				continue;
			printf("%s%s %llu", sep,
			       e < NR_SOFT ? strerrorname_np(soft_errnos[e]) :
			       "other", (unsigned long long)GET(soft_fail[i][e]));
			sep = ", ";
		}
		printf(")");
	}
	printf("; unexpected errors %llu\n", (unsigned long long)GET(errors));
	ksft_print_msg("memory.reclaim: %llu writes, %.1f s in them, the longest %.1f s\n",
		       (unsigned long long)GET(ops[OP_RECLAIM]),
		       GET(reclaim_us) / 1e6, GET(reclaim_max_us) / 1e6);
	ksft_print_msg("checked pages: normal %llu, droppable %llu; torn user writes rewritten %llu; MADV_FREE'd normal pages seen freed %llu; pages moved between nodes %llu\n",
		       (unsigned long long)GET(normal_pages_checked),
		       (unsigned long long)GET(drop_pages_checked),
		       (unsigned long long)GET(drop_torn_writes),
		       (unsigned long long)GET(normal_lazyfreed),
		       (unsigned long long)GET(moved_pages));
	ksft_print_msg("swap: pswpout +%lld, normal pages seen in swap %llu, droppable %llu; peak memory.swap.current %lld KiB, zram0 %lld pages stored, bound %lld KiB (+32 MiB for zram0); peak memory.current %lld KiB, droppable %lld KiB\n",
		       pswpout, (unsigned long long)GET(normal_swap_ptes),
		       (unsigned long long)GET(drop_swap_ptes),
		       pk.swap_current / 1024, pk.zram_pages,
		       normal_bound / 1024, pk.current / 1024,
		       pk.droppable / 1024);
	ksft_print_msg("memory.events: oom %lld, oom_kill %lld, max %lld; memory.stat (-1: no such counter): droppable_fault %lld, droppable_drop %lld, droppable %lld, pglazyfreed %lld; vmstat droppable_fault delta %lld\n",
		       oom, oom_kill, cg_event("max"), cg_fault, cg_drop,
		       cg_droppable, cg_lazyfreed,
		       vm_delta("droppable_fault", vm_fault0));

	ksft_test_result(!GET(normal_bad_words) && !GET(normal_bad_pages),
			 "normal_memory_intact (%llu bad words in %llu pages of %llu checked)\n",
			 (unsigned long long)GET(normal_bad_words),
			 (unsigned long long)GET(normal_bad_pages),
			 (unsigned long long)GET(normal_pages_checked));
	ksft_test_result(!GET(drop_bad_pages),
			 "droppable_value_or_zero (%llu bad pages, %llu bad words, of %llu checked; %llu seen dropped)\n",
			 (unsigned long long)GET(drop_bad_pages),
			 (unsigned long long)GET(drop_bad_words),
			 (unsigned long long)GET(drop_pages_checked),
			 (unsigned long long)GET(observed_drops));
	ksft_test_result(GET(ops[OP_FORK]) && !GET(child_drop_bad_pages) &&
			 !GET(child_normal_bad_words) && !GET(child_failed),
			 "fork_wipes_droppable (%llu forks; children: %llu droppable pages not wiped, %llu bad normal words, %llu failed)\n",
			 (unsigned long long)GET(ops[OP_FORK]),
			 (unsigned long long)GET(child_drop_bad_pages),
			 (unsigned long long)GET(child_normal_bad_words),
			 (unsigned long long)GET(child_failed));
	zram_bound = normal_bound + (long long)(32 * MiB);
	zram_peak = pk.zram_pages * (long long)PS;
	ksft_test_result(!GET(drop_swap_ptes) &&
			 pk.swap_current <= normal_bound &&
			 zram_peak <= zram_bound,
			 "droppable_never_swapped (%llu droppable PTEs with a swap entry; peak swap %lld KiB, zram0 %lld KiB, bound %lld KiB)\n",
			 (unsigned long long)GET(drop_swap_ptes),
			 pk.swap_current / 1024, zram_peak / 1024,
			 normal_bound / 1024);
	ksft_test_result(oom_kill == 0 && !died,
			 "no_oom_kill (memory.events oom_kill %lld, oom %lld; %d workers killed by a signal)\n",
			 oom_kill, oom, died);
	if (!counters) {
		ksft_test_result_skip("droppable_counters (no droppable counters in this kernel; pglazyfreed +%lld, memcg pglazyfreed %lld)\n",
				      vm_delta("pglazyfreed", vm_lazyfreed0),
				      cg_lazyfreed);
	} else {
		/* memcg events and stats are flushed lazily: 2 MiB slack. */
		long long seen = GET(observed_drops), slack = 512;
		bool ok = seen <= vm_drop && seen <= cg_drop + slack &&
			  cg_drop <= vm_drop + slack &&
			  cg_drop <= cg_fault + slack && cg_drop > 0 &&
			  cg_droppable <= (long long)(2 * MiB) &&
			  cg_droppable >= -(long long)(2 * MiB);

		ksft_test_result(ok, "droppable_counters (seen dropped %lld <= droppable_drop %lld (memcg), %lld (vmstat) <= droppable_fault %lld; memory.stat droppable at the end %lld)\n",
				 seen, cg_drop, vm_drop, cg_fault,
				 cg_droppable);
	}
	ran = true;
	for (i = 0; i < NR_OPS; i++) {
		if (GET(ops[i]))
			continue;
		if ((i == OP_MOVE_PAGES && !two_nodes) ||
		    (i == OP_DIO && dio_zram < 0))
			continue;
		ksft_print_msg("no successful %s\n", op_names[i]);
		ran = false;
	}
	ksft_test_result(ran && !GET(errors) && !stuck && !bad_exit &&
			 GET(observed_drops) && pswpout > 0,
			 "workload_ran (%llu unexpected errors, %d workers stuck, %d failed; %llu pages seen dropped, pswpout +%lld)\n",
			 (unsigned long long)GET(errors), stuck, bad_exit,
			 (unsigned long long)GET(observed_drops), pswpout);

	rmdir(cg_path);
	if (dio_zram >= 0)
		du_write_file(ZRAM_CTL "/hot_remove", "%d", dio_zram);
	du_swap_off();
	ksft_finished();
}
