#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn profile-guest.sh's CRP lines into bench/results/cr-profile.md."""
import datetime
import re
import statistics
import sys

CK = ['lookup', 'freeze', 'header', 'copy', 'release', 'msgbuf', 'stream']
RS = ['parse', 'setup', 'connect', 'options', 'rcvq', 'sndq', 'window',
      'live', 'final']
KDESC = {
    'lookup': 'request parsed, socket found by fd (dump start)',
    'freeze': 'stop only: tuple frozen, synchronize_net()',
    'header': 'socket lock taken, state read, receive queue counted',
    'copy': 'send queue copied into a snapshot buffer, receive queue\'s '
            'skbs cloned (their bytes are copied once, by the dump)',
    'release': 'socket lock released (backlog processed)',
    'msgbuf': 'dump machinery from .start to the first dumpit: mostly '
              'netlink_dump() allocating the first message buffer (sized '
              'by the reader\'s largest receive, at most 32 KiB; '
              'libtcpkit receives a page at a time)',
    'stream': 'header and data chunks put into dump messages: the '
              'dumpit calls\' own time (the later message buffers, which '
              'netlink_dump() allocates before each call, and userspace '
              'between calls are not in it)',
    'parse': 'image attributes checked (after the genetlink policy)',
    'setup': 'TCP_CONGESTION, TCP_REPAIR on, buffers, bind, queue seqs',
    'connect': 'user_mss, connect in repair mode, tuple check',
    'options': 'TCP_REPAIR_OPTIONS, TCP_TIMESTAMP',
    'rcvq': 'receive queue refilled (TCP_RECV_QUEUE sends)',
    'sndq': 'in-flight send bytes refilled (TCP_SEND_QUEUE sends)',
    'window': 'CLOSE_WAIT FIN, TCP_REPAIR_WINDOW, socket options',
    'live': 'unsent bytes queued and repair left (one lock), or TCP_REPAIR off',
    'final': 'SO_REUSEADDR, saved buffer sizes',
}


def med(v):
    return statistics.median(v) / 1000.0 if v else float('nan')


def split_outside(w, q, u, s, outside, lib, sysf):
    """Where the time outside the kernel phases goes: userspace (the
    library), system call entry and exit, the rest of the kernel."""
    null_ns, clock_ns = sysf
    w('Outside the kernel phases, split (medians of the per-call values, '
      'so the parts need not add up exactly):')
    w('')
    w('| operation | part | median (us) | how it is measured |')
    w('|---|---|---|---|')
    for what, tot, ins, n in (('checkpoint', u[0], s[0], s[1]),
                              ('restore', u[4], s[2], s[3])):
        total, ksum = outside[what]
        calls = statistics.median(n)
        # each wrapped call adds about one clock read inside and one outside
        userv = [t - i - c * clock_ns for t, i, c in zip(tot, ins, n)]
        kern = [i - c * (clock_ns + null_ns) for i, c in zip(ins, n)]
        w('| %s | outside the kernel phases | %.1f | the table above |'
          % (what, total - ksum))
        w('| %s | userspace: the library | %.1f | the call\'s time less '
          'the time inside its %g system calls (crbench wraps and times '
          'each), less the wrappers\' clock reads (%d ns each) |'
          % (what, med(userv), calls, clock_ns))
        if lib:
            col = 0 if what == 'checkpoint' else 1
            w('| %s | userspace: the library alone | %.1f | the same call '
              'replayed without the kernel: the reply datagram captured '
              'from a real call handed back to recvmmsg(), no system call '
              'made (`crbench` capture/replay) |'
              % (what, med([x[col] for x in lib])))
        w('| %s | system call entry and exit | %.1f | %g calls of %.2f us, '
          'an empty system call (getppid()) |'
          % (what, calls * null_ns / 1000.0, calls, null_ns / 1000.0))
        w('| %s | in the kernel, outside the module\'s phases | %.1f | '
          'time inside the system calls less entry and exit, less the '
          'phases: netlink and genetlink core, the module\'s code around '
          'its phases (see the trace below) |'
          % (what, med(kern) - ksum))
    if lib:
        w('| checkpoint | of the library alone: image copy and validation '
          '| %.1f | `tcpkit_image_from_payload()` of the idle image |'
          % med([x[2] for x in lib]))
        w('| checkpoint | of the library alone: metadata | %.1f | '
          '`time()` and one `snprintf()`, what `tk_put_meta()` adds |'
          % med([x[3] for x in lib]))
        if all(len(x) > 4 for x in lib):
            w('| checkpoint | the library alone, after the kernel\'s work '
              '| %.1f | the replayed checkpoint right after a real one of a '
              'fresh connection instead of back to back: the same code and '
              'data, run cold as in a real call |'
              % med([x[4] for x in lib]))
    w('')


# What each traced kernel function is counted as (the innermost function
# of a call path that is named here decides; trace_section()).
CATS = [
    ('module', 'the module\'s handlers (`tcpkit_nl_*`: their phases, '
     'timed above, and the code around them)'),
    ('ack', 'the ACK: `netlink_ack()` building and queueing it'),
    ('alloc', 'skb allocation (`__alloc_skb()`: the request\'s copy in '
     '`netlink_sendmsg()`, the dump\'s message buffer)'),
    ('free', 'skb free (`consume_skb()`, `skb_free_datagram()`)'),
    ('dump', 'dump machinery (`__netlink_dump_start()`, `genl_start()` with '
     'its attribute and state allocations, `netlink_dump()`, '
     '`genl_done()`)'),
    ('genl', 'genetlink dispatch and policy validation (`genl_rcv_msg()`, '
     '`genl_family_rcv_msg_doit()`: the attribute buffer, '
     '`nla_parse` under the op\'s policy)'),
    ('send', 'netlink send path (`netlink_sendmsg()`, `netlink_unicast()`: '
     'copy of the request from userspace, socket lookup)'),
    ('recv', 'netlink receive path (`netlink_recvmsg()`: dequeue, copy to '
     'userspace, wakeups)'),
    ('sys', 'system call layer (`__sys_sendmsg()`, `do_recvmmsg()`: msghdr '
     'copies, fd lookup)'),
    ('softirq', 'softirqs run on the way (loopback segments: a '
     'restore\'s window probe and the peer\'s answer)'),
    ('sched', 'rescheduling (`__cond_resched()`, `schedule()`)'),
    ('user', 'userspace memory (page faults, `brk`/`mmap`)'),
]
CATOF = {}
for _n in ('netlink_ack',):
    CATOF[_n] = 'ack'
