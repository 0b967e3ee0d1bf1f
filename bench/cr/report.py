#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the CRB lines of one bench/cr VM run into bench/results/cr.md and
its gnuplot PNGs.

usage: report.py RAW_LINES RESULTS_DIR KERNEL_RELEASE COMMAND [ICOUNT_RAW]

ICOUNT_RAW: the CRS lines of run.sh's icount scale run; with it cr.md gets
the section "Scale in guest instructions" (scale_icount.py) and the
issue-17 target row for scaling takes its ratio.
"""
import datetime
import os
import subprocess
import sys

sys.dont_write_bytecode = True    # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale_icount  # noqa: E402

PATHS = ('tcpkit', 'soccr')


def parse(path):
    lat, cpu, mem, scale, info, leak = {}, {}, {}, {}, [], {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) < 2 or w[0] != 'CRB':
                continue
            if w[1] == 'lat':
                lat[(w[2], int(w[3]))] = dict(
                    n=int(w[4]), ck=float(w[5]), ck99=float(w[6]),
                    rs=float(w[7]), rs99=float(w[8]),
                    sck=float(w[9]), srs=float(w[10]))
            elif w[1] == 'cpu':
                cpu[(w[2], int(w[3]))] = (float(w[5]), float(w[6]))
            elif w[1] == 'memcpy':
                mem[int(w[2])] = float(w[4])
            elif w[1] == 'scale':
                scale[(w[2], int(w[3]))] = (float(w[4]), float(w[5]))
            elif w[1] in ('scaleset', 'scalestop'):
                continue    # scaleset_section()
            elif w[1] == 'leak':
                leak.setdefault(w[2], []).append(w[3:])
            else:
                info.append(' '.join(w[1:]))
    return lat, cpu, mem, scale, info, leak


def scaleset_section(raw, scale, lat):
    """Batched restore: crbench's scale_set() lines against the scale runs
    of both paths with the same N."""
    rows = [(n,) + v for n, v in scaleset_rows(raw).items()]
    if not rows:
        return []
    sys_soccr = None
    if ('soccr', 0) in lat:
        sys_soccr = lat[('soccr', 0)]['sck'] + lat[('soccr', 0)]['srs']
    out = ['## Batched checkpoint and restore: tcpkit_checkpoint_set(), tcpkit_restore_set()', '',
           'N idle connections checkpointed as one set '
           '(`tcpkit_checkpoint_set()`: one dump per 1024 connections), then '
           'restored as one set '
           '(`tcpkit_restore_set()`: up to 32 requests to a sendmsg(), '
           'their ACKs taken by recvmmsg(); socket() of each included), '
           'against the one-by-one runs of the scale table above with the '
           'same N; soccr\'s system calls per connection are those of its '
           'idle latency samples (the same sequence every time). Ratios '
           'above 1: the set is faster or makes fewer calls.',
           '',
           '| N | restore total (ms) | restore per connection (us) | '
           'tcpkit one by one / set | soccr / set | ck+rs per connection (us) '
           '| soccr / set, ck+rs | syscalls per connection ck / rs | '
           'soccr / set, syscalls ck+rs |',
           '|---|---|---|---|---|---|---|---|---|']
    for n, tck, trs, sck, srs in sorted(rows):
        one = scale.get(('tcpkit', n))
        so = scale.get(('soccr', n))
        per = trs / n
        cell = lambda r: '%.2f' % (r[1] / n / per) if r else '-'
        both = (tck + trs) / n
        ratio_both = '%.2f' % ((so[0] + so[1]) / n / both) if so else '-'
        ratio_sys = ('%.1f' % (sys_soccr / (sck + srs))
                     if sys_soccr and sck + srs else '-')
        out.append('| %d | %.1f | %.1f | %s | %s | %.1f | %s | %.2f / %.2f | '
                   '%s |' % (n, trs / 1000, per, cell(one), cell(so), both,
                             ratio_both, sck, srs, ratio_sys))
    out.append('')
    stops = {}
    with open(raw) as f:
        for line in f:
            w = line.split()
            if len(w) >= 5 and w[:2] == ['CRB', 'scalestop']:
                stops[int(w[2])] = (float(w[3]), float(w[4]))
    if stops:
        out += ['The same sets checkpointed again with stop '
                '(`TCPKIT_CHECKPOINT_STOP`, then given back by '
                '`tcpkit_abort_set()`, not timed): every tuple frozen and '
                'one wait (`synchronize_net()`) for the whole set, a hold '
                'per connection.', '',
                '| N | with stop total (ms) | with stop per connection (us) '
                '| without stop per connection (us) |', '|---|---|---|---|']
        for n, (ck, st) in sorted(stops.items()):
            out.append('| %d | %.1f | %.1f | %.1f |' % (
                n, st / 1000, st / n, ck / n))
        out.append('')
    return out


def scaleset_rows(raw):
    """crbench's scale_set() lines: {N: (ck_us, rs_us, sys_ck, sys_rs)}."""
    rows = {}
    with open(raw) as f:
        for line in f:
            w = line.split()
            if len(w) >= 8 and w[:2] == ['CRB', 'scaleset']:
                rows[int(w[3])] = tuple(float(x) for x in w[4:8])
    return rows


