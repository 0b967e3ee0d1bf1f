#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the CRR lines of one bench/cr VM run (resume-guest.sh) into the
"Resume after a freeze" section of bench/results/cr.md (replacing that
section, or appending it) and its gnuplot PNG cr-resume.png.

usage: resume_report.py RAW_LINES RESULTS_DIR KERNEL_RELEASE COMMAND
"""
import datetime
import os
import statistics
import subprocess
import sys

HEADING = '## Resume after a freeze'
MODES = ('carried', 'conservative', 'none', 'carried-drop')
LABEL = {
    'carried': 'carried (RTT estimate, cwnd, ssthresh)',
    'conservative': 'conservative (RTT estimate only)',
    'none': 'none (image without them)',
    'carried-drop': 'carried, the freeze dropping the peer\'s segments',
}


def parse(path):
    trials, info = [], []
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) < 2 or w[0] != 'CRR':
                continue
            if w[1] in ('trial', 'probe', 'loss'):
                # the freeze in seconds (the line has ms)
                d = {'kind': w[1], 'mode': w[2],
                     'freeze': float(w[3]) / 1000}
                for kv in w[4:]:
                    k, v = kv.split('=', 1)
                    try:
                        d[k] = float(v)
                    except ValueError:
                        d[k] = v
                trials.append(d)
            else:
                info.append(' '.join(w[1:]))
    return trials, info


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, prec=0):
    return '-' if x is None else '%.*f' % (prec, x)


def lag(d, k):
    """A lag in ms, or None where it was not seen (-1)."""
    return d[k] if d.get(k, -1) >= 0 else None


def cell(xs, prec=0):
    """median (min-max) of the values seen; how many were not seen."""
    seen = [x for x in xs if x is not None]
    if not seen:
        return 'not seen'
    s = fmt(med(seen), prec)
    if len(seen) > 1:
        s += ' (%s-%s)' % (fmt(min(seen), prec), fmt(max(seen), prec))
    if len(seen) < len(xs):
        s += ', %d not seen' % (len(xs) - len(seen))
    return s


def mark(ok):
    return 'yes' if ok else '**no**'


def section(trials, info, rel, cmd):
    out = []
    w = out.append
    runs = [d for d in trials if d['kind'] == 'trial']
    base = [d for d in runs if d['mode'] == 'base']
    loss = [d for d in trials if d['kind'] == 'loss']
    probes = [d for d in trials if d['kind'] == 'probe']
    freezes = sorted({d['freeze'] for d in runs if d['mode'] != 'base'})
    rate = base[0]['rate'] if base else '?'
    rtt = med([d['ck_min_rtt_us'] / 1000 for d in runs])
    base_x = med([d['xfer_ms'] for d in base])
    base_r = med([d['retrans'] for d in base])
    reps = int(max([d['rep'] for d in runs] + [0]))
    # when run.sh took the lines from the VM (not when this runs)
    ran = ([i[len('info ran '):] for i in info if i.startswith('info ran ')]
           or [datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M')])[-1]

    w(HEADING)
    w('')
    spread = ''
    xs = [d['xfer_ms'] for d in base if d['xfer_ms'] > 0]
    if len(xs) > 1:
        spread = (' The never-migrated 10 MB transfers of this run took '
                  '%.0f-%.0f ms (median %.0f, range %.0f%% of it).' % (
                      min(xs), max(xs), med(xs),
                      100 * (max(xs) - min(xs)) / med(xs)))
    w('Written by `%s` on %s UTC, guest kernel %s (QEMU TCG, 2 vCPUs), '
      'from one VM run: %d repetitions of every case, the cases of one '
      'repetition run in turn (never-migrated first).%s' % (
          cmd, ran, rel, reps, spread))
    w('')
    w('### Method')
    w('')
    w('* Path: scripts/guest/topology.sh\'s hosts; A (the connection '
      'checkpointed and restored, in the same namespace) sends to the peer '
      'P through the router R: a token bucket (tbf) of RATE Mbit/s with a '
      'queue of one bandwidth-delay product on the way to P, netem 20 ms '
      'on the way back (bench/cc\'s path; 20 ms round trip). RATE is '
      'chosen as bench/cc does: the highest of 100, 50, 40, 30, 20, 10 '
      'Mbit/s at or below 1/1.2 of what one unshaped flow carries that a '
      'never-migrated 10 MB transfer fills to 90%% (probes below). '
      'Congestion control: the kernel default (%s); '
      'tcp_no_metrics_save=1.' % ', '.join(
          i.split(' cc ')[1] for i in info if ' cc ' in i))
    w('* One trial = one crresume run (bench/cr/resume.c), a fresh '
      'connection. P reads everything and sends 1000 bytes every 5 ms (so '
      'that the peer has bytes in flight when a freeze begins). A sends in '
      'bulk (64 KiB writes) for 2 s with TCP_NOTSENT_LOWAT 64 KiB (one '
      'window in flight and at most about 128 KiB unsent behind it), then, '
      'without pausing:')
    w('  * **never migrated**: the mark is now; A writes 10 MB more.')
    w('  * **freeze F**: `tcpkit_checkpoint(..., TCPKIT_CHECKPOINT_STOP)`, '
      '`tcpkit_commit()`, F seconds counted from the commit\'s return '
      '(the tuple frozen: the peer\'s segments kept, up to park_kb), then '
      '`tcpkit_restore_flags()` into a fresh socket; the mark is the '
      'moment the restore returned; A writes 10 MB more. Three ways: '
      '**carried**: the image as checkpointed (srtt, rttvar, rto, min RTT, '
      'cwnd, ssthresh restored); **conservative**: the same image with '
      '`TCPKIT_RESTORE_CONSERVATIVE` (the RTT estimate restored, cwnd and '
      'ssthresh not: slow start from the initial window; the flag drops '
      'only those two); **none**: the image with the six attributes '
      'removed before the restore (what an image of a tcpkit before issue '
      '18 restores to: RTO 3 s without a sample, initial window, no '
      'ssthresh), i.e. without carrying the state. And **carried-drop**: '
      'carried with the module parameter park_kb=0, so that the freeze '
      'drops the peer\'s segments instead of keeping them for the '
      'restore (what tcpkit did before it kept them).')
    w('* Measured from the mark, on A\'s socket: TCP_INFO read on every '
      'turn of A\'s write loop (at most 16 KiB written per turn, ppoll() '
      'waits at most 200 us): **lag in** = the first new byte of P in '
      'order in A\'s socket (`tcpi_bytes_received` grows; the restored '
      'receive queue does not count); **lag out** = the first byte of A '
      'acknowledged by P (`tcpi_bytes_acked` grows, i.e. snd_una moves); '
      '**10 MB** = until P has read the last of the 10 MB written after '
      'the mark (the bytes still queued at the mark go first in both '
      'cases); **retrans** = '
      '`tcpi_total_retrans` of A\'s socket over the 10 MB (the restored '
      'socket\'s own); **RST** = OutRsts of A\'s and P\'s namespaces '
      '(/proc/PID/net/snmp) over the trial, and P\'s reads end without '
      'error. RTT below is the median `tcpi_min_rtt` at the checkpoint. '
      'A lag can be shorter than one RTT: the restored socket is live '
      'before the restore call returns (buffers, the reply), and the '
      'segments of P that the freeze kept are received again as it goes '
      'live, on the CPU that receive packet steering picks (A\'s device '
      'steers to one CPU), so some of them reach the socket after the '
      'call returned: P\'s bytes, and its ACKs of whatever of ours '
      'reached P during the freeze.')
    w('* Loss trials (deliverable 4\'s multi-segment loss): a filter at '
      'P\'s ingress drops every segment of A from 50 ms (more than one '
      'RTT, A sending in bulk meanwhile) before the checkpoint until just '
      'before the restore of a 1 s freeze: everything A had in flight at '
      'the checkpoint is lost. **repaired** = all bytes in flight at the '
      'checkpoint acknowledged (`tcpi_bytes_acked` grew by that much).')
    w('')
    w('Path: %s Mbit/s. Probes (never-migrated 10 MB, Mbit/s of the bytes '
      'moved after the mark): %s. RTT (median min RTT at the checkpoint): '
      '%s ms.' % (
          fmt(rate) if isinstance(rate, float) else rate,
          ', '.join('%s: %.1f' % (
              'unshaped' if p['rate'] == 'unshaped' else '%d' % p['rate'],
              p['moved'] * 8 / p['xfer_ms'] / 1000) for p in probes
              if p.get('xfer_ms', -1) > 0) or 'none (rate asked)',
          fmt(rtt, 1)))
    w('')
    w('### Resume lag and 10 MB after the restore')
    w('')
    w('Median (min-max) over the repetitions; ms. 10 MB ratio: the '
      'median against the never-migrated median. Retrans: median; extra '
      '= median minus the never-migrated median, against one window (the '
      'median cwnd at the checkpoint).')
    w('')
    w('| freeze | state | lag in | lag out | 10 MB | ratio | retrans '
      '(extra / window) | RSTs |')
    w('|---|---|---|---|---|---|---|---|')
    w('| never migrated | - | %s | %s | %s | 1.00 | %s | %d |' % (
        cell([lag(d, 'lag_in_ms') for d in base], 1),
        cell([lag(d, 'lag_out_ms') for d in base], 1),
        cell([d['xfer_ms'] if d['xfer_ms'] > 0 else None for d in base]),
        fmt(base_r), sum(d['rst_a'] + d['rst_p'] for d in base)))
    rows = {}
    for f in freezes:
        for m in MODES:
            ds = [d for d in runs if d['mode'] == m and d['freeze'] == f]
            if not ds:
                continue
            x = med([d['xfer_ms'] if d['xfer_ms'] > 0 else None for d in ds])
            r = med([d['retrans'] for d in ds])
            win = med([d['ck_cwnd'] for d in ds])
            rows[(f, m)] = dict(
                lin=[lag(d, 'lag_in_ms') for d in ds],
                lout=[lag(d, 'lag_out_ms') for d in ds],
                ratio=x / base_x if x and base_x else None,
                extra=r - base_r if r is not None and base_r is not None
                else None, win=win,
                rst=sum(d['rst_a'] + d['rst_p'] + (d['peer_err'] != 0)
                        for d in ds))
            w('| %g s | %s | %s | %s | %s | %s | %s (%s / %s) | %d |' % (
                f, m, cell(rows[(f, m)]['lin'], 1),
                cell(rows[(f, m)]['lout'], 1),
                cell([d['xfer_ms'] if d['xfer_ms'] > 0 else None
                      for d in ds]),
                fmt(rows[(f, m)]['ratio'], 2), fmt(r),
                fmt(rows[(f, m)]['extra']), fmt(win), rows[(f, m)]['rst']))
    w('')
    w('State right after the restore (median): cwnd / ssthresh / srtt ms / '
      'RTO ms, against the original at the checkpoint; bytes in flight and '
      'unsent in the image.')
    w('')
    w('| freeze | state | at checkpoint | after restore | in flight / unsent '
      '(bytes) | checkpoint / restore call (ms) |')
    w('|---|---|---|---|---|---|')

    def st(ds, p):
        ss = med([d[p + '_ssthresh'] for d in ds])
        return '%s / %s / %s / %s' % (
            fmt(med([d[p + '_cwnd'] for d in ds])),
            'inf' if ss and ss >= 2**31 - 1 else fmt(ss),
            fmt(med([d[p + '_srtt_us'] / 1000 for d in ds]), 1),
            fmt(med([d[p + '_rto_us'] / 1000 for d in ds])))
    for f in freezes:
        for m in MODES:
            ds = [d for d in runs if d['mode'] == m and d['freeze'] == f]
            if ds:
                w('| %g s | %s | %s | %s | %s / %s | %s / %s |' % (
                    f, m, st(ds, 'ck'), st(ds, 'rs'),
                    fmt(med([d['ck_inflight'] for d in ds])),
                    fmt(med([d['ck_unsent'] for d in ds])),
                    fmt(med([d['ck_ms'] for d in ds]), 1),
                    fmt(med([d['rs_ms'] for d in ds]), 1)))
    w('')
    if loss:
        w('### Loss of the window in flight during a 1 s freeze')
        w('')
        w('| state | lost in flight (bytes) | segments dropped at P | cwnd '
          'before the drop / after restore | unsent (bytes) | lag out '
          '| repaired | 10 MB ratio | retrans | RSTs |')
        w('|---|---|---|---|---|---|---|---|---|---|')
        for m in MODES:
            ds = [d for d in loss if d['mode'] == m]
            if not ds:
                continue
            x = med([d['xfer_ms'] if d['xfer_ms'] > 0 else None for d in ds])
            w('| %s | %s | %s | %s / %s | %s | %s | %s | %s | %s | %d |' % (
                m, cell([d['ck_inflight'] for d in ds]),
                cell([d['lost'] if isinstance(d.get('lost'), float)
                      else None for d in ds]),
                cell([d['ck_cwnd'] for d in ds]),
                cell([d['rs_cwnd'] for d in ds]),
                cell([d['ck_unsent'] for d in ds]),
                cell([lag(d, 'lag_out_ms') for d in ds], 1),
                cell([lag(d, 'inflight_ms') if d['ck_inflight'] else None
                      for d in ds], 1),
                fmt(x / base_x if x and base_x else None, 2),
                fmt(med([d['retrans'] for d in ds])),
                sum(d['rst_a'] + d['rst_p'] + (d['peer_err'] != 0)
                    for d in ds)))
        w('')
        w('Segments dropped at P count every segment of A the filter '
          'dropped, its pure ACKs of P\'s bytes included. The cwnd after '
          'the restore is the carried one clamped to the peer\'s window '
          '(or the initial 10): where it is no more than the segments in '
          'flight, the unsent bytes cannot go out.')
        w('')
    w('### Issue 18 targets against this run (4 s freeze)')
    w('')
    f = max(freezes) if freezes else None
    lim = rtt + 5 if rtt else None
    w('Resume lag target: 1 RTT + 5 ms = %s ms. "Met" reads the median; '
      'the worst repetition is given too.' % fmt(lim, 1))
    w('')
    w('| target | state | measured | met |')
    w('|---|---|---|---|')
    for m in MODES:
        r = rows.get((f, m))
        if not r or lim is None:
            continue
        for k, name in (('lin', 'lag in'), ('lout', 'lag out')):
            seen = [x for x in r[k] if x is not None]
            mm = med(seen)
            worst = max(seen) if len(seen) == len(r[k]) else None
            w('| %s <= %s ms | %s | median %s, worst %s | %s |' % (
                name, fmt(lim, 1), m, fmt(mm, 1),
                fmt(worst, 1) if worst is not None else 'not seen',
                mark(mm is not None and mm <= lim)))
        w('| 10 MB within 1.1x never migrated | %s | %s | %s |' % (
            m, fmt(r['ratio'], 2),
            mark(r['ratio'] is not None and r['ratio'] <= 1.1)))
        w('| no RST | %s | %d | %s |' % (m, r['rst'], mark(r['rst'] == 0)))
        w('| extra retransmissions <= one window | %s | %s vs %s | %s |' % (
            m, fmt(r['extra']), fmt(r['win']),
            mark(r['extra'] is not None and r['extra'] <= r['win'])))
    w('')
    w('![resume lag and 10 MB time against the freeze](cr-resume.png)')
    w('')
    w('Reproduce: `bench/cr/run.sh --resume-only` (this section only, '
      '5 minutes under TCG at 40 Mbit/s, 12 at 10; `--rate MBIT` skips the '
      'probes; '
      '`bench/cr/run.sh` runs it after the rest). Raw lines: '
      'cr-resume-raw.txt.')
    return out, rows, freezes, lim


def plot(outdir, rows, freezes, lim):
    dat = os.path.join(outdir, 'cr-resume.dat')
    with open(dat, 'w') as fh:
        for i, m in enumerate(MODES):
            for f in freezes:
                r = rows.get((f, m))
                if not r:
                    continue
                fh.write('%g %s %s %s\n' % (
                    f, fmt(med(r['lin']), 2).replace('-', 'NaN'),
                    fmt(med(r['lout']), 2).replace('-', 'NaN'),
                    fmt(r['ratio'], 3).replace('-', 'NaN')))
            fh.write('\n\n')
    plots_lag, plots_x = [], []
    for i, m in enumerate(MODES):
        plots_lag.append('"%s" index %d u 1:2 w lp lc %d pt 7 t "%s, in"'
                         % (dat, i, i + 1, m))
        plots_lag.append('"%s" index %d u 1:3 w lp lc %d dt 2 pt 5 '
                         't "%s, out"' % (dat, i, i + 1, m))
        plots_x.append('"%s" index %d u 1:4 w lp lc %d pt 7 t "%s"'
                       % (dat, i, i + 1, m))
    script = '''
set terminal pngcairo size 1000,450 font ",10"
set output "%s"
set multiplot layout 1,2
set logscale x
set xtics (0.1, 1, 4)
set xrange [0.07:6]
set xlabel "freeze (s)"
set ylabel "resume lag, median (ms)"
set logscale y
set key top left
set title "first byte after the restore: in = from the peer, out = ours acked"
plot %s, %s w l lc rgb "gray" dt 3 t "target 1 RTT + 5 ms"
unset logscale y
set ylabel "10 MB after the restore / never migrated (median)"
set title "10 MB transfer time, ratio to a never-migrated connection"
plot %s, 1.1 w l lc rgb "gray" dt 3 t "target 1.1"
unset multiplot
''' % (os.path.join(outdir, 'cr-resume.png'), ', '.join(plots_lag),
       fmt(lim, 1) if lim else 'NaN', ', '.join(plots_x))
    subprocess.run(['gnuplot'], input=script.encode(), check=True)
    os.unlink(dat)


def main():
    raw, outdir, rel, cmd = sys.argv[1:5]
    trials, info = parse(raw)
    errs = [i for i in info if i.startswith('error')]
    if errs:
        sys.exit('resume_report: the guest reported: ' + '; '.join(errs))
    lines, rows, freezes, lim = section(trials, info, rel, cmd)
    md = os.path.join(outdir, 'cr.md')
    text = open(md).read() if os.path.exists(md) else ''
    i = text.find('\n' + HEADING)
    if i >= 0:
        text = text[:i + 1]
    if text and not text.endswith('\n\n'):
        text += '\n'
    with open(md, 'w') as fh:
        fh.write(text + '\n'.join(lines) + '\n')
    plot(outdir, rows, freezes, lim)


main()