for _n in ('__alloc_skb', 'netlink_alloc_large_skb'):
    CATOF[_n] = 'alloc'
for _n in ('consume_skb', 'skb_free_datagram', 'sk_skb_reason_drop'):
    CATOF[_n] = 'free'
for _n in ('__netlink_dump_start', 'genl_start', 'netlink_dump', 'genl_done',
           'genl_dumpit', 'genl_family_rcv_msg_dumpit'):
    CATOF[_n] = 'dump'
for _n in ('genl_rcv', 'netlink_rcv_skb', 'genl_rcv_msg',
           'genl_family_rcv_msg_doit', 'genl_get_cmd', 'netlink_ns_capable'):
    CATOF[_n] = 'genl'
for _n in ('netlink_sendmsg', 'netlink_unicast'):
    CATOF[_n] = 'send'
for _n in ('netlink_recvmsg',):
    CATOF[_n] = 'recv'
for _n in ('__x64_sys_sendmsg', '__x64_sys_recvmmsg'):
    CATOF[_n] = 'sys'
for _n in ('handle_mm_fault', '__x64_sys_brk', '__x64_sys_mmap',
           '__x64_sys_munmap'):
    CATOF[_n] = 'user'
for _n in ('handle_softirqs', '__do_softirq', 'do_softirq', 'net_rx_action'):
    CATOF[_n] = 'softirq'
for _n in ('__cond_resched', 'schedule'):
    CATOF[_n] = 'sched'


def parse_trace(lines):
    """function_graph lines between crbench's markers: for 'ck' and 'rs'
    a list of runs, each a dict from call path to [total_ns, calls]."""
    runs = {'ck': [], 'rs': []}
    cur = None
    stack = []
    for line in lines:
        if '|' not in line:
            continue
        left, right = line.split('|', 1)
        text = right.strip()
        m = re.search(r'/\* CRT (ck|rs) (begin|end) \*/', text)
        if m:
            cur = {} if m.group(2) == 'begin' else None
            if cur is not None:
                runs[m.group(1)].append(cur)
            stack = []
            continue
        if cur is None or text.startswith('/*'):
            continue
        dm = re.search(r'([0-9.]+) us', left)
        dur = float(dm.group(1)) * 1000 if dm else None
        name = re.sub(r'\(\).*|\s*\[.*', '', text.rstrip('{;').strip())
        if text.endswith('{'):
            stack.append(name)
            continue
        if text.startswith('}'):
            if not stack:
                continue
            path = tuple(stack)
            stack.pop()
        elif text.endswith(';'):
            path = tuple(stack) + (name,)
        else:
            continue
        if dur is not None:
            e = cur.setdefault(path, [0.0, 0])
            e[0] += dur
            e[1] += 1
    return runs