def targets_section(raw, lat, mem, scale, ns, sraw=None):
    """Issue 17's targets, each against this run; the scaling one from
    the icount run (@sraw) when there is one."""
    out = ['## Issue 17 targets against this run', '',
           '| target | measured | met |', '|---|---|---|']
    w = out.append
    t, s = lat.get(('tcpkit', 0)), lat.get(('soccr', 0))
    if t and s:
        r = (s['ck'] + s['rs']) / (t['ck'] + t['rs'])
        w('| idle, one at a time: ck+rs at least 1.5x faster than soccr | '
          'soccr/tcpkit = %.2f | %s |' % (r, 'yes' if r >= 1.5 else 'no'))
        r = (s['sck'] + s['srs']) / (t['sck'] + t['srs'])
        w('| idle: at least 5x fewer syscalls | %.0f vs %.0f: %.2fx | %s |' % (
            t['sck'] + t['srs'], s['sck'] + s['srs'], r,
            'yes' if r >= 5 else 'no'))
    sets = scaleset_rows(raw)
    if 1000 in sets and ('soccr', 1000) in scale and s:
        ck, rs, sck, srs = sets[1000]
        so = scale[('soccr', 1000)]
        r = (so[0] + so[1]) / (ck + rs)
        row = scale_icount.sets_row(sraw, r) if sraw else None
        w(row or '| 1000 idle, batched: per connection at least 3x faster '
          'than soccr\'s | soccr/tcpkit = %.2f (checkpoint and restore as '
          'sets) | %s |' % (r, 'yes' if r >= 3 else 'no'))
        r = (s['sck'] + s['srs']) / (sck + srs)
        w('| 1000 idle, batched: at least 20x fewer syscalls per connection '
          '| %.2f vs %.0f: %.1fx | %s |' % (sck + srs, s['sck'] + s['srs'],
                                          r, 'yes' if r >= 20 else 'no'))
    q = 4 << 20
    t, s = lat.get(('tcpkit', q)), lat.get(('soccr', q))
    if t and s:
        r = (s['ck'] + s['rs']) / (t['ck'] + t['rs'])
        m = ((t['ck'] + t['rs']) / mem[q]) if q in mem else float('nan')
        w('| 4 MiB: at least 1.5x faster than soccr | soccr/tcpkit = %.2f; '
          'tcpkit ck+rs = %.0fx memcpy time | %s |' % (
              r, m, 'yes' if r >= 1.5 else 'no'))
    big = max(ns) if ns else 0
    r = None
    if ('tcpkit', big) in scale and ('tcpkit', 100) in scale and big > 100:
        a, b = scale[('tcpkit', big)], scale[('tcpkit', 100)]
        r = ((a[0] + a[1]) / big) / ((b[0] + b[1]) / 100)
    row = scale_icount.target_row(sraw, r) if sraw else None
    if row:
        w(row)
    elif r is not None:
        w('| per connection at %d within 1.2x of 100 | %.2fx (wall clock) '
          '| %s |' % (big, r, 'yes' if r <= 1.2 else 'no'))
    w('')
    return out


