// SPDX-License-Identifier: GPL-2.0
/*
 * Pinned droppable memory: pages dirtied through a GUP pin and unpinned are
 * dropped by reclaim afterwards; pages that are pinned are never dropped
 * while the pin is held, and keep their contents.
 *
 *  - writev_pinned_then_dropped: process_vm_writev() from a child pins the
 *    parent's droppable pages with FOLL_WRITE, writes them and unpins them
 *    with unpin_user_pages_dirty_lock(): folio_mark_dirty() with no VMA in
 *    sight, the case that motivated the folio flag.
 *  - odirect_read_then_dropped: an O_DIRECT read from a hot-added zram block
 *    device into droppable memory; the block layer pins the pages and marks
 *    them dirty as it releases them.
 *  - longterm_pin_kept: an io_uring registered buffer (FOLL_LONGTERM pin)
 *    over droppable memory survives MADV_PAGEOUT and memory.reclaim with its
 *    contents; once unregistered it is dropped.
 *
 * On the upstream VMA-based kernel (Linux 6.12) these pass too: there,
 * try_to_unmap_one() drops any folio of a VM_DROPPABLE VMA whatever its dirty
 * bit, and refuses a folio with extra (pin) references.  They guard
 * behaviour the folio-flag series must keep: a folio_mark_dirty() from the
 * unpin path must not make a droppable folio undroppable (or swap it), and
 * the flag must not make reclaim ignore a pin.
 */
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include "kselftest_harness.h"
#include "droppable_util.h"

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup		425
#endif
#ifndef __NR_io_uring_register
#define __NR_io_uring_register		427
#endif
#define IORING_REGISTER_BUFFERS_OP	0	/* IORING_REGISTER_BUFFERS */
#define IORING_UNREGISTER_BUFFERS_OP	1	/* IORING_UNREGISTER_BUFFERS */

#define PIN_MIB		16UL	/* writev and io_uring regions */
#define DIO_MIB		8UL	/* O_DIRECT read */
#define RECLAIM_ROUNDS	3

/* A nonzero 64-bit word of pattern @seed at word index @i (splitmix64). */
static uint64_t pat(uint64_t seed, uint64_t i)
{
	uint64_t z = seed * 0x9e3779b97f4a7c15ULL + i;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31)) | 1;
}

static void fill_pat(void *p, size_t len, uint64_t seed)
{
	uint64_t *w = p;

	for (size_t i = 0; i < len / 8; i++)
		w[i] = pat(seed, i);
}

/* Pages of [p, p + len) that do not hold pattern @seed throughout. */
static size_t bad_pages(const void *p, size_t len, uint64_t seed)
{
	const size_t wpp = du_page_size() / 8;
	const volatile uint64_t *w = p;
	size_t bad = 0;

	for (size_t pg = 0; pg < len / 8 / wpp; pg++)
		for (size_t i = pg * wpp; i < (pg + 1) * wpp; i++)
			if (w[i] != pat(seed, i)) {
				bad++;
				break;
			}
	return bad;
}

FIXTURE(pin) {
	struct du_cgroup cg;
	char *buf;
	size_t len;
	int zram;	/* hot-added zram device number, or -1 */
	int zfd;	/* its open O_DIRECT descriptor, or -1 */
	int ring;	/* io_uring descriptor, or -1 */
};

FIXTURE_SETUP(pin)
{
	int s;

	memset(self, 0, sizeof(*self));
	self->zram = self->zfd = self->ring = -1;
	s = du_droppable_supported();
	if (s == 0)
		SKIP(return, "MAP_DROPPABLE not supported by this kernel");
	ASSERT_EQ(1, s);
	if (access(CGROOT "/cgroup.controllers", R_OK))
		SKIP(return, "no cgroup2 at " CGROOT);
	ASSERT_EQ(0, du_cgroup_enter(&self->cg, "droppable_pin"));
	/* MADV_PAGEOUT must see every page a test writes */
	du_stay_on_this_cpu();
}

