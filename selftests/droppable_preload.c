// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD shim for fuzzers: turn a program's mappings of /dev/zero into
 * MAP_DROPPABLE mappings.
 *
 * trinity builds its pool of "initial mappings", the addresses it hands to
 * the mm system calls it fuzzes (madvise, mremap, mprotect, mlock, munmap,
 * process_vm_writev, move_pages, ...), by mapping /dev/zero.  With this
 * library preloaded those mappings are droppable instead, so every such
 * call meets droppable memory.  Mappings of anything else are left alone,
 * so the fuzzer's own bookkeeping is never dropped under it.
 *
 *   LD_PRELOAD=./droppable_preload.so trinity ...
 *
 * The number of mappings converted (and refused by the kernel) is written
 * to the file named by DROPPABLE_PRELOAD_LOG, if set, when the process
 * exits.  A mapping the kernel refuses as droppable falls back to the
 * original call.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>

#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE		0x08
#endif

static unsigned long converted, refused;

static int is_dev_zero(int fd)
{
	struct stat st;

	return fd >= 0 && !fstat(fd, &st) && S_ISCHR(st.st_mode) &&
	       major(st.st_rdev) == 1 && minor(st.st_rdev) == 5;
}

static void *raw_mmap(void *addr, size_t len, int prot, int flags, int fd,
		      off_t off)
{
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p;

	if (is_dev_zero(fd) && !(flags & (MAP_LOCKED | MAP_HUGETLB |
					  MAP_GROWSDOWN))) {
		int dflags = (flags & ~(MAP_TYPE | MAP_SHARED_VALIDATE)) |
			     MAP_DROPPABLE | MAP_ANONYMOUS;

		p = raw_mmap(addr, len, prot, dflags, -1, 0);
		if (p != MAP_FAILED) {
			__atomic_add_fetch(&converted, 1, __ATOMIC_RELAXED);
			return p;
		}
		__atomic_add_fetch(&refused, 1, __ATOMIC_RELAXED);
	}
	return raw_mmap(addr, len, prot, flags, fd, off);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
	__attribute__((alias("mmap")));

__attribute__((destructor)) static void report(void)
{
	const char *log = getenv("DROPPABLE_PRELOAD_LOG");
	char line[96];
	int fd, n;

	if (!log || (!converted && !refused))
		return;
	fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "pid %d converted %lu refused %lu\n",
		     getpid(), converted, refused);
	if (write(fd, line, n) != n)
		n = 0;
	close(fd);
}
