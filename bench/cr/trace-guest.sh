#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Where the kernel time of an idle checkpoint and restore goes, guest side
# of profile.sh's trace run (a kernel with the function graph tracer,
# 7-prof): crbench profile runs idle checkpoints and restores, writing a
# trace marker before and after each call; function_graph records the
# functions listed below, where this kernel has them, as they nest in the
# calls' system calls. Only those functions are hooked, so the tracer
# costs a little per listed call, not per kernel function. The trace goes
# out as "CRT ..." lines for profile.py. MODE=discover instead records
# every function to depth DEPTH (default 6) under the system calls, for
# one run (or the functions in GRAPH): to find what is worth listing.
cd "$(dirname "$0")" || exit 1
RUNS=${RUNS:-20}
MODE=${MODE:-filter}
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T || exit 1
/sbin/modprobe tcpkit || { echo "CRT error modprobe tcpkit"; exit 1; }
/usr/sbin/ip netns add crt || exit 1
/usr/sbin/ip -n crt link set lo up
echo "CRT info kernel $(uname -r) cpus $(nproc)"
echo "CRT info cmdline $(cat /proc/cmdline)"
echo "CRT info autoinit $(dmesg | sed -n 's/.*mem auto-init: //p' | head -n1)"

# The system calls of a checkpoint (sendmsg, recvmmsg) and of a restore
# (sendmsg, recvmmsg), the netlink and genetlink layers, the module's
# handlers, and what they call that costs: allocations, copies, policy
# validation, locks; softirqs run on the way (a restore's probe segment
# over loopback) and rescheduling; page faults and brk/mmap of userspace.
FUNCS="__x64_sys_sendmsg __x64_sys_recvmmsg
__sys_sendmsg ___sys_sendmsg ____sys_sendmsg copy_msghdr_from_user
__import_iovec import_iovec sockfd_lookup_light __sock_sendmsg
security_socket_sendmsg netlink_sendmsg netlink_unicast netlink_rcv_skb
genl_rcv genl_rcv_msg genl_family_rcv_msg_doit genl_family_rcv_msg_dumpit
genl_family_rcv_msg_attrs_parse __nla_validate_parse __nla_parse
genl_start genl_dumpit genl_done genl_lock genl_unlock
__netlink_dump_start netlink_dump netlink_dump_done netlink_ack
netlink_capable netlink_ns_capable __netlink_ns_capable
do_recvmmsg ___sys_recvmsg ____sys_recvmsg sock_recvmsg
security_socket_recvmsg netlink_recvmsg skb_recv_datagram
__skb_recv_datagram skb_copy_datagram_iter __skb_datagram_iter
netlink_rcv_wake consume_skb kfree_skb_reason sk_skb_reason_drop
skb_release_data skb_free_head netlink_skb_destructor
__alloc_skb kmalloc_reserve netlink_alloc_large_skb
netlink_attachskb netlink_sendskb __netlink_sendskb
_copy_from_iter _copy_to_iter __nlmsg_put nlmsg_notify
__kmalloc_node_track_caller_noprof kmem_cache_alloc_node_noprof
__kmalloc_noprof __kmalloc_cache_noprof kfree kvfree __kvmalloc_node_noprof
sock_def_readable mutex_lock down_read up_read fdget fput __copy_msghdr
move_addr_to_kernel move_addr_to_user netlink_trim netlink_lookup
netlink_deliver_tap skb_free_datagram scm_recv __wake_up
skb_release_head_state kfree_skbmem __skb_try_recv_datagram
simple_copy_to_iter pid_vnr put_pid nlmsg_done
handle_mm_fault __x64_sys_brk __x64_sys_mmap __x64_sys_munmap
netlink_policy_dump_get_policy_idx genl_family_rcv_msg genl_get_cmd
genl_op_from_split genl_family_find_byid genl_op_iter_init"
# The same calls untraced first: what the tracer adds.
/usr/sbin/ip netns exec crt ./crbench profile "$RUNS" 0 | sed 's/^CRP /CRU /'
avail=$T/available_filter_functions
echo 0 > $T/tracing_on
echo nop > $T/current_tracer
echo > $T/trace
echo 16384 > $T/buffer_size_kb
if [ "$MODE" = discover ]; then
	RUNS=1
	echo > $T/set_ftrace_filter
	echo "${DEPTH:-6}" > $T/max_graph_depth
	for f in ${GRAPH:-__x64_sys_sendmsg __x64_sys_recvmmsg}; do
		echo $f >> $T/set_graph_function
	done
else
	n=0
	for f in $FUNCS; do
		grep -qx "$f" $avail || grep -qx "$f \[.*\]" $avail || {
			echo "CRT info absent $f"
			continue
		}
		echo $f >> $T/set_ftrace_filter && n=$((n + 1))
	done
	# the module's netlink handlers and its own top-level phases
	echo 'tcpkit_nl_*:mod:tcpkit' >> $T/set_ftrace_filter
	echo "CRT info hooked $(wc -l < $T/set_ftrace_filter) functions"
fi
echo function_graph > $T/current_tracer
echo nofuncgraph-irqs > $T/trace_options 2>/dev/null
echo funcgraph-duration > $T/trace_options
echo nofuncgraph-overhead > $T/trace_options
echo nofuncgraph-proc > $T/trace_options
echo funcgraph-cpu > $T/trace_options
echo 1 > $T/tracing_on
# crbench writes a marker around each timed call (CRBENCH_MARKFD: fd 9,
# trace_marker); only its own pid is traced.
sh -c "echo \$\$ > $T/set_ftrace_pid; exec env CRBENCH_MARKFD=9 \
	/usr/sbin/ip netns exec crt ./crbench profile $RUNS 0" \
	9> $T/trace_marker > /tmp/crt.out
rc=$?
sed 's/^CRP /CRT /' /tmp/crt.out
echo 0 > $T/tracing_on
echo "CRT info overrun $(cat $T/per_cpu/cpu*/stats 2>/dev/null | awk '/^overrun/ { s += $2 } END { print s + 0 }')"
sed -n '/CRT.* begin/,$p' $T/trace | sed 's/^/CRT trace /'
echo nop > $T/current_tracer
/usr/sbin/ip netns del crt
echo "CRT info done rc=$rc"
exit $rc