FIXTURE_TEARDOWN(pin)
{
	if (self->ring >= 0)
		close(self->ring);
	if (self->zfd >= 0)
		close(self->zfd);
	if (self->zram >= 0)
		du_write_file(ZRAM_CTL "/hot_remove", "%d", self->zram);
	if (self->buf)
		munmap(self->buf, self->len);
	du_cgroup_leave(&self->cg);
}

/*
 * Reclaim self->buf: MADV_PAGEOUT on its first half, then memory.reclaim of
 * everything the cgroup holds (a few times while pages of the second half
 * are left).  Returns the dropped (zero) pages of each half.
 */
static void reclaim_halves(struct __test_metadata *_metadata,
			   FIXTURE_DATA(pin) *self, size_t *first,
			   size_t *second)
{
	const size_t half = self->len / 2, n = half / du_page_size();
	char *hi = self->buf + half, p[300];
	long long cur;
	int i, ret;

	ret = madvise(self->buf, half, MADV_PAGEOUT);
	*first = du_count_zero_pages(self->buf, half);
	TH_LOG("MADV_PAGEOUT of %zu pages: %s, %zu dropped", n,
	       ret ? strerror(errno) : "ok", *first);
	EXPECT_EQ(0, ret);

	for (i = 0; i < RECLAIM_ROUNDS; i++) {
		cur = du_read_num(du_cg_file(&self->cg, "memory.current", p,
					     sizeof(p)));
		ret = du_cg_reclaim(&self->cg, (size_t)cur + 4 * MiB);
		*second = du_count_zero_pages(hi, half);
		TH_LOG("memory.reclaim %lld KiB (round %d): %s, %zu of %zu pages of the other half dropped",
		       cur / 1024 + 4096, i + 1, ret ? strerror(errno) : "ok",
		       *second, n);
		if (*second == n)
			break;
	}
}

/*
 * process_vm_writev() from a child into never-touched droppable pages of
 * the parent: the pages are faulted in by GUP, written through the pin and
 * unpinned dirty.  All of them hold the data, then reclaim drops them all.
 */