def trace_section(w, raw):
    """The 7-prof function_graph run (trace-guest.sh): where the kernel
    time of an idle checkpoint and restore goes, function by function."""
    info = {}
    lines = []
    tot = {'CRU': {}, 'CRT': {}}
    for line in open(raw):
        f = line.split()
        if line.startswith('CRT trace '):
            lines.append(line[len('CRT trace '):])
        elif f[:2] == ['CRT', 'info'] and len(f) > 2:
            info[f[2]] = ' '.join(f[3:])
        elif len(f) > 3 and f[0] in tot and f[1] in ('user', 'insys') \
                and f[2] == '0':
            tot[f[0]].setdefault(f[1], []).append([int(x) for x in f[3:]])
        elif len(f) > 2 and f[0] in tot and f[1] == 'sys':
            tot[f[0]]['sys'] = [int(x) for x in f[2:4]]
    runs = parse_trace(lines)
    if not runs['ck'] or not tot['CRU'].get('user'):
        return
    w('## Kernel functions of an idle checkpoint and restore (function '
      'graph trace)')
    w('')
    w('From `bench/cr/trace-guest.sh` in another VM run on kernel %s '
      '(built with the function graph tracer; booted with `%s`: '
      '`init_on_alloc=1` as Debian\'s kernels, `kmemleak=off`, '
      'which this debugging build has on and which would make every '
      'allocation save a stack trace), under icount like the section '
      'above: every time here is a count of guest instructions, in '
      'thousands ("k instr"). crbench runs %d idle '
      'checkpoint+restore pairs as above, first untraced, then with '
      'function_graph recording only the %s listed in the script (and '
      'only in crbench\'s process), between trace markers crbench writes '
      'around each call; the first pair of each (caches cold) is left out.'
      % (info.get('kernel', '?').split()[0],
         ' '.join(x for x in info.get('cmdline', '').split()
                  if x.split('=')[0] in ('tsc_early_khz', 'init_on_alloc',
                                         'kmemleak')),
         len(runs['ck']), info.get('hooked', '?')))
    w('')
    w('Every hooked call costs the tracer about the same, so a traced '
      'time is inflated by the hooked calls below it. "less tracer" takes '
      'off, for each function, the number of hooked calls below it times '
      'the cost per call that the untraced and traced runs give together: '
      '(time inside the system calls traced - untraced) / hooked calls; '
      'and, for each of its own calls, the part of a hook that falls '
      'inside the function\'s own time stamps: the traced time of the '
      'cheapest function traced with nothing hooked below it.')
    w('')
    summary = []
    inners = []
    for op, what, col in (('ck', 'checkpoint', 0), ('rs', 'restore', 2)):
        rr = runs[op][1:]
        ut = [x[col] for x in tot['CRU']['insys'][1:]]
        tt = [x[col] for x in tot['CRT']['insys'][1:]]
        calls_per_run = [sum(c for _, c in r.values()) for r in rr]
        ncalls = statistics.median(calls_per_run)
        per_call = max(0.0, (statistics.median(tt) - statistics.median(ut))
                       / ncalls) if ncalls else 0.0
        paths = []
        for r in rr:
            for p in r:
                if p not in paths:
                    paths.append(p)

        def sub(path, r):
            """time and calls of path in run r, its subtree's calls"""
            t, c = r.get(path, [0.0, 0])
            n = sum(v[1] for p2, v in r.items()
                    if len(p2) > len(path) and p2[:len(path)] == path)
            return t, c, n
        # the part of a hook inside its own function's time stamps: what
        # the cheapest function traced with nothing hooked below it takes
        leaves = [statistics.median(r.get(p, [0.0, 1])[0] /
                                    max(1, r.get(p, [0.0, 1])[1]) for r in rr)
                  for p in paths
                  if statistics.median(r.get(p, [0.0, 0])[1] for r in rr)
                  and not any(len(q) > len(p) and q[:len(p)] == p
                              for q in paths)]
        inner = min(min(leaves), per_call) if leaves else 0.0
        inners.append(inner)
        rows = {}
        for p in paths:
            vals = [sub(p, r) for r in rr]
            tr = statistics.median(v[0] for v in vals)
            cor = statistics.median(max(0.0, v[0] - v[2] * per_call -
                                        v[1] * inner)
                                    for v in vals)
            rows[p] = (tr / 1000.0, cor / 1000.0,
                       statistics.median(v[1] for v in vals))
        # self time (less tracer) of each path, to the categories
        cat = {}
        for p, (tr, cor, c) in rows.items():
            kids = sum(v[1] for p2, v in rows.items()
                       if len(p2) == len(p) + 1 and p2[:len(p)] == p)
            self_t = max(0.0, cor - kids)
            k = 'other'
            for name in reversed(p):
                if name.startswith('tcpkit_nl_'):
                    k = 'module'
                    break
                if name in CATOF:
                    k = CATOF[name]
                    break
            cat[k] = cat.get(k, 0.0) + self_t
        tops = [p for p in rows if len(p) == 1]
        ktot = sum(rows[p][1] for p in tops if CATOF.get(p[0]) == 'sys')
        summary.append((what, cat, ktot, statistics.median(ut) / 1000.0,
                        per_call / 1000.0, ncalls))
        w('### %s' % what)
        w('')
        w('| function | calls | traced (k instr) | less tracer (k instr) |')
        w('|---|---|---|---|')
        for p in sorted(rows):
            tr, cor, c = rows[p]
            if tr < 1.0 and len(p) > 1:
                continue
            w('| %s`%s` | %g | %.1f | %.1f |' % (
                '&nbsp;&nbsp;' * (len(p) - 1), p[-1], c, tr, cor))
        w('')
    w('### Where the kernel time goes, by part')
    w('')
    w('Self time (less tracer) of every traced function, summed by what '
      'it is part of; a function not traced counts in its nearest traced '
      'caller.')
    w('')
    w('| part | %s |' % ' | '.join('%s (k instr)' % s[0] for s in summary))
    w('|---|' + '---|' * len(summary))
    for k, desc in CATS + [('other', 'other')]:
        if not any(s[1].get(k) for s in summary):
            continue
        w('| %s | %s |' % (desc, ' | '.join('%.1f' % s[1].get(k, 0.0)
                                            for s in summary)))
    w('| **in the system calls, traced less tracer** | %s |' % ' | '.join(
        '**%.1f**' % sum(v for kk, v in s[1].items() if kk != 'user')
        for s in summary))
    w('| in the system calls, untraced (crbench) | %s |' % ' | '.join(
        '%.1f' % s[3] for s in summary))
    w('')
    w('What a request costs besides the module\'s handlers, the floor '
      'of one checkpoint or restore through genetlink on this kernel '
      '(in the system calls, less tracer, less the handlers): %s. '
      'Batching (`tcpkit_checkpoint_set()`, `tcpkit_restore_set()`) pays '
      'it once for many connections; one connection at a time pays it on '
      'every call.' % ', '.join(
          '%s %.1fk instructions' % (s[0], sum(v for kk, v in s[1].items()
                                     if kk not in ('user', 'module')))
          for s in summary))
    w('')
    if any(x[4] <= 0 for x in summary):
        w('**The untraced run was not faster than the traced one here**: '
          'the tracer\'s cost could not be taken off, and the "less '
          'tracer" times are the traced ones.')
        w('')
    w('Tracer cost per hooked call: %s (of which inside the function\'s '
      'own time stamps: %s); hooked calls per operation: %s.' % (
        ', '.join('%s %.2fk instructions' % (s[0], s[4]) for s in summary),
        ', '.join('%.2fk' % (x / 1000.0) for x in inners),
        ', '.join('%s %g' % (s[0], s[5]) for s in summary)))
    if 'sys' in tot['CRU']:
        w('An empty system call on this kernel: %.2fk instructions.'
          % (tot['CRU']['sys'][0] / 1000.0))
    w('')


def idle_icount_lines(raw):
    """The idle icount run's "CRI" lines: the calls' times, the time in
    their system calls, the library replayed, soccr's, and the empty
    system call and clock read."""
    u, ins, lib, soccr, sysf = [], [], [], [], None
    for line in open(raw):
        f = line.split()
        if f[:3] == ['CRI', 'user', '0']:
            u.append([int(x) for x in f[3:8]])
        elif f[:3] == ['CRI', 'insys', '0']:
            ins.append([int(x) for x in f[3:7]])
        elif f[:2] == ['CRI', 'lib']:
            lib.append([int(x) for x in f[2:7]])
        elif f[:2] == ['CRI', 'sys']:
            sysf = [int(x) for x in f[2:4]]
        elif f[:3] == ['CRI', 'soccr', '0']:
            soccr.append([int(x) for x in f[3:5]])
    return u, ins, lib, soccr, sysf