# Sections other scripts write into cr.md after this one's, kept when
# only this part runs again (each says which run wrote it).
LATER = ('## Migration blackout seen by the peer', '## Resume after a freeze')


def later_sections(md):
    """The text of cr.md from the first later section on, or ''."""
    if not os.path.exists(md):
        return ''
    text = open(md).read()
    at = [text.find('\n' + h + '\n') for h in LATER]
    at = [i for i in at if i >= 0]
    return '\n' + text[min(at) + 1:] if at else ''


def p99_note(counts):
    """What the nearest-rank p99 is for the sample counts of this run."""
    parts = []
    for n in counts:
        k = n - int(0.99 * (n - 1) + 0.5)
        parts.append('%d samples: the %s' % (
            n, 'largest' if k == 1 else '%d. largest' % k))
    return ('p99 is the nearest-rank value (crbench\'s pct(): rank '
            'round(0.99 (n - 1)) of the n sorted samples); with ' +
            ', '.join(parts) + '.')


# Caches whose objects are sockets (or the namespace itself), and the
# global socket figures of /proc/net/sockstat: anything left of them once
# the namespace is gone is a socket or a namespace not freed.
SOCKETS = ('TCP', 'TCPv6', 'tw_sock_TCP', 'tw_sock_TCPv6',
           'request_sock_TCP', 'request_sock_TCPv6', 'net_namespace',
           'sockstat_tcp_alloc', 'sockstat_tcp_orphan', 'sockstat_tcp_mem',
           'module_refcnt')
SAMPLES = ('base', 'control', 'end-unshrunk', 'end', 'after', 'again')


