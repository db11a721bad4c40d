/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the layoutlease module: events/layoutlease/ in tracefs.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM layoutlease

#if !defined(_LL_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _LL_TRACE_H

#include <linux/tracepoint.h>

#include "layoutlease.h"

DECLARE_EVENT_CLASS(layoutlease_lease,
		    TP_PROTO(const struct ll_lease *ll),
		    TP_ARGS(ll),
		    TP_STRUCT__entry(__field(u64, id)
				     __field(pid_t, pid)
				     __field(dev_t, dev)
				     __field(unsigned long, ino)
				     __field(bool, exclusive)
				     __field(bool, implicit)),
		    TP_fast_assign(__entry->id = ll->id;
				   __entry->pid = ll->pid;
				   __entry->dev = ll->dev;
				   __entry->ino = ll->ino;
				   __entry->exclusive = ll->exclusive;
				   __entry->implicit = ll->implicit;),
		    TP_printk("lease=%llu pid=%d dev=%u:%u ino=%lu mode=%s",
			      __entry->id, __entry->pid, MAJOR(__entry->dev),
			      MINOR(__entry->dev), __entry->ino,
			      __entry->implicit ? "implicit" :
			      __entry->exclusive ? "exclusive" : "shared")
);

DEFINE_EVENT(layoutlease_lease, layoutlease_set,
	     TP_PROTO(const struct ll_lease *ll), TP_ARGS(ll));
DEFINE_EVENT(layoutlease_lease, layoutlease_break,
	     TP_PROTO(const struct ll_lease *ll), TP_ARGS(ll));
DEFINE_EVENT(layoutlease_lease, layoutlease_release,
	     TP_PROTO(const struct ll_lease *ll), TP_ARGS(ll));
DEFINE_EVENT(layoutlease_lease, layoutlease_timeout,
	     TP_PROTO(const struct ll_lease *ll), TP_ARGS(ll));
DEFINE_EVENT(layoutlease_lease, layoutlease_revoke,
	     TP_PROTO(const struct ll_lease *ll), TP_ARGS(ll));

TRACE_EVENT(layoutlease_fence,
	    TP_PROTO(const struct ll_lease *ll, u64 umem, pid_t pid),
	    TP_ARGS(ll, umem, pid),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(u64, umem)
			     __field(pid_t, pid)),
	    TP_fast_assign(__entry->id = ll->id;
			   __entry->umem = umem;
			   __entry->pid = pid;),
	    TP_printk("lease=%llu umem=%llu pid=%d",
		      __entry->id, __entry->umem, __entry->pid)
);

#endif /* _LL_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE ll_trace
#include <trace/define_trace.h>
