#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the CRX lines of one bench/cr VM run (blackout-guest.sh) into the
"Migration blackout seen by the peer" section of bench/results/cr.md
(replacing that section, or inserting it before the resume section, or
appending it) and its gnuplot PNG cr-blackout.png.

usage: blackout_report.py RAW_LINES RESULTS_DIR KERNEL_RELEASE COMMAND
"""
import datetime
import os
import statistics
import subprocess
import sys

HEADING = '## Migration blackout seen by the peer'
NEXT = '## Resume after a freeze'
MODES = ('same', 'netns')
LABEL = {'same': 'same netns', 'netns': 'another netns'}
CHECKS = ('queue_ok', 'before_ok', 'stream_ok', 'rcv_ok')
# blackout = ck + write + commit + read + restore + first - last
TERMS = (('ck_ms', 'checkpoint call (with stop)'),
         ('write_ms', 'image file write'),
         ('commit_ms', 'commit'),
         ('read_ms', 'setns, image file read, socket()'),
         ('restore_ms', 'restore call'),
         ('first_ms', 'restore\'s return to P\'s first read after it'),
         ('last_ms', 'checkpoint\'s start to P\'s last read before it '
          '(subtracted)'))


def parse(path):
    trials, info, errors = [], [], []
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) < 3 or w[0] != 'CRX':
                continue
            if w[1] == 'trial':
                d = {'mode': w[2], 'queue': int(w[3])}
                for kv in w[4:]:
                    k, _, v = kv.partition('=')
                    d[k] = float(v)
                trials.append(d)
            elif w[1] == 'error':
                errors.append(' '.join(w[2:]))
            elif w[1] == 'info':
                info.append(' '.join(w[2:]))
    return trials, info, errors


def quantile(v, q):
    """Linear interpolation between the closest ranks."""
    v = sorted(v)
    x = q * (len(v) - 1)
    i = int(x)
    return v[i] if i + 1 >= len(v) else v[i] + (v[i + 1] - v[i]) * (x - i)


def info_value(info, key):
    for i in info:
        w = i.split()
        if key in w and w.index(key) + 1 < len(w):
            return w[w.index(key) + 1]
    return None


def section(trials, info, errors, rel, cmd):
    ran = ([i[len('ran '):] for i in info if i.startswith('ran ')]
           or [datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M')])[-1]
    fs = ([i[len('image file system '):] for i in info
           if i.startswith('image file system ')] or ['?'])[0]
    rate = info_value(info, 'rate') or '?'
    by = {m: [t for t in trials if t['mode'] == m] for m in MODES}
    queue = trials[0]['queue'] if trials else 0
    out = [HEADING, '']
    w = out.append
    w('Written by `%s` on %s UTC, guest kernel %s (QEMU TCG, 2 vCPUs), '
      'from one VM run: %s trials, the two cases alternating.' % (
          cmd, ran, rel, ' and '.join('%d %s' % (len(by[m]), LABEL[m])
                                      for m in MODES)))
    w('')
    w('### Method')
    w('')
    w('* Hosts: scripts/guest/topology.sh\'s namespaces. The peer P '
      'connects through the router R to the service address %s, on host '
      'A\'s loopback; R\'s link to P is a token bucket (tbf) of %s Mbit/s '
      'with 20 ms of queue, P\'s way back is not shaped. '
      '`bench/cr/blackout.c` (crblackout), one connection per trial.'
      % ('10.20.9.1', rate))
    w('* Queues: P sends %d bytes that A never reads (A\'s receive queue). '
      'Then A sends in bulk for 500 ms, topping its send queue (SIOCOUTQ) '
      'up to %d bytes and no further, and as soon as it holds that much '
      'the migration starts. P reads as fast as it can (blocking 64 KiB '
      'recv()) and notes when each read returns (CLOCK_MONOTONIC, '
      'common to the namespaces).' % (queue, queue + (128 << 10)))
    w('* Migration, as a libtcpkit user does it: `tcpkit_checkpoint(..., '
      'TCPKIT_CHECKPOINT_STOP)`, `tcpkit_image_write_file()` (temporary '
      'file, fsync, rename, directory fsync; /tmp is %s in the VM), '
      '`tcpkit_commit()`, close of the original; then, in the restoring '
      'netns, `tcpkit_image_read_file()`, `tcpkit_image_socket()`, '
      '`tcpkit_restore()`. The handles of both namespaces are opened '
      'before the trial.' % fs)
    w('* **same netns**: the restore is in A. **another netns**: the '
      'restore is in host B, which got the service address on its '
      'loopback before the trial; right after the restore the router\'s '
      'route to the service address moves to B (one RTM_NEWROUTE replace '
      'from an rtnetlink socket opened in R beforehand), and once the '
      'trial is measured A\'s freeze is lifted (`tcpkit_thaw()`): '
      'scripts/guest/migrate.sh\'s order.')
    w('* Blackout: the time of P\'s first read that returned after the '
      'restore call began, minus the time of the read before it (nothing '
      'is sent between the checkpoint and the restore, so that read '
      'returned the original\'s last bytes). Per trial it is exactly '
      'checkpoint + file write + commit + file read + restore + (restore\'s '
      'return to P\'s first read) - (checkpoint\'s start to P\'s last '
      'read): the terms below.')
    w('* Checked in every trial: **queues**: the image holds at least %d '
      'bytes in the send queue and exactly %d in the receive queue; '
      '**before**: P had read every byte the original sent (all written '
      'but the image\'s unsent bytes) before the restore began; '
      '**stream**: P read every byte written, each the stream\'s own, in '
      'order; **receive queue**: the restored socket\'s receive queue is '
      'P\'s %d bytes, byte-exact.' % (queue, queue, queue))
    w('')
    if errors:
        w('Trials that failed (not counted below): %d: %s.' % (
            len(errors), '; '.join(sorted(set(errors)))))
        w('')
    w('### Blackout (ms)')
    w('')
    w('Median, quartiles (p25-p75) and range over the trials.')
    w('')
    w('| restore in | trials | median | p25-p75 | min-max | send queue in '
      'the image, median (min-max) bytes | checks passed (queues / before '
      '/ stream / receive queue) |')
    w('|---|---|---|---|---|---|---|')
    med = {}
    for m in MODES:
        v = [t['blackout_ms'] for t in by[m]]
        if not v:
            continue
        med[m] = statistics.median(v)
        q = [t['snd_qlen'] for t in by[m]]
        w('| %s | %d | %.1f | %.1f-%.1f | %.1f-%.1f | %d (%d-%d) | %s |' % (
            LABEL[m], len(v), med[m], quantile(v, .25), quantile(v, .75),
            min(v), max(v), statistics.median(q), min(q), max(q),
            ' / '.join('%d' % sum(int(t[c]) for t in by[m])
                       for c in CHECKS)))
    w('')
    w('### Where the time goes (median of each term, ms)')
    w('')
    w('| term | %s |' % ' | '.join(LABEL[m] for m in MODES if by[m]))
    w('|---|%s' % ''.join('---|' for m in MODES if by[m]))
    for k, name in TERMS:
        w('| %s | %s |' % (name, ' | '.join(
            '%.1f' % statistics.median(t[k] for t in by[m])
            for m in MODES if by[m])))
    w('| route moved to B (begins at the restore\'s return: within the '
      'time to P\'s first read, not a term of its own) | %s |' % ' | '.join(
          '%.1f' % statistics.median(t['route_ms'] for t in by[m])
          if m == 'netns' else '-' for m in MODES if by[m]))
    w('')
    if len(med) == 2:
        tm = {m: {k: statistics.median(t[k] for t in by[m])
                  for k, _ in TERMS} for m in MODES}
        big = {m: max(TERMS[:5], key=lambda kn: tm[m][kn[0]])
               for m in MODES}
        pair = {}
        for t in trials:
            pair.setdefault(t['rep'], {})[t['mode']] = t['blackout_ms']
        d = [p['netns'] - p['same'] for p in pair.values() if len(p) == 2]
        w('In this run the median blackout across namespaces was %.1f ms '
          'against %.1f ms in the same namespace; paired by repetition '
          '(the two trials of a repetition run back to back) the median '
          'difference, another netns minus same netns, was %+.1f ms, the '
          'netns trial the shorter in %d of %d repetitions.' % (
              med['netns'], med['same'], statistics.median(d),
              sum(x < 0 for x in d), len(d)))
        w('The largest term: %s.' % '; '.join(
            '%s "%s" (median %.1f ms)' % (LABEL[m], big[m][1],
                                         tm[m][big[m][0]])
            for m in MODES))
        w('')
    w('![blackout per trial](cr-blackout.png)')
    w('')
    w('Reproduce: `bench/cr/run.sh --blackout-only` (this section only; '
      '`--blackout-reps N` trials of each case, default 21). Raw lines: '
      'cr-blackout-raw.txt.')
    w('')
    return out


def plot(outdir, trials):
    dat = os.path.join(outdir, 'cr-blackout.dat')
    with open(dat, 'w') as f:
        for m in MODES:
            for t in trials:
                if t['mode'] == m:
                    f.write('%d %f\n' % (t['rep'], t['blackout_ms']))
            f.write('\n\n')
    script = '''
set terminal pngcairo size 800,450 font ",10"
set output "%s"
set xlabel "trial"
set ylabel "blackout seen by the peer (ms)"
set yrange [0:*]
set key bottom right
plot "%s" index 0 u 1:2 w lp pt 7 t "restore in the same netns", \\
     "" index 1 u 1:2 w lp pt 5 t "restore in another netns"
''' % (os.path.join(outdir, 'cr-blackout.png'), dat)
    subprocess.run(['gnuplot'], input=script.encode(), check=True)
    os.unlink(dat)


def main():
    raw, outdir, rel, cmd = sys.argv[1:5]
    trials, info, errors = parse(raw)
    if not trials:
        sys.exit('blackout_report: no trial in ' + raw)
    lines = section(trials, info, errors, rel, cmd)
    md = os.path.join(outdir, 'cr.md')
    text = open(md).read() if os.path.exists(md) else ''
    i = text.find('\n' + HEADING + '\n')
    if i >= 0:
        j = text.find('\n## ', i + 1)
        head, tail = text[:i + 1], (text[j + 1:] if j >= 0 else '')
    else:
        j = text.find('\n' + NEXT + '\n')
        head, tail = (text[:j + 1], text[j + 1:]) if j >= 0 else (text, '')
    if head and not head.endswith('\n\n'):
        head += '\n'
    with open(md, 'w') as fh:
        fh.write(head + '\n'.join(lines) + '\n' + tail)
    plot(outdir, trials)


main()