def leak_section(leak, ncpu):
    """guest.sh's leak check: counts at SAMPLES, with a reading each."""
    if 'base' not in leak:
        return []
    val = {t: {w[0]: int(w[1]) for w in leak.get(t, [])
               if len(w) == 2 and w[1].lstrip('-').isdigit()}
           for t in SAMPLES}
    settle = {w[0]: (w[1], w[2]) for w in leak.get('settle', [])
              if len(w) == 3}
    shrink = leak.get('shrink', [['?']])[0][0]
    r2 = dict(w.split('=', 1) for w in leak.get('round2', [[]])[0]
              if '=' in w)
    round2 = 'exit status %s' % r2.get('rc', '?')
    out = ['## Leak check after the namespace is gone', '']
    w = out.append
    w('Counts in the initial namespace (guest.sh): /proc/slabinfo active '
      'objects of the socket caches, net_namespace and every kmalloc '
      'cache, /proc/net/sockstat\'s global TCP figures (alloc, orphan, '
      'mem in pages), and /sys/module/tcpkit/refcnt. Samples: **base** '
      'after modprobe; **control** after a bare namespace (lo up, nothing '
      'else) was created and deleted: what the kernel keeps of any '
      'namespace; **end** at the end of the run, before `ip netns del`, '
      'and **end unshrunk** the same without the shrink below (what this '
      'report showed before); **after** once the run\'s namespace was '
      'deleted; **again** after a second, quick round (`crbench --quick '
      '100` in a new namespace, %s), deleted too. After each deletion the '
      'counts were polled every 0.5 s until net_namespace and the socket '
      'figures had not changed over 5 samples (at most 60 s): namespace '
      'teardown is asynchronous.' % round2)
    w('')
    if shrink == 'yes':
        w('Before each sample but end unshrunk every cache listed was '
          'shrunk (`echo 1 > /sys/kernel/slab/NAME/shrink`: the per-cpu '
          'slabs flushed, empty slabs freed): without it /proc/slabinfo '
          'counts the free objects of slabs cached per CPU as active.')
    else:
        w('/sys/kernel/slab/NAME/shrink did not exist: the counts include '
          'free objects of slabs cached per CPU.')
    w('')
    for t in ('control', 'after', 'again'):
        if t in settle:
            w('* %s: %s after %s s.' % (
                t, 'settled' if settle[t][1] == 'yes' else
                'NOT settled, gave up', settle[t][0]))
    w('')
    w('tcpkit has no slab cache of its own and no counters to read: its '
      'allocations (kzalloc, kvmalloc) come from the kmalloc caches '
      '(kmalloc-cg-* for those charged to a memory cgroup).')
    w('')
    w('| cache or figure | base | control | end unshrunk | end | after | '
      'again | after - control | again - after | reading |')
    w('|---|---|---|---|---|---|---|---|---|---|')
    names = [n for n in SOCKETS if n in val['base']]
    names += sorted((n for n in val['base'] if n not in SOCKETS and
                     not n.startswith('sockstat_') and
                     len({val[t].get(n) for t in SAMPLES}) > 1),
                    key=cache_order)
    same = sorted((n for n in val['base'] if n not in names and
                   not n.startswith('sockstat_')), key=cache_order)
    settled = all(settle.get(t, ('', 'no'))[1] == 'yes'
                  for t in ('control', 'after', 'again'))
    tally = {}
    for n in names:
        c, a, g = (val[t].get(n) for t in ('control', 'after', 'again'))
        r = reading(n, c, a, g, settled, ncpu)
        tally[r] = tally.get(r, []) + [n]
        w('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |' % (
            n, *('-' if val[t].get(n) is None else val[t][n]
                 for t in SAMPLES),
            '-' if None in (a, c) else '%+d' % (a - c),
            '-' if None in (a, g) else '%+d' % (g - a), r))
    w('')
    if same:
        w('Equal in every sample: ' + ', '.join(same) + '.')
        w('')
    w('Readings, against control (what the kernel keeps of any namespace '
      'is not counted): **as control**: nothing left. Sockets, the '
      'namespace, sockstat\'s socket counts and the module\'s references: '
      'more than control at the end (again) is **not freed: a leak**; '
      'more after the first round only is **freed late**. sockstat\'s '
      'mem is counted through per-CPU reserves of up to 256 pages a CPU '
      '(SK_MEMORY_PCPU_RESERVE, include/net/proto_memory.h): a difference '
      'within %d pages (%d CPUs) is **within the per-CPU reserves**. '
      'Other caches: a leak grows with use, so in both rounds: **grew in '
      'both rounds: a leak candidate**; **first round only**: grew in the '
      'first round, not in the second, which takes every path of the '
      'first (with at most 100 connections): not a leak per use of those '
      'paths, memory kept once (caches, tables that keep their size); '
      '**second '
      'round only**: not from the work, which the first round did more '
      'of and left nothing, not a leak; **below control**: fewer than '
      'then.' % (256 * ncpu, ncpu))
    w('')
    for r in sorted(tally):
        w('* %s: %s.' % (r, ', '.join(tally[r])))
    w('')
    left = [n for n in SOCKETS if n in names and
            tally_of(tally, n) not in ('as control',
                                       'within the per-CPU reserves')]
    w('In this run: %s' % (
        'every socket figure, net_namespace and the module\'s reference '
        'count were as control after both teardowns: no socket, namespace '
        'or module reference was left.' if not left else
        'left after the teardowns: %s.' % ', '.join(left)))
    cached = ['%s %d unshrunk, %d shrunk' % (n, val['end-unshrunk'][n],
                                             val['end'][n])
              for n in names if n in val['end'] and
              n in val['end-unshrunk'] and
              val['end-unshrunk'][n] > val['end'][n] and
              n in SOCKETS[:6]]
    if cached:
        w('Before `ip netns del` the socket caches read %s: the difference '
          'is free objects of per-CPU slabs, which the shrink gives back, '
          'not sockets.' % '; '.join(cached))
    w('')
    return out


