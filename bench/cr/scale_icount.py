#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The scale of checkpoint+restore in guest instructions: the CRS lines of
run.sh's icount VM run (scale-icount-guest.sh, crbench scale) as the
markdown of cr-scale-icount.md on stdout; report.py takes section() and
target_row() from here for cr.md.

usage: scale_icount.py RAW_LINES KERNEL_RELEASE COMMAND
"""
import datetime
import statistics
import sys

PATHS = ('tcpkit', 'soccr')
BASE = 100
TARGET = 1.2
SETS = 'tcpkit-set'
SET_N, SET_TARGET = 1000, 3.0


def parse(path):
    """{(path, N): [(ck_us, rs_us) per repetition]}, {(path, N, op):
    [[(i, us, cpu_us, minflt) per tenth] per repetition]}, [info]."""
    scale, split, info = {}, {}, []
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) < 2 or w[0] != 'CRS':
                continue
            if w[1] == 'scale' and len(w) >= 6:
                scale.setdefault((w[2], int(w[3])), []).append(
                    (float(w[4]), float(w[5])))
            elif w[1] == 'scaleset' and len(w) >= 6:
                scale.setdefault((w[2], int(w[3])), []).append(
                    (float(w[4]), float(w[5])))
            elif w[1] == 'scalesplit' and len(w) >= 9:
                reps = split.setdefault((w[2], int(w[3]), w[4]), [])
                i = int(w[5])
                if i == int(w[3]) // 10:
                    reps.append([])
                reps[-1].append((i, float(w[6]), float(w[7]), int(w[8])))
            elif w[1] == 'info':
                info.append(' '.join(w[2:]))
    return scale, split, info


def info_value(info, key):
    for i in info:
        if i.startswith(key + ' '):
            return i[len(key) + 1:]
    return None


def per_conn(scale, path, n):
    """Median over the repetitions of (ck, rs, ck+rs) per connection, in
    guest instructions (1 guest ns = 1 instruction), and their ranges."""
    reps = scale.get((path, n))
    if not reps:
        return None
    cols = ([r[0] * 1000 / n for r in reps], [r[1] * 1000 / n for r in reps],
            [(r[0] + r[1]) * 1000 / n for r in reps])
    return [(statistics.median(c), min(c), max(c)) for c in cols]


def ratio(scale, path, big):
    a, b = per_conn(scale, path, big), per_conn(scale, path, BASE)
    if not a or not b:
        return None
    return [x[0] / y[0] for x, y in zip(a, b)]


def largest(scale):
    ns = sorted({n for (_, n) in scale})
    return ns[-1] if ns and ns[-1] > BASE else None


def kinstr(v):
    return '%.1f' % (v / 1000)


def cell(m):
    """median (min-max), thousands of instructions."""
    if m[1] == m[2]:
        return kinstr(m[0])
    return '%s (%s-%s)' % (kinstr(m[0]), kinstr(m[1]), kinstr(m[2]))


def tenths(reps, n):
    """Per tenth of the loop, medians over the repetitions: instructions
    per connection by the guest clock, the same in the process's CPU time,
    and minor faults per connection. The first tenth's CPU time and
    faults are not known (the loop's start is not sampled): None."""
    k = n // 10
    rows = []
    for t in range(10):
        wall, cpu, flt = [], [], []
        for r in reps:
            if len(r) != 10:
                continue
            wall.append((r[t][1] - (r[t - 1][1] if t else 0)) * 1000 / k)
            if t:
                cpu.append((r[t][2] - r[t - 1][2]) * 1000 / k)
                flt.append((r[t][3] - r[t - 1][3]) / k)
        if not wall:
            return []
        rows.append((statistics.median(wall),
                     statistics.median(cpu) if cpu else None,
                     statistics.median(flt) if flt else None))
    return rows


def section(raw, title='##'):
    scale, split, info = parse(raw)
    ns = sorted({n for (_, n) in scale})
    if not ns:
        return []
    reps = max(len(v) for v in scale.values())
    big = largest(scale)
    out = ['%s Scale in guest instructions' % title, '']
    w = out.append
    load = info_value(info, 'hostload')
    w('The scale sequence of the wall-clock table (N idle connections set '
      'up, all N checkpointed one by one, closed in repair mode, all N '
      'restored one by one; tcpkit, then soccr) in a VM of its own under '
      'QEMU icount (`TCPKIT_ACCEL=icount`: `-icount shift=0,sleep=on`, one '
      'vCPU): the guest\'s clock advances one nanosecond per guest '
      'instruction executed, so crbench\'s times are instruction counts, '
      'which the host\'s load does not move%s. `crbench scale` runs the '
      'list N = %s %d time(s) over in one process (scale-icount-guest.sh), '
      'and sleeps 1 s before each timed loop, so that work the untimed '
      'steps before it (setting up, closing in repair mode) leave to other '
      'contexts is not counted in the loop. Thousands of guest instructions '
      'per connection, all contexts (the guest clock); median of the '
      'repetitions, their range in brackets.' % (
          ' (host load average before / after the run: %s)' % load
          if load else '', ', '.join(map(str, ns)), reps))
    w('')
    w('| N | path | checkpoint per connection | restore per connection | '
      'ck+rs per connection | ck+rs vs N=%d |' % BASE)
    w('|---|---|---|---|---|---|')
    for n in ns:
        for p in PATHS:
            m = per_conn(scale, p, n)
            if not m:
                continue
            b = per_conn(scale, p, BASE)
            w('| %d | %s | %s | %s | %s | %s |' % (
                n, p, cell(m[0]), cell(m[1]), cell(m[2]),
                '%.2f' % (m[2][0] / b[2][0]) if b else '-'))
    w('')
    if big:
        for p in PATHS:
            r = ratio(scale, p, big)
            if r:
                w('* %s, per connection at N=%d / at N=%d: checkpoint '
                  '%.2f, restore %.2f, ck+rs **%.2f**.' % (
                      p, big, BASE, r[0], r[1], r[2]))
        r = ratio(scale, 'tcpkit', big)
        if r:
            w('* Target (issue 17: tcpkit ck+rs per connection at %d within '
              '%.1fx of that at %d): %.2fx, %s.' % (
                  big, TARGET, BASE, r[2],
                  'met' if r[2] <= TARGET else 'not met'))
        w('')
    out += sets_section(scale, ns)
    out += growth(split, ns)
    return out


def set_ratio(scale, n):
    """soccr one by one / tcpkit as sets, ck+rs per connection, at @n."""
    st, so = per_conn(scale, SETS, n), per_conn(scale, 'soccr', n)
    return so[2][0] / st[2][0] if st and so else None


def sets_section(scale, ns):
    """The same N as sets, against soccr one by one."""
    sets = [n for n in ns if per_conn(scale, SETS, n)]
    if not sets:
        return []
    out = []
    w = out.append
    w('The same N idle connections as sets, in the same process after the '
      'one-by-one loops: checkpointed as one set (`tcpkit_checkpoint_set()`'
      ', one dump per 1024) and restored as one (`tcpkit_restore_set()`, '
      'socket() of each included), against soccr one by one from the '
      'table above. Thousands of guest instructions per connection.')
    w('')
    w('| N | set checkpoint per connection | set restore per connection | '
      'set ck+rs per connection | soccr ck+rs per connection | soccr / '
      'set |')
    w('|---|---|---|---|---|---|')
    for n in sets:
        m, so = per_conn(scale, SETS, n), per_conn(scale, 'soccr', n)
        w('| %d | %s | %s | %s | %s | %s |' % (
            n, cell(m[0]), cell(m[1]), cell(m[2]),
            cell(so[2]) if so else '-',
            '%.2f' % set_ratio(scale, n) if so else '-'))
    w('')
    r = set_ratio(scale, SET_N)
    if r:
        w('* Target (issue 17: %d idle connections as sets, per connection '
          'at least %.0fx faster than soccr\'s): %.2fx, %s.' % (
              SET_N, SET_TARGET, r,
              'met' if r >= SET_TARGET else 'not met'))
        w('')
    return out


def growth(split, ns):
    """Each loop by tenths: does a call cost more once more connections
    (or images) exist?"""
    rows = []
    for n in ns:
        for p in PATHS:
            for op in ('ck', 'rs'):
                t = tenths(split.get((p, n, op), []), n)
                if t:
                    rows.append((n, p, op, t))
    if not rows:
        return []
    out = ['### What grows with N', '']
    w = out.append
    w('Each timed loop in tenths (crbench\'s "scalesplit" lines, sampled '
      'in the loop, printed after it; medians of the repetitions): thousands of guest instructions per connection by '
      'the guest clock; in the process\'s own CPU time '
      '(CLOCK_PROCESS_CPUTIME_ID, which leaves out other tasks and, with '
      'IRQ time accounting, interrupts and softirqs); and the process\'s '
      'minor page faults per connection (getrusage()). The first tenth\'s '
      'CPU time and faults are not sampled (the loop\'s start is not).')
    w('')
    w('| N | path | op | 1st tenth | 2nd-9th tenth (min-max) | 10th tenth '
      '| process CPU, 2nd-9th (min-max) | minor faults per connection, '
      '2nd-9th (min-max) / 10th |')
    w('|---|---|---|---|---|---|---|---|')
    for n, p, op, t in rows:
        mid = [x[0] for x in t[1:9]]
        cpu = [x[1] for x in t[1:9]]
        flt = [x[2] for x in t[1:9]]
        w('| %d | %s | %s | %s | %s-%s | %s | %s-%s | %.2f-%.2f / %.2f |' % (
            n, p, op, kinstr(t[0][0]), kinstr(min(mid)), kinstr(max(mid)),
            kinstr(t[9][0]), kinstr(min(cpu)), kinstr(max(cpu)),
            min(flt), max(flt), t[9][2]))
    w('')
    w('Read from the table:')
    w('')
    tab = {(n, p, op): t for n, p, op, t in rows}
    big = ns[-1]
    for p in PATHS:
        for op, name in (('ck', 'checkpoint'), ('rs', 'restore')):
            a, b = tab.get((BASE, p, op)), tab.get((big, p, op))
            if not a or not b or big == BASE:
                continue
            mid = lambda t, k: statistics.median(x[k] for x in t[1:9])
            d = mid(b, 0) - mid(a, 0)
            df = mid(b, 2) - mid(a, 2)
            w('* %s %s, 2nd-9th tenths, N=%d against N=%d: %+.1f thousand '
              'instructions per connection (%+.0f%%), %+.2f minor faults '
              'per connection%s.' % (
                  p, name, big, BASE, d / 1000, 100 * d / mid(a, 0), df,
                  '; %.1f thousand instructions per extra fault' % (
                      d / df / 1000) if df > 0.1 else ''))
    for n, p, op, t in rows:
        if n < 1000:
            continue
        extra = (t[9][0] - statistics.median(x[0] for x in t[1:9])) * n / 10
        if extra > 0.05 * t[9][0] * n / 10:
            w('* %s %s at N=%d: the last tenth costs %.1f million '
              'instructions more than a middle one (median of the 2nd-9th); '
              'spread over the N connections, %.2f thousand per '
              'connection.' % (
                  p, 'checkpoint' if op == 'ck' else 'restore', n,
                  extra / 1e6, extra / n / 1000))
    a, b = tab.get((BASE, 'tcpkit', 'ck')), tab.get((big, 'tcpkit', 'ck'))
    if a and b and big > BASE and \
            statistics.median(x[2] for x in b[1:9]) >= 0.5 > \
            statistics.median(x[2] for x in a[1:9]):
        w('')
        w('tcpkit\'s checkpoints fault at N=%d (%.2f minor faults per '
          'connection) and not at N=%d (%.2f). libtcpkit keeps each image in '
          'the buffer the reply was collected in, which starts at 4096 '
          'bytes and is not shrunk (lib/conn.c: tk_buf_reserve(), '
          'tk_conn_new_image()), so every image held takes a page or more '
          'of the caller\'s memory.' % (
              big, statistics.median(x[2] for x in b[1:9]), BASE,
              statistics.median(x[2] for x in a[1:9])))
    w('')
    return out


def target_row(raw, wall=None):
    """cr.md's issue-17 row for scaling, from the icount run; @wall the
    wall-clock ratio of the main run, shown beside it."""
    scale, _, _ = parse(raw)
    big = largest(scale)
    r = ratio(scale, 'tcpkit', big) if big else None
    if not r:
        return None
    return ('| per connection at %d within %.1fx of %d | %.2fx in guest '
            'instructions (icount run, section "Scale in guest '
            'instructions"; the wall clock of this run: %s) | %s |' % (
                big, TARGET, BASE, r[2],
                '%.2fx' % wall if wall else '-',
                'yes' if r[2] <= TARGET else 'no'))


def sets_row(raw, wall=None):
    """cr.md's issue-17 row for sets, from the icount run; @wall the
    wall-clock ratio of the main run, shown beside it."""
    scale, _, _ = parse(raw)
    r = set_ratio(scale, SET_N)
    if not r:
        return None
    return ('| %d idle, batched: per connection at least %.0fx faster than '
            'soccr\'s | soccr/tcpkit = %.2f in guest instructions (icount '
            'run, section "Scale in guest instructions"; the wall clock of '
            'this run: %s) | %s |' % (
                SET_N, SET_TARGET, r, '%.2f' % wall if wall else '-',
                'yes' if r >= SET_TARGET else 'no'))


def main():
    raw, rel, cmd = sys.argv[1:4]
    _, _, info = parse(raw)
    ran = info_value(info, 'ran') or \
        datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M')
    out = ['# Checkpoint/restore scale in guest instructions', '',
           'Written by `%s` on %s UTC, guest kernel %s (QEMU TCG with '
           'icount, 1 vCPU), from one VM run. The wall-clock figures are in '
           'cr.md (bench/cr/run.sh without --scale-icount-only, which also '
           'puts this section there).' % (cmd, ran, rel), '']
    out += section(raw)
    out += ['Raw lines: cr-scale-icount-raw.txt.', '']
    sys.stdout.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