def icount_section(w, raw):
    """The icount run: the same idle calls in guest instructions."""
    u, ins, lib, soccr, sysf = idle_icount_lines(raw)
    if not u or not ins or not sysf:
        return
    # the first run's caches and TLB are cold
    u, ins = u[1:], ins[1:]
    null_ns, clock_ns = sysf
    w('## idle, in guest instructions (icount)')
    w('')
    w('The same idle calls in a VM of the same kernel under QEMU\'s icount '
      '(`TCPKIT_ACCEL=icount`, one vCPU): the guest\'s clock advances one '
      'nanosecond per instruction executed, so every time crbench measures '
      'is a count of guest instructions, whatever the host\'s load and '
      'however fast TCG happens to run a given piece of code. Medians of '
      '%d runs, thousands of instructions. An empty system call '
      '(getppid()) is %d instructions, a clock read %d.'
      % (len(u), null_ns, clock_ns))
    w('')
    w('| operation | part | k instructions |')
    w('|---|---|---|')
    for what, ti, ii, ci, col in (('checkpoint', 0, 0, 1, 0),
                                  ('restore', 4, 2, 3, 1)):
        tot = [x[ti] for x in u]
        kin = [x[ii] for x in ins]
        n = [x[ci] for x in ins]
        w('| %s | **total** | **%.1f** |' % (what, med(tot)))
        w('| %s | in its %g system calls (entry and exit included) | %.1f |'
          % (what, statistics.median(n),
             med([k - c * clock_ns for k, c in zip(kin, n)])))
        w('| %s | userspace: the library | %.1f |' % (
            what, med([t - k - c * clock_ns
                       for t, k, c in zip(tot, kin, n)])))
        if lib:
            w('| %s | the library alone, replayed | %.1f |'
              % (what, med([x[col] for x in lib])))
    if lib:
        w('| checkpoint | of it: image copy and validation '
          '(`tcpkit_image_from_payload()`) | %.1f |'
          % med([x[2] for x in lib]))
        w('| checkpoint | of it: metadata (`time()`, `snprintf()`) | %.1f |'
          % med([x[3] for x in lib]))
    if soccr:
        sc = [x[0] for x in soccr[1:]]
        sr = [x[1] for x in soccr[1:]]
        tk = [x[0] + x[3] + x[4] for x in u]
        w('| soccr | checkpoint (`soccr_dump()`) | %.1f |' % med(sc))
        w('| soccr | restore (`soccr_restore()`, its socket() included) | '
          '%.1f |' % med(sr))
        w('')
        w('The userspace TCP_REPAIR sequence (bench/cr/soccr_baseline.c) on '
          'an idle connection of the same runs: %.1fk instructions for '
          'checkpoint+restore; tcpkit %.1fk (checkpoint, socket(), '
          'restore): soccr/tcpkit = %.2f. Issue 17\'s target, tcpkit 1.5x '
          'faster, means at most %.1fk: less than tcpkit\'s instructions '
          'inside its system calls alone (%.1fk), before any of the '
          'library\'s.' % (
              med([a + b for a, b in zip(sc, sr)]), med(tk),
              med([a + b for a, b in zip(sc, sr)]) / med(tk),
              med([a + b for a, b in zip(sc, sr)]) / 1.5,
              med([x[0] + x[2] for x in ins])))
    w('')
    w('Where the userspace share of a real call in the TCG tables above '
      'is larger than the library alone replayed, the difference is not '
      'work the library does: in instructions the two agree. Under TCG '
      'the same instructions take longer in a real call, between the '
      'kernel\'s work and a whole connection\'s setup, than replayed back '
      'to back; an event trace of such calls (syscalls, interrupts, '
      'softirqs, page faults, context switches) shows none of those in '
      'that time in most of them: emulation speed, not a cost a native '
      'CPU would show in the same proportion.')
    w('')


def qname(q):
    if q % (1 << 20) == 0:
        return '%d MiB' % (q >> 20)
    return '%d KiB' % (q >> 10)


def queue_runs(raw):
    """The icount run of a queue (icount-guest.sh QUEUE, "CRQ" lines):
    one dict a run, the first (caches cold, buffers fresh) left out."""
    runs, sysf, strings, q, warm = [], None, None, None, []
    kern = {'checkpoint': [], 'restore': []}
    cur = {}
    for line in open(raw):
        f = line.split()
        if f[:1] != ['CRQ'] or len(f) < 2:
            continue
        if f[1:3] == ['info', 'strings']:
            strings = ' '.join(f[3:])
        elif f[1] == 'warmup':
            warm.append([int(x) for x in f[2:]])
        elif f[1] == 'sys':
            sysf = [int(x) for x in f[2:4]]
        elif f[1] in ('user', 'insys', 'mem', 'soccr', 'memcpy'):
            if f[1] == 'user':
                q = int(f[2])
                cur = {}
                runs.append(cur)
            cur[f[1]] = [int(x) for x in f[3:]]
        elif f[1] == 'kernel' and f[2] in kern:
            kv = dict(x.split('=') for x in f[3:])
            kern[f[2]].append({k: int(v) for k, v in kv.items()})
    for what, v in kern.items():
        for r, d in zip(runs, v):
            r[what] = d
    need = ('user', 'insys', 'mem', 'soccr', 'memcpy', 'checkpoint',
            'restore')
    runs = [r for r in runs[1:] if all(k in r for k in need)]
    return q, runs, sysf, strings, warm