def tally_of(tally, name):
    return next((r for r, ns in tally.items() if name in ns), None)


def cpus(info):
    """The guest's CPU count from crbench's "info kernel R cpus N" line."""
    for i in info:
        w = i.split()
        if 'cpus' in w[:-1]:
            return int(w[w.index('cpus') + 1])
    return 1


def cache_order(name):
    """kmalloc-8 ... kmalloc-8k, then kmalloc-cg-*, then the rest."""
    size = name.rsplit('-', 1)[-1]
    num = int(size[:-1]) << 10 if size.endswith('k') else (
        int(size) if size.isdigit() else 0)
    return (name.startswith('kmalloc-cg-'), not name.startswith('kmalloc'),
            num, name)


def reading(name, control, after, again, settled, ncpu):
    if None in (control, after, again):
        return 'not sampled'
    if after == control and again == control:
        return 'as control'
    if name == 'sockstat_tcp_mem':
        if max(abs(after - control), abs(again - control)) <= 256 * ncpu:
            return 'within the per-CPU reserves'
        return 'beyond the per-CPU reserves: a leak'
    if name in SOCKETS:
        if again > control:
            return ('not freed: a leak' if settled else
                    'left, teardown not settled')
        if after > control:
            return 'freed late'
        return 'below control'
    if after > control and again > after:
        return 'grew in both rounds: a leak candidate'
    if after > control:
        return 'first round only'
    if again > after:
        return 'second round only'
    return 'below control'


def qname(q):
    if q == 0:
        return 'idle'
    if q >= 1 << 20:
        return '%d MiB' % (q >> 20)
    return '%d KiB' % (q >> 10)


def gnuplot(script):
    subprocess.run(['gnuplot'], input=script.encode(), check=True)


