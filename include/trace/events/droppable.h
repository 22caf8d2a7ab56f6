/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of MAP_DROPPABLE memory: a folio marked droppable at fault,
 * dropped or kept by reclaim, and a dirtying that is suppressed.
 *
 * Every field a tool needs is in the event itself (tools without BTF cannot
 * follow pointers): the owner of the memory (the thread group whose mm maps
 * it) and, for drops, who reclaimed it.  The fields have plain C types only
 * (no u64, pid_t): without BTF, bpftrace compiles the event's format as C
 * and knows no kernel typedefs.  "cgroup" is the id of the memory
 * cgroup the folio is charged to (the inode number of its directory, as in
 * /proc/kpagecgroup and bpftrace's cgroupid()), 0 without one.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM droppable

#if !defined(_TRACE_DROPPABLE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_DROPPABLE_H

#include <linux/tracepoint.h>
#include <linux/mm.h>
#include <linux/memcontrol.h>
#include <linux/sched.h>

#ifndef _TRACE_DROPPABLE_ENUMS
#define _TRACE_DROPPABLE_ENUMS
/* Who reclaimed a dropped folio (droppable_drop's "reclaimer"). */
enum droppable_reclaimer {
	DROPPABLE_RECLAIM_OTHER,	/* none of the below */
	DROPPABLE_RECLAIM_KSWAPD,	/* kswapd, background reclaim */
	DROPPABLE_RECLAIM_DIRECT,	/* direct reclaim of an allocation */
	DROPPABLE_RECLAIM_MEMCG,	/* a charge over memory.high/max */
	DROPPABLE_RECLAIM_PROACTIVE,	/* a write to memory.reclaim */
	DROPPABLE_RECLAIM_PAGEOUT,	/* MADV_PAGEOUT, DAMON pageout */
	DROPPABLE_RECLAIM_HWPOISON,	/* memory failure */
};

/* Why reclaim left a droppable folio mapped (droppable_keep's "reason"). */
enum droppable_keep_reason {
	DROPPABLE_KEEP_OTHER,		/* none of the below */
	DROPPABLE_KEEP_LOCKED,		/* someone else holds the folio lock */
	DROPPABLE_KEEP_NO_UNMAP,	/* this reclaim may not unmap */
	DROPPABLE_KEEP_REFERENCED,	/* accessed recently, kept or promoted */
	DROPPABLE_KEEP_PINNED,		/* pinned (FOLL_PIN: DMA, io_uring) */
	DROPPABLE_KEEP_BUSY,		/* other references (GUP, migration) */
};

/*
 * The thread group that owns @mm: the current task when it is @mm's, else
 * the mm's owner (with CONFIG_MEMCG).  Returns its tgid and copies its comm
 * to @comm, or returns 0 and clears @comm.
 */
static inline pid_t droppable_trace_owner(struct mm_struct *mm, char *comm)
{
	struct task_struct *owner = NULL;
	pid_t tgid = 0;

	rcu_read_lock();
	if (mm && mm == current->mm)
		owner = current;
#ifdef CONFIG_MEMCG
	else if (mm)
		owner = rcu_dereference(mm->owner);
#endif
	if (owner) {
		tgid = owner->tgid;
		memcpy(comm, owner->comm, TASK_COMM_LEN);
	} else {
		memset(comm, 0, TASK_COMM_LEN);
	}
	rcu_read_unlock();
	return tgid;
}

static inline u64 droppable_trace_cgroup(struct folio *folio)
{
#ifdef CONFIG_MEMCG
	struct mem_cgroup *memcg = folio_memcg(folio);

	return memcg ? cgroup_id(memcg->css.cgroup) : 0;
#else
	return 0;
#endif
}
#endif /* _TRACE_DROPPABLE_ENUMS */

TRACE_DEFINE_ENUM(DROPPABLE_RECLAIM_OTHER);
TRACE_DEFINE_ENUM(DROPPABLE_RECLAIM_KSWAPD);
TRACE_DEFINE_ENUM(DROPPABLE_RECLAIM_DIRECT);
TRACE_DEFINE_ENUM(DROPPABLE_RECLAIM_MEMCG);
TRACE_DEFINE_ENUM(DROPPABLE_RECLAIM_PROACTIVE);
TRACE_DEFINE_ENUM(DROPPABLE_RECLAIM_PAGEOUT);
TRACE_DEFINE_ENUM(DROPPABLE_RECLAIM_HWPOISON);
TRACE_DEFINE_ENUM(DROPPABLE_KEEP_OTHER);
TRACE_DEFINE_ENUM(DROPPABLE_KEEP_LOCKED);
TRACE_DEFINE_ENUM(DROPPABLE_KEEP_NO_UNMAP);
TRACE_DEFINE_ENUM(DROPPABLE_KEEP_REFERENCED);
TRACE_DEFINE_ENUM(DROPPABLE_KEEP_PINNED);
TRACE_DEFINE_ENUM(DROPPABLE_KEEP_BUSY);

/* A new folio of a MAP_DROPPABLE mapping was marked PG_droppable. */
TRACE_EVENT(droppable_mark,
	    TP_PROTO(struct folio *folio, struct vm_area_struct *vma,
		     unsigned long address),
	    TP_ARGS(folio, vma, address),
	    TP_STRUCT__entry(__field(unsigned long, pfn)
			     __field(unsigned long, address)
			     __field(unsigned long, mm)
			     __field(unsigned long long, cgroup)
			     __field(unsigned int, order)
			     __field(int, tgid)
			     __array(char, comm, TASK_COMM_LEN)),
	    TP_fast_assign(__entry->pfn = folio_pfn(folio);
			   __entry->address = address;
			   __entry->mm = (unsigned long)vma->vm_mm;
			   __entry->cgroup = droppable_trace_cgroup(folio);
			   __entry->order = folio_order(folio);
			   __entry->tgid = droppable_trace_owner(vma->vm_mm,
								 __entry->comm);),
	    TP_printk("pfn=0x%lx order=%u address=0x%lx mm=0x%lx tgid=%d comm=%s cgroup=%llu",
		      __entry->pfn, __entry->order, __entry->address,
		      __entry->mm, __entry->tgid, __entry->comm,
		      __entry->cgroup)
);

/*
 * Reclaim dropped @nr_pages of a droppable folio: it unmapped them from
 * @vma at @address (the first of them), and the folio is freed without
 * being written anywhere.
 */
TRACE_EVENT(droppable_drop,
	    TP_PROTO(struct folio *folio, struct vm_area_struct *vma,
		     unsigned long address, long nr_pages, int reclaimer),
	    TP_ARGS(folio, vma, address, nr_pages, reclaimer),
	    TP_STRUCT__entry(__field(unsigned long, pfn)
			     __field(unsigned long, address)
			     __field(unsigned long, mm)
			     __field(unsigned long long, cgroup)
			     __field(long, nr_pages)
			     __field(unsigned int, order)
			     __field(int, reclaimer)
			     __field(int, tgid)
			     __field(int, reclaimer_pid)
			     __array(char, comm, TASK_COMM_LEN)
			     __array(char, reclaimer_comm, TASK_COMM_LEN)),
	    TP_fast_assign(__entry->pfn = folio_pfn(folio);
			   __entry->address = address;
			   __entry->mm = (unsigned long)vma->vm_mm;
			   __entry->cgroup = droppable_trace_cgroup(folio);
			   __entry->nr_pages = nr_pages;
			   __entry->order = folio_order(folio);
			   __entry->reclaimer = reclaimer;
			   __entry->tgid = droppable_trace_owner(vma->vm_mm,
								 __entry->comm);
			   __entry->reclaimer_pid = current->pid;
			   memcpy(__entry->reclaimer_comm, current->comm,
				  TASK_COMM_LEN);),
	    TP_printk("pfn=0x%lx order=%u nr_pages=%ld address=0x%lx mm=0x%lx tgid=%d comm=%s cgroup=%llu reclaimer=%s reclaimer_pid=%d reclaimer_comm=%s",
		      __entry->pfn, __entry->order, __entry->nr_pages,
		      __entry->address, __entry->mm, __entry->tgid,
		      __entry->comm, __entry->cgroup,
		      __print_symbolic(__entry->reclaimer,
				       { DROPPABLE_RECLAIM_OTHER, "other" },
				       { DROPPABLE_RECLAIM_KSWAPD, "kswapd" },
				       { DROPPABLE_RECLAIM_DIRECT, "direct" },
				       { DROPPABLE_RECLAIM_MEMCG, "memcg" },
				       { DROPPABLE_RECLAIM_PROACTIVE, "proactive" },
				       { DROPPABLE_RECLAIM_PAGEOUT, "pageout" },
				       { DROPPABLE_RECLAIM_HWPOISON, "hwpoison" }),
		      __entry->reclaimer_pid, __entry->reclaimer_comm)
);

/* Reclaim looked at a droppable folio and left it mapped, for @reason. */
TRACE_EVENT(droppable_keep,
	    TP_PROTO(struct folio *folio, int reason),
	    TP_ARGS(folio, reason),
	    TP_STRUCT__entry(__field(unsigned long, pfn)
			     __field(unsigned long long, cgroup)
			     __field(long, nr_pages)
			     __field(unsigned int, order)
			     __field(int, reason)
			     __field(int, reclaimer_pid)
			     __array(char, reclaimer_comm, TASK_COMM_LEN)),
	    TP_fast_assign(__entry->pfn = folio_pfn(folio);
			   __entry->cgroup = droppable_trace_cgroup(folio);
			   __entry->nr_pages = folio_nr_pages(folio);
			   __entry->order = folio_order(folio);
			   __entry->reason = reason;
			   __entry->reclaimer_pid = current->pid;
			   memcpy(__entry->reclaimer_comm, current->comm,
				  TASK_COMM_LEN);),
	    TP_printk("pfn=0x%lx order=%u nr_pages=%ld cgroup=%llu reason=%s reclaimer_pid=%d reclaimer_comm=%s",
		      __entry->pfn, __entry->order, __entry->nr_pages,
		      __entry->cgroup,
		      __print_symbolic(__entry->reason,
				       { DROPPABLE_KEEP_OTHER, "other" },
				       { DROPPABLE_KEEP_LOCKED, "locked" },
				       { DROPPABLE_KEEP_NO_UNMAP, "no_unmap" },
				       { DROPPABLE_KEEP_REFERENCED, "referenced" },
				       { DROPPABLE_KEEP_PINNED, "pinned" },
				       { DROPPABLE_KEEP_BUSY, "busy" }),
		      __entry->reclaimer_pid, __entry->reclaimer_comm)
);

/*
 * Something tried to mark a droppable folio dirty (folio_mark_dirty(), from
 * an unpin, direct I/O, a PTE's dirty bit, ...), and the dirtying was
 * suppressed: a droppable folio is never dirty.  @caller is the code that
 * asked.
 */
TRACE_EVENT(droppable_dirty,
	    TP_PROTO(struct folio *folio, unsigned long caller),
	    TP_ARGS(folio, caller),
	    TP_STRUCT__entry(__field(unsigned long, pfn)
			     __field(unsigned long, caller)
			     __field(unsigned int, order)
			     __field(int, pid)
			     __array(char, comm, TASK_COMM_LEN)),
	    TP_fast_assign(__entry->pfn = folio_pfn(folio);
			   __entry->caller = caller;
			   __entry->order = folio_order(folio);
			   __entry->pid = current->pid;
			   memcpy(__entry->comm, current->comm, TASK_COMM_LEN);),
	    TP_printk("pfn=0x%lx order=%u caller=%pS pid=%d comm=%s",
		      __entry->pfn, __entry->order, (void *)__entry->caller,
		      __entry->pid, __entry->comm)
);

#endif /* _TRACE_DROPPABLE_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