def queue_values(runs, q, sysf):
    """The medians of @runs, in thousands of instructions."""
    null_ns, clock_ns = sysf

    def k(f):
        return statistics.median([f(r) for r in runs]) / 1000.0

    v = {}
    for what, known in (('checkpoint', CK), ('restore', RS)):
        # phases the module logs that this script does not name count
        # too (after the named ones), not as time outside the phases
        phases = known + sorted({p for r in runs for p in r[what]
                                 if p not in known and p != 'bytes'})
        v[what, 'phases'] = phases
        ti, ii, ci = (0, 0, 1) if what == 'checkpoint' else (4, 2, 3)
        ksum = 0.0
        for p in phases:
            if all(p in r[what] for r in runs):
                v[what, p] = k(lambda r: r[what][p])
                ksum += v[what, p]
        v[what, 'kout'] = k(lambda r: r['insys'][ii] - r['insys'][ci] *
                            (clock_ns + null_ns)) - ksum
        v[what, 'calls'] = statistics.median([r['insys'][ci] for r in runs])
        v[what, 'entry'] = v[what, 'calls'] * null_ns / 1000.0
        v[what, 'user'] = k(lambda r: r['user'][ti] - r['insys'][ii] -
                            r['insys'][ci] * clock_ns)
        v[what, 'total'] = k(lambda r: r['user'][ti])
    v['socket'] = k(lambda r: r['user'][3])
    v['encode'] = k(lambda r: r['user'][1])
    v['decode'] = k(lambda r: r['user'][2])
    v['tcpkit'] = k(lambda r: r['user'][0] + r['user'][3] + r['user'][4])
    v['soccr', 'ck'] = k(lambda r: r['soccr'][0])
    v['soccr', 'rs'] = k(lambda r: r['soccr'][1])
    v['soccr'] = k(lambda r: r['soccr'][0] + r['soccr'][1])
    v['memcpy'] = k(lambda r: r['memcpy'][0])
    v['rep'] = k(lambda r: r['memcpy'][1])
    v['fresh'] = k(lambda r: r['mem'][2])
    v['flt_ck'] = statistics.median([r['mem'][0] for r in runs])
    v['flt_rs'] = statistics.median([r['mem'][1] for r in runs])
    ck = lambda p: v.get(('checkpoint', p), 0.0)
    rs = lambda p: v.get(('restore', p), 0.0)
    libcopy = min(ck('user'), v['memcpy'])
    v['floor'] = [
        ('netlink', 'checkpoint: the dump messages filled by the module '
         '(the first message buffer\'s allocation included)',
         'kernel: msgbuf + stream', ck('msgbuf') + ck('stream')),
        ('netlink', 'checkpoint: the later message buffers, allocated and '
         'cleared by `netlink_dump()` (one per datagram), copied to the '
         'user by `recvmsg()`, freed', 'checkpoint: in the kernel, outside '
         'the module\'s phases', ck('kout')),
        ('netlink', 'checkpoint: the library\'s copy of the chunks into the '
         'image buffer, at the cost of one memcpy() of the queue',
         'memcpy() of the queue (at most the library\'s part)', libcopy),
        ('netlink', 'restore: the request skb, allocated by '
         '`netlink_sendmsg()` (vmalloc when large), cleared, filled by '
         '`copy_from_user()`; policy validation, free',
         'restore: in the kernel, outside the '
         'module\'s phases', rs('kout')),
        ('netlink', 'restore: the image attributes checked in the request',
         'kernel: parse', rs('parse')),
        ('any restore', 'restore: the module\'s copy into the restored '
         'socket\'s skbs, their allocation and clearing', 'kernel: rcvq',
         rs('rcvq')),
        ('no', 'checkpoint: the snapshot under the socket lock: the send '
         'queue copied into a buffer, the receive queue\'s skbs cloned',
         'kernel: copy', ck('copy')),
        ('no', 'checkpoint: the rest of the library\'s part: the image '
         'buffer\'s pages when they are fresh (soccr\'s peek buffer has '
         'its own in its checkpoint), reply handling, validation',
         'checkpoint: userspace, the library, less the row of its copy',
         ck('user') - libcopy),
    ]
    v['trans'] = sum(x[3] for x in v['floor'] if x[0] == 'netlink')
    # the restored socket's copy, which soccr's restore does too: at
    # the lesser of the module's and soccr's whole restore
    v['copy'] = min(rs('rcvq'), v['soccr', 'rs'])
    v['bound'] = v['trans'] + v['copy']
    v['rest'] = v['tcpkit'] - sum(x[3] for x in v['floor'])
    v['target'] = v['soccr'] / 1.5
    return v