TEST_F_TIMEOUT(pin, writev_pinned_then_dropped, 300)
{
	const size_t n = PIN_MIB * MiB / du_page_size();
	size_t first, second;
	int status, pfd[2];
	ssize_t done = -1;
	pid_t pid;

	self->len = PIN_MIB * MiB;
	self->buf = du_map_droppable(self->len);
	ASSERT_NE(MAP_FAILED, self->buf);
	ASSERT_EQ(0, pipe(pfd));

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char *src = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct iovec l = { src, self->len }, r = { self->buf, self->len };
		ssize_t w = -1;

		if (src != MAP_FAILED) {
			fill_pat(src, self->len, 4);
			w = process_vm_writev(getppid(), &l, 1, &r, 1, 0);
			if (w < 0)
				w = -errno;
		}
		if (write(pfd[1], &w, sizeof(w)) != sizeof(w))
			_exit(2);
		_exit(0);
	}
	close(pfd[1]);
	ASSERT_EQ((ssize_t)sizeof(done), read(pfd[0], &done, sizeof(done)));
	close(pfd[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	ASSERT_EQ((ssize_t)self->len, done)
		TH_LOG("process_vm_writev: %zd (%s)", done,
		       done < 0 ? strerror(-done) : "short");

	TH_LOG("process_vm_writev wrote %zd bytes; pages not holding the data: %zu of %zu",
	       done, bad_pages(self->buf, self->len, 4), n);
	ASSERT_EQ(0UL, bad_pages(self->buf, self->len, 4));

	reclaim_halves(_metadata, self, &first, &second);
	EXPECT_EQ(n / 2, first);
	EXPECT_EQ(n / 2, second);
}

/*
 * An O_DIRECT pread() of 8 MiB from a zram block device into untouched
 * droppable memory: the data arrives intact, then reclaim drops every page.
 */
TEST_F_TIMEOUT(pin, odirect_read_then_dropped, 300)
{
	const size_t n = DIO_MIB * MiB / du_page_size();
	char dev[32];
	size_t first, second, got = 0;
	char *src;
	ssize_t r;

	if (access(ZRAM_CTL "/hot_add", R_OK))
		SKIP(return, "no %s/hot_add (CONFIG_ZRAM?)", ZRAM_CTL);
	self->zram = du_zram_add(2 * DIO_MIB, dev, sizeof(dev));
	ASSERT_GE(self->zram, 0);

	/* The known pattern goes to the device by O_DIRECT, past the cache. */
	src = mmap(NULL, DIO_MIB * MiB, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, src);
	fill_pat(src, DIO_MIB * MiB, 6);
	self->zfd = open(dev, O_RDWR | O_DIRECT);
	ASSERT_GE(self->zfd, 0) TH_LOG("open %s: %s", dev, strerror(errno));
	ASSERT_EQ((ssize_t)(DIO_MIB * MiB),
		  pwrite(self->zfd, src, DIO_MIB * MiB, 0));
	munmap(src, DIO_MIB * MiB);

	self->len = DIO_MIB * MiB;
	self->buf = du_map_droppable(self->len);
	ASSERT_NE(MAP_FAILED, self->buf);
	while (got < self->len) {
		r = pread(self->zfd, self->buf + got, self->len - got, got);
		ASSERT_GT(r, 0) TH_LOG("O_DIRECT pread at %zu: %s", got,
				       r ? strerror(errno) : "EOF");
		got += r;
	}
	TH_LOG("O_DIRECT read %zu bytes from %s; pages not holding the data: %zu of %zu",
	       got, dev, bad_pages(self->buf, self->len, 6), n);
	ASSERT_EQ(0UL, bad_pages(self->buf, self->len, 6));

	reclaim_halves(_metadata, self, &first, &second);
	EXPECT_EQ(n / 2, first);
	EXPECT_EQ(n / 2, second);
}

/*
 * A long-term pin: an io_uring fixed buffer over droppable memory.  While
 * registered, MADV_PAGEOUT and memory.reclaim drop nothing and the pattern
 * written through the mapping stays; after IORING_UNREGISTER_BUFFERS reclaim
 * drops everything.
 */
TEST_F_TIMEOUT(pin, longterm_pin_kept, 300)
{
	const size_t n = PIN_MIB * MiB / du_page_size();
	uint32_t params[30] = { 0 };	/* struct io_uring_params, 120 bytes */
	size_t first, second;
	struct iovec iov;
	long ret;

	self->ring = syscall(__NR_io_uring_setup, 4, params);
	if (self->ring < 0 && (errno == ENOSYS || errno == EPERM))
		SKIP(return, "io_uring not available: %s", strerror(errno));
	ASSERT_GE(self->ring, 0) TH_LOG("io_uring_setup: %s", strerror(errno));

	self->len = PIN_MIB * MiB;
	self->buf = du_map_droppable(self->len);
	ASSERT_NE(MAP_FAILED, self->buf);
	iov.iov_base = self->buf;
	iov.iov_len = self->len;
	ret = syscall(__NR_io_uring_register, self->ring,
		      IORING_REGISTER_BUFFERS_OP, &iov, 1);
	ASSERT_EQ(0, ret) TH_LOG("IORING_REGISTER_BUFFERS: %s", strerror(errno));
	fill_pat(self->buf, self->len, 8);

	reclaim_halves(_metadata, self, &first, &second);
	TH_LOG("while pinned: %zu + %zu of %zu pages dropped, %zu pages lost their data",
	       first, second, n, bad_pages(self->buf, self->len, 8));
	EXPECT_EQ(0UL, first);
	EXPECT_EQ(0UL, second);
	EXPECT_EQ(0UL, bad_pages(self->buf, self->len, 8));

	ret = syscall(__NR_io_uring_register, self->ring,
		      IORING_UNREGISTER_BUFFERS_OP, NULL, 0);
	ASSERT_EQ(0, ret) TH_LOG("IORING_UNREGISTER_BUFFERS: %s",
				 strerror(errno));
	reclaim_halves(_metadata, self, &first, &second);
	TH_LOG("after unpin: %zu + %zu of %zu pages dropped", first, second, n);
	EXPECT_EQ(n / 2, first);
	EXPECT_EQ(n / 2, second);
}

TEST_HARNESS_MAIN