def main():
    raw, outdir, rel, cmd = sys.argv[1:5]
    sraw = sys.argv[5] if len(sys.argv) > 5 else None
    lat, cpu, mem, scale, info, leak = parse(raw)
    qs = sorted({q for (_, q) in lat})
    ns = sorted({n for (_, n) in scale})
    out = []
    w = out.append
    w('# Checkpoint/restore benchmark: tcpkit against userspace TCP_REPAIR')
    w('')
    # when run.sh took the lines from the VM (not when this runs)
    ran = ([i[len('info ran '):] for i in info if i.startswith('info ran ')]
           or [datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M')])[-1]
    info = [i for i in info if not i.startswith('info ran ')]
    w('Written by `%s` on %s UTC, guest kernel %s (QEMU TCG, 2 vCPUs), '
      'from one VM run.' % (cmd, ran, rel))
    w('')
    w('## Method')
    w('')
    w('* **tcpkit**: `tcpkit_checkpoint()` of the server socket by fd, '
      'without STOP, then `tcpkit_restore()` into a fresh socket '
      '(libtcpkit.a, statically linked).')
    w('* **soccr**: `bench/cr/soccr_baseline.c`, the sequence of CRIU\'s '
      'libsoccr: dump = TCP_REPAIR on, TCP_INFO, SIOCOUTQ/SIOCOUTQNSD/'
      'SIOCINQ, TCP_REPAIR_QUEUE + TCP_QUEUE_SEQ for both queues, '
      'TCP_MAXSEG, TCP_TIMESTAMP, TCP_REPAIR_WINDOW, getsockname/'
      'getpeername, MSG_PEEK of both queues; restore = socket, repair on, '
      'SO_SNDBUFFORCE/SO_RCVBUFFORCE, bind, both queue seqs, connect, '
      'TCP_REPAIR_OPTIONS, TCP_TIMESTAMP, receive queue then in-flight send '
      'queue via TCP_REPAIR_QUEUE + send (chunk halved on refusal, as '
      'libsoccr), TCP_REPAIR_WINDOW, repair off, unsent data sent normally.')
    w('* **memcpy**: a copy of the same number of queue bytes between two '
      'pre-faulted buffers (the floor).')
    w('* Connections: loopback in a netns of their own. Every sample is a '
      'fresh connection, its server end A holding QUEUE bytes in its '
      'receive queue (the peer sent them, A did not read). Not timed: '
      'setup, and between checkpoint and restore A is closed in repair mode '
      '(no FIN, no RST; frees the 4-tuple so the restore can bind/connect '
      'it in the same netns), the same for both paths. Timed: the '
      'checkpoint; the restore including socket() and freeing the image. '
      'Samples of both paths alternate.')
    w('* Syscalls: every socket-related libc call (socket, bind, connect, '
      'set/getsockopt, getsockname/peername, send/recv, sendmsg/recvmsg/recvmmsg, '
      'ioctl, close, and libmnl\'s mnl_socket_sendto) is wrapped with '
      '`ld --wrap` in the benchmark binary, libtcpkit.a included, and '
      'counted: exact counts of the calls each path makes.')
    w('* CPU: getrusage user/system time around the timed operations, '
      'per checkpoint+restore.')
    w('* Scale: N connections set up (idle queues), then all N '
      'checkpointed, closed in repair mode, and all N restored; total '
      'times.')
    w('')
    w('## Latency per connection (us)')
    w('')
    w('| queue | path | samples | checkpoint median | checkpoint p99 | '
      'restore median | restore p99 | ck+rs median | syscalls ck | '
      'syscalls rs | CPU user/sys per ck+rs |')
    w('|---|---|---|---|---|---|---|---|---|---|---|')
    for q in qs:
        for p in PATHS:
            r = lat.get((p, q))
            if not r:
                continue
            c = cpu.get((p, q), (0, 0))
            w('| %s | %s | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.1f | '
              '%.1f | %.0f / %.0f |' % (
                  qname(q), p, r['n'], r['ck'], r['ck99'], r['rs'],
                  r['rs99'], r['ck'] + r['rs'], r['sck'], r['srs'],
                  c[0], c[1]))
    w('')
    w(p99_note(sorted({r['n'] for r in lat.values()})))
    w('')
    w('Ratios soccr/tcpkit (above 1: tcpkit is faster / makes fewer '
      'calls):')
    w('')
    w('| queue | time ck+rs (median) | syscalls ck+rs |')
    w('|---|---|---|')
    for q in qs:
        t, s = lat.get(('tcpkit', q)), lat.get(('soccr', q))
        if t and s:
            w('| %s | %.2f | %.2f |' % (
                qname(q), (s['ck'] + s['rs']) / (t['ck'] + t['rs']),
                (s['sck'] + s['srs']) / (t['sck'] + t['srs'])))
    w('')
    out.extend(targets_section(raw, lat, mem, scale, ns, sraw))
    w('## Queue data throughput (MB/s, from the medians)')
    w('')
    w('Bytes of queue moved through checkpoint+restore per second of '
      'ck+rs time, against one memcpy of the same bytes.')
    w('')
    w('| queue | tcpkit | soccr | memcpy | tcpkit/memcpy | soccr/memcpy |')
    w('|---|---|---|---|---|---|')
    for q in qs:
        if q == 0 or q not in mem:
            continue
        t, s = lat[('tcpkit', q)], lat[('soccr', q)]
        mt = q / (t['ck'] + t['rs'])
        ms = q / (s['ck'] + s['rs'])
        mm = q / mem[q]
        w('| %s | %.1f | %.1f | %.1f | %.3f | %.3f |' % (
            qname(q), mt, ms, mm, mt / mm, ms / mm))
    w('')
    w('## Scale: checkpoint+restore of N idle connections')
    w('')
    w('| N | path | checkpoint total (ms) | restore total (ms) | '
      'per connection ck+rs (us) | per-connection vs N=100 |')
    w('|---|---|---|---|---|---|')
    for n in ns:
        for p in PATHS:
            r = scale.get((p, n))
            if not r:
                continue
            per = (r[0] + r[1]) / n
            b = scale.get((p, 100))
            rel100 = '%.2f' % (per / ((b[0] + b[1]) / 100)) if b else '-'
            w('| %d | %s | %.1f | %.1f | %.1f | %s |' % (
                n, p, r[0] / 1000, r[1] / 1000, per, rel100))
    w('')
    if sraw:
        w('Wall clock under TCG moves with the host\'s load (other VMs on '
          'the host slow this one down): the next section counts the same '
          'sequence in guest instructions, and the target row above takes '
          'its ratio.')
        w('')
        out.extend(scale_icount.section(sraw))
    out.extend(scaleset_section(raw, scale, lat))
    out.extend(leak_section(leak, cpus(info)))
    w('Other lines: ' + '; '.join(info))
    w('')
    w('![ck+rs latency vs queue size](cr-latency.png)')
    w('')
    w('![time per connection vs N](cr-scale.png)')
    w('')
    w('## Reproduce')
    w('')
    w('    bench/cr/run.sh            # builds, boots the 6.12 VM once, '
      'writes this file')
    w('    bench/cr/run.sh --quick    # 3 samples, <= 100 connections')
    w('    bench/cr/run.sh --no-blackout --no-resume   # this part only')
    w('    bench/cr/run.sh --scale-icount-only   # the icount scale run '
      'only, into cr-scale-icount.md')
    w('')
    w('Raw lines: cr-raw.txt%s.' % (
        ', cr-scale-icount-raw.txt (icount scale run)' if sraw else ''))
    w('')
    md = os.path.join(outdir, 'cr.md')
    keep = later_sections(md)
    with open(md, 'w') as f:
        f.write('\n'.join(out) + '\n' + keep)

    dat = os.path.join(outdir, 'cr-latency.dat')
    with open(dat, 'w') as f:
        for q in qs:
            if q == 0:
                continue
            t, s = lat[('tcpkit', q)], lat[('soccr', q)]
            f.write('%d %f %f %f\n' % (q, (t['ck'] + t['rs']) / 1000,
                                       (s['ck'] + s['rs']) / 1000,
                                       mem.get(q, 0) / 1000))
    gnuplot('''
set terminal pngcairo size 800,500 font ",10"
set output "%s"
set logscale xy
set xlabel "receive queue (bytes)"
set ylabel "checkpoint+restore median (ms)"
set key top left
plot "%s" u 1:2 w lp t "tcpkit", "" u 1:3 w lp t "soccr (userspace)", \
     "" u 1:4 w lp t "memcpy"
''' % (os.path.join(outdir, 'cr-latency.png'), dat))
    dat2 = os.path.join(outdir, 'cr-scale.dat')
    with open(dat2, 'w') as f:
        for n in ns:
            if ('tcpkit', n) in scale and ('soccr', n) in scale:
                t, s = scale[('tcpkit', n)], scale[('soccr', n)]
                f.write('%d %f %f\n' % (n, (t[0] + t[1]) / n,
                                        (s[0] + s[1]) / n))
    gnuplot('''
set terminal pngcairo size 800,500 font ",10"
set output "%s"
set logscale x
set xlabel "connections"
set ylabel "checkpoint+restore per connection (us)"
set key top left
plot "%s" u 1:2 w lp t "tcpkit", "" u 1:3 w lp t "soccr (userspace)"
''' % (os.path.join(outdir, 'cr-scale.png'), dat2))
    os.unlink(dat)
    os.unlink(dat2)


main()