def queue_icount_section(w, raw, idle):
    """The icount run of a queue: its checkpoint and restore, the
    userspace sequence's, a memcpy and fresh memory of the queue's size,
    in guest instructions; then the floor: the per-byte work each path
    must do, and what tcpkit would cost if only the work its netlink
    transport requires were left. @idle: the idle icount run's whole
    calls (k instructions inside the system calls of a checkpoint and of
    a restore, the checkpoint's library part), or None."""
    q, runs, sysf, strings, warm = queue_runs(raw)
    if not runs or not sysf:
        return
    # Runs in which one rep movsb of the queue counted the same before
    # and after, grouped by that count per byte.
    groups = {}
    mixed = 0
    for r in runs:
        a = round(r['memcpy'][1] / q, 1)
        b = round(r['memcpy'][-1] / q, 1)
        if a == b:
            groups.setdefault(a, []).append(r)
        else:
            mixed += 1
    cols = sorted(groups, key=lambda g: -len(groups[g]))
    if not cols:
        return
    vals = [queue_values(groups[g], q, sysf) for g in cols]

    def pb(x):
        return '%.2f' % (x * 1000.0 / q)

    def row(label, key, bold=False):
        cells = []
        for v in vals:
            x = key(v) if callable(key) else v[key]
            cells.append(('**%.1f** | **%s**' if bold else '%.1f | %s')
                          % (x, pb(x)))
        w('| %s | %s |' % (label, ' | '.join(cells)))

    head = ' | '.join('k instr (%d runs, rep movsb %.1f/byte) | per byte'
                      % (len(groups[g]), g) for g in cols)
    sep = '|---|---|' + '---|---|' * len(cols)
    w('## %s, in guest instructions (icount)' % qname(q))
    w('')
    w('A third VM of the same kernel under icount, as the idle section '
      'above (one vCPU, one nanosecond of guest clock per instruction '
      'executed), with the module\'s `profile=1` as in the TCG run: its '
      'phase times are `ktime_get_ns()` differences and so count guest '
      'instructions too. Each run (`crbench profile N %d`, '
      'bench/cr/icount-guest.sh) does the %s checkpoint and restore, '
      'the userspace sequence\'s dump and restore of a connection with '
      'the same queue, a memcpy() of %s into a buffer in use, one `rep '
      'movsb` of the same (also before the run\'s connection is set up), '
      'and brings %s of fresh memory into use. Thousands of '
      'instructions, medians; "per byte" divides by the %d queue bytes.'
      % (q, qname(q), qname(q), qname(q), q))
    w('')
    seen = sorted({round(x / q, 1) for r in runs for x in r['memcpy'][1:]})
    w('The guest CPU\'s fast string flags: %s. Under icount QEMU counts '
      'the iterations of a rep-prefixed string instruction, not the '
      'instruction: one `rep movsb` of %s counted %s instructions per '
      'byte in this run (memcpy(): %s per byte). The kernel copies '
      'between user and kernel memory, and clears the pages it '
      'allocates, with such string instructions where '
      'those flags allow, so the figures holding such copies count one '
      'or more instructions per byte they copy or clear.'
      % (strings or '(none)', qname(q),
         ' or '.join('%.1f' % x for x in seen), pb(vals[0]['memcpy'])))
    w('')
    if warm:
        wc = [round(x / q, 1) for x in (warm[0][3], warm[0][2])]
        w('%s: a first run of the same calls in this VM, not in the '
          'figures, counted %s instructions per byte of its `rep movsb` '
          '(before and after it); bench/cr/icount-guest.sh then lets 10 s of '
          'guest time pass idle before the runs measured here.'
          % ('Right after boot the count differed' if set(wc) != set(seen)
             else 'Right after boot the count was the same',
             '%.1f' % wc[0] if wc[0] == wc[1] else
             '%.1f and %.1f' % tuple(wc)))
        w('')
    if len(seen) > 1:
        w('The count per byte was not the same all along: %s runs (the '
          'first of %d left out: caches cold, buffers fresh): %s. Each '
          'column below holds the runs whose `rep movsb` counted the same '
          'before and after, medians of those runs.'
          % (len(runs), len(runs) + 1,
             ', '.join('%d at %.1f' % (len(groups[g]), g) for g in cols) +
             (', %d changed within the run' % mixed if mixed else '')))
    else:
        w('Medians of %d runs (the first of %d left out: caches cold, '
          'buffers fresh).' % (len(groups[cols[0]]), len(runs) + 1))
    w('')
    w('| operation | part | %s |' % head)
    w(sep)
    for what in ('checkpoint', 'restore'):
        for p in vals[0][what, 'phases']:
            if (what, p) in vals[0]:
                row('%s | kernel: %s' % (what, p), (what, p))
        row('%s | in the kernel, outside the module\'s phases' % what,
            (what, 'kout'))
        row('%s | system call entry and exit (%g calls)'
            % (what, vals[0][what, 'calls']), (what, 'entry'))
        row('%s | userspace: the library' % what, (what, 'user'))
        row('%s | **total**' % what, (what, 'total'), True)
    row('restore | socket()', 'socket')
    row('tcpkit | **checkpoint, socket(), restore**', 'tcpkit', True)
    row('file | encode (`tcpkit_image_encode()`, CRC32C included)',
        'encode')
    row('file | decode (`tcpkit_image_decode()`)', 'decode')
    row('soccr | checkpoint (`soccr_dump()`)', ('soccr', 'ck'))
    row('soccr | restore (`soccr_restore()`, its socket() included)',
        ('soccr', 'rs'))
    row('soccr | **checkpoint and restore**', 'soccr', True)
    row('copy | memcpy() of %s' % qname(q), 'memcpy')
    row('copy | one `rep movsb` of %s' % qname(q), 'rep')
    row('memory | %s of fresh memory (mmap, a write a page, munmap)'
        % qname(q), 'fresh')
    w('')
    for g, v in zip(cols, vals):
        w('* rep movsb %.1f/byte: soccr/tcpkit = %.2f (issue 17\'s target: '
          '1.5); tcpkit/memcpy = %.1f, soccr/memcpy = %.1f. Page faults '
          '(medians): tcpkit checkpoint %d, restore %d.'
          % (g, v['soccr'] / v['tcpkit'], v['tcpkit'] / v['memcpy'],
             v['soccr'] / v['memcpy'], v['flt_ck'], v['flt_rs']))
    w('')
    w('## Floor at %s' % qname(q))
    w('')
    w('The work per queue byte each path must do, in guest instructions '
      'from the run above. soccr: its dump copies the skbs into a user '
      'buffer (`recv(MSG_PEEK)`), whose pages are fresh when the buffer '
      'is new (%s of fresh memory in the last rows above); its restore '
      'copies the buffer into the new socket\'s skbs (`send()` in repair '
      'mode), which the kernel allocates and clears (init_on_alloc). '
      'tcpkit moves every byte through netlink besides: the rows marked '
      '"netlink" are the work its transport requires, "any restore" the '
      'work soccr\'s restore does too. Each is measured as '
      'the phase or part that holds it, with whatever else that part '
      'does (request and system call machinery, the library\'s reply '
      'handling)%s.'
      % (qname(q), '' if not idle else
         ': for scale, a whole idle checkpoint counts %.1fk instructions '
         'inside its system calls and %.1fk in the library, an idle '
         'restore %.1fk inside its system calls (the idle icount '
         'section)' % idle))
    w('')
    w('| path | work | measured as | required by | %s |' % head)
    w('|---|---|---|---|' + '---|---|' * len(cols))
    row('soccr | checkpoint: skbs copied into a user buffer '
        '(`recv(MSG_PEEK)`), the buffer\'s pages | `soccr_dump()` | ',
        ('soccr', 'ck'))
    row('soccr | restore: the buffer copied into new skbs, their '
        'allocation and clearing | `soccr_restore()`, socket() included '
        '| ', ('soccr', 'rs'))
    row('soccr | **total** | | ', 'soccr', True)
    for i, (tr, what, how, _) in enumerate(vals[0]['floor']):
        row('tcpkit | %s | %s | %s' % (what, how, tr),
            lambda v, i=i: v['floor'][i][3])
    row('tcpkit | the rest: the other phases, system call entry and exit, '
        'the restore\'s library part, socket() | the total less the rows '
        'above | no', 'rest')
    row('tcpkit | **total** | | ', 'tcpkit', True)
    row('tcpkit | the restored socket\'s copy at the lesser of rcvq and '
        'soccr\'s whole restore | | any restore', 'copy')
    row('tcpkit | **floor: the "netlink" rows and that copy** | | ',
        'bound', True)
    row('target | soccr\'s total / 1.5 | | ', 'target')
    w('')
    for g, v in zip(cols, vals):
        fl = v['floor']
        ckt = fl[0][3] + fl[1][3] + fl[2][3]
        line = ('* rep movsb %.1f/byte: if everything but the work the '
                'netlink transport requires were free (no snapshot, no '
                'fixed cost), tcpkit at %s would still do the '
                'transport\'s %.1fk instructions (checkpoint %.1fk: the '
                'dump messages filled %.1fk, the later message buffers and '
                'the copy to the user %.1fk, the library\'s copy %.1fk; '
                'restore request %.1fk) and the restored socket\'s copy, '
                '%.1fk (the module\'s rcvq %.1fk, %.2f times soccr\'s '
                'whole restore, %.1fk): %.1fk, %s per byte, against the '
                'target\'s %.1fk (soccr %.1fk / 1.5).'
                % (g, qname(q), v['trans'], ckt, fl[0][3], fl[1][3],
                   fl[2][3], fl[3][3] + fl[4][3], v['copy'], fl[5][3],
                   fl[5][3] / v['soccr', 'rs'], v['soccr', 'rs'],
                   v['bound'], pb(v['bound']), v['target'], v['soccr']))
        if v['trans'] > v['target']:
            line += (' The transport alone is %.2f times the target (%.2f '
                     'times soccr\'s whole checkpoint and restore): no '
                     'change outside it reaches the target while every '
                     'queue byte travels through netlink messages.'
                     % (v['trans'] / v['target'], v['trans'] / v['soccr']))
        elif v['bound'] > v['target']:
            line += (' The transport alone is below the target (%.2f of '
                     'it), the floor with the restored socket\'s copy '
                     'above it (%.2f times): that copy would have to count '
                     'at most %.1fk.'
                     % (v['trans'] / v['target'], v['bound'] / v['target'],
                        v['target'] - v['trans']))
        else:
            line += (' The floor is below the target (%.2f of it): the '
                     '%.1fk the rest of tcpkit counts today would have to '
                     'fall to %.1fk.'
                     % (v['bound'] / v['target'], v['tcpkit'] - v['bound'],
                        v['target'] - v['bound']))
        w(line)
    if len(vals) > 1:
        over = [v['trans'] > v['target'] for v in vals]
        if all(over):
            w('')
            w('Counted either way, the transport alone is above the '
              'target.')
        elif not any(over):
            w('')
            w('Counted either way, the transport alone is below the '
              'target.')
    w('')


def idle_icount(raw):
    """The idle icount run's whole calls, k instructions: inside the
    system calls of a checkpoint, its library part, inside those of a
    restore (as icount_section() computes them); None without it."""
    u, ins, _, _, sysf = idle_icount_lines(raw)
    if len(u) < 2 or len(ins) < 2 or not sysf:
        return None
    u, ins, clock_ns = u[1:], ins[1:], sysf[1]
    return (med([x[0] - x[1] * clock_ns for x in ins]),
            med([a[0] - b[0] - b[1] * clock_ns for a, b in zip(u, ins)]),
            med([x[2] - x[3] * clock_ns for x in ins]))


def main():
    raw, cmd = sys.argv[1], sys.argv[2]
    rel = '?'
    autoinit = '?'
    user = {}
    mem = {}
    insys = {}
    hostload = None
    soccr = []
    lib = []
    sysf = None
    kern = {'checkpoint': {}, 'restore': {}}
    for line in open(raw):
        f = line.split()
        if f[:3] == ['CRP', 'info', 'kernel']:
            rel = f[3]
        elif f[:3] == ['CRP', 'info', 'hostload']:
            hostload = ' '.join(f[3:])
        elif f[:3] == ['CRP', 'info', 'autoinit']:
            autoinit = ' '.join(f[3:]) or '(not in the boot log)'
        elif f[:2] == ['CRP', 'mem']:
            mem.setdefault(int(f[2]), []).append([int(x) for x in f[3:6]])
        elif f[:2] == ['CRP', 'sys']:
            sysf = [int(x) for x in f[2:4]]
        elif f[:2] == ['CRP', 'insys']:
            insys.setdefault(int(f[2]), []).append([int(x) for x in f[3:7]])
        elif f[:3] == ['CRP', 'soccr', '0']:
            soccr.append([int(x) for x in f[3:5]])
        elif f[:2] == ['CRP', 'lib']:
            lib.append([int(x) for x in f[2:7]])
        elif f[:2] == ['CRP', 'user']:
            q = int(f[2])
            user.setdefault(q, []).append([int(x) for x in f[3:8]])
        elif f[:2] == ['CRP', 'kernel']:
            what = f[2]
            kv = dict(x.split('=') for x in f[3:])
            q = int(kv.pop('bytes'))
            d = kern[what].setdefault(q, {})
            for k, v in kv.items():
                d.setdefault(k, []).append(int(v))

    out = []
    w = out.append
    w('# Checkpoint/restore profile: where the time goes')
    w('')
    w('Written by `%s` on %s UTC, guest kernel %s (QEMU TCG), from one VM '
      'run. Medians in microseconds; under TCG absolute times are '
      'inflated, the split between phases is the figure.' % (
          cmd, datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M'), rel))
    if hostload:
        w('')
        w('Host load average (1, 5, 15 min) before / after the run: %s; '
          'on 2 host CPUs, more than 1 means another job (other VMs, '
          'builds) shared them and inflated these times.' % hostload)
    w('')
    w('## How it is measured')
    w('')
    w('* Kernel: with the module parameter `profile=1`, module/profile.c '
      'reads `ktime_get_ns()` at the end of each phase of a checkpoint dump '
      'and of a restore, and logs one line per operation.')
    w('* Library: `crbench profile N` (bench/cr/crbench.c) times each '
      'libtcpkit call with `clock_gettime(CLOCK_MONOTONIC)`: '
      '`tcpkit_checkpoint()` of a fresh loopback connection whose receive '
      'queue holds QUEUE bytes, `tcpkit_image_encode()` and '
      '`tcpkit_image_decode()` (what writing and reading an image file add, '
      'CRC32C included), `socket()`, `tcpkit_restore()`.')
    w('* "outside the kernel phases" is the call\'s time less the sum of its '
      'kernel phases: the library (request building, reply collection and '
      'validation), system call entry and exit, and the netlink core '
      '(policy validation, skb allocation, copies between user and kernel '
      'memory, the dump machinery). It is split below each table: crbench '
      'wraps the system calls the library makes and times each (so the '
      'rest of the call is userspace), times an empty system call, and '
      'replays each call without the kernel (the library alone); the '
      'kernel\'s share outside the phases is taken apart function by '
      'function in the last section, from a function graph trace.')
    w('* Memory: the page faults of each call are the minor faults '
      '(getrusage) it caused, fresh pages of the library\'s buffers; '
      '"fresh memory" times bringing QUEUE bytes of new anonymous memory '
      'into use (mmap, one write a page, munmap). The guest kernel\'s '
      'boot log says `mem auto-init: %s`: with "heap alloc:on" '
      '(init_on_alloc, Debian\'s default) every page and slab object the '
      'kernel allocates is cleared first, so each buffer a path allocates '
      'costs in proportion to its size, in the kernel as in userspace.'
      % autoinit)
    w('')
    for q in sorted(user):
        outside = {}
        u = list(zip(*user[q]))
        name = 'idle' if q == 0 else '%d KiB' % (q // 1024)
        w('## %s (%d runs)' % (name, len(user[q])))
        w('')
        w('| operation | phase | median (us) | what |')
        w('|---|---|---|---|')
        for what, total, phases in (('checkpoint', u[0], CK),
                                     ('restore', u[4], RS)):
            d = kern[what].get(q, {})
            ksum = 0.0
            for p in phases:
                if p not in d:
                    continue
                m = med(d[p])
                ksum += m
                w('| %s | kernel: %s | %.1f | %s |' % (what, p, m, KDESC[p]))
            w('| %s | outside the kernel phases | %.1f | |' %
              (what, med(total) - ksum))
            w('| %s | **total** | **%.1f** | `tcpkit_%s()` |' %
              (what, med(total), what))
            outside[what] = (med(total), ksum)
        w('| file | encode | %.1f | `tcpkit_image_encode()`, CRC32C included |'
          % med(u[1]))
        w('| file | decode | %.1f | `tcpkit_image_decode()`, CRC32C and '
          'validation |' % med(u[2]))
        w('| restore | socket() | %.1f | |' % med(u[3]))
        w('')
        if q in insys and sysf:
            split_outside(w, q, u, list(zip(*insys[q])), outside,
                          lib if q == 0 else [], sysf)
        if q == 0 and soccr:
            w('For comparison, the userspace TCP_REPAIR sequence '
              '(bench/cr/soccr_baseline.c) on an idle connection of the '
              'same runs: checkpoint %.1f us, restore with its socket() '
              '%.1f us; tcpkit\'s checkpoint, socket() and restore: '
              '%.1f us.' % (med([x[0] for x in soccr]),
                            med([x[1] for x in soccr]),
                            med([x[0] + x[3] + x[4] for x in user[q]])))
            w('')
        if q in mem:
            m = list(zip(*mem[q]))
            w('Page faults: checkpoint %d, restore %d (medians).' % (
                statistics.median(m[0]), statistics.median(m[1])))
            if q:
                fr = med(m[2])
                w('Fresh memory of %d KiB: %.1f us. Besides the restored '
                  'socket\'s own skbs, tcpkit allocates per '
                  'checkpoint+restore the dump messages (one datagram\'s '
                  'buffer at a time, cleared), the library\'s image (its '
                  'page faults above) and the restore request '
                  '(netlink_sendmsg(), a buffer of the queue\'s size), and '
                  'a snapshot buffer for the send queue\'s bytes (the '
                  'receive queue\'s skbs are cloned); the userspace '
                  'sequence allocates one buffer, its peek buffer. The '
                  'kernel clears its own buffers as userspace\'s fresh '
                  'memory is cleared, without the page faults.'
                  % (q // 1024, fr))
            w('')
    w('## Copies of a queue byte, original socket to restored socket')
    w('')
    w('| # | from | to | where |')
    w('|---|---|---|---|')
    w('| 0 | the original\'s send queue skbs | snapshot buffer | checkpoint, '
      'under the socket lock (`skb_copy_bits`); send queue only |')
    w('| 1 | clones of the original\'s receive queue skbs (the send queue: '
      'the snapshot buffer) | dump message skbs | checkpoint dumpit |')
    w('| 2 | dump message skbs | library receive buffer | `recvmmsg()` |')
    w('| 3 | receive buffer | image buffer | `tk_collect_cb()` |')
    w('| 4 | image buffer | restore request skb | `sendmsg()`, the data '
      'taken from the image in place |')
    w('| 5 | request skb | restored socket\'s skbs | restore, '
      '`kernel_sendmsg()`/`tcp_sendmsg_locked()` |')
    w('')
    w('A receive queue byte is copied five times, a send queue byte six '
      '(writing and reading an image file add the file I/O and one CRC32C '
      'pass each way). The send queue cannot be cloned: TCP splits and '
      'shifts the frags of its unsent and SACKed skbs in place '
      '(`tso_fragment()`, `skb_shift()`), which a clone would see. The '
      'userspace TCP_REPAIR sequence makes two copies: `recv(MSG_PEEK)` into '
      'the caller\'s buffer and `send()` into the new socket. Copies 1 and '
      '2, 4 and 5 are the netlink transport\'s: each way, the bytes pass '
      'through one kernel buffer (the dump messages, the request skb) that '
      'the socket calls do not need. Copy 3 would go if each datagram were '
      'received into the image in place, one `recvmsg()` per datagram '
      'instead of 32 to a `recvmmsg()`.')
    icount_section(w, raw)
    queue_icount_section(w, raw, idle_icount(raw))
    if len(sys.argv) > 3:
        trace_section(w, sys.argv[3])
    print('\n'.join(out))


main()
