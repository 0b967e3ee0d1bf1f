#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn profile-guest.sh's CRP lines into bench/results/cr-profile.md."""
import datetime
import statistics
import sys

CK = ['lookup', 'freeze', 'header', 'copy', 'release', 'msgbuf', 'stream']
RS = ['parse', 'setup', 'connect', 'options', 'rcvq', 'sndq', 'window',
      'live', 'final']
KDESC = {
    'lookup': 'request parsed, socket found by fd (dump start)',
    'freeze': 'stop only: tuple frozen, synchronize_net()',
    'header': 'socket lock taken, state read, receive queue counted',
    'copy': 'snapshot buffer allocated, both queues copied from the skbs',
    'release': 'socket lock released (backlog processed)',
    'msgbuf': 'dump machinery from .start to the first dumpit: mostly '
              'netlink_dump() allocating the first message buffer (sized '
              'by the reader\'s largest receive, at most 32 KiB; '
              'libtcpkit receives a page at a time)',
    'stream': 'header and data chunks put into dump messages (later '
              'message buffers included, time in userspace between calls '
              'not)',
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


def main():
    raw, cmd = sys.argv[1], sys.argv[2]
    rel = '?'
    autoinit = '?'
    user = {}
    mem = {}
    kern = {'checkpoint': {}, 'restore': {}}
    for line in open(raw):
        f = line.split()
        if f[:3] == ['CRP', 'info', 'kernel']:
            rel = f[3]
        elif f[:3] == ['CRP', 'info', 'autoinit']:
            autoinit = ' '.join(f[3:]) or '(not in the boot log)'
        elif f[:2] == ['CRP', 'mem']:
            mem.setdefault(int(f[2]), []).append([int(x) for x in f[3:6]])
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
      'memory, the dump machinery).')
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
        w('| file | encode | %.1f | `tcpkit_image_encode()`, CRC32C included |'
          % med(u[1]))
        w('| file | decode | %.1f | `tcpkit_image_decode()`, CRC32C and '
          'validation |' % med(u[2]))
        w('| restore | socket() | %.1f | |' % med(u[3]))
        w('')
        if q in mem:
            m = list(zip(*mem[q]))
            w('Page faults: checkpoint %d, restore %d (medians).' % (
                statistics.median(m[0]), statistics.median(m[1])))
            if q:
                fr = med(m[2])
                w('Fresh memory of %d KiB: %.1f us. tcpkit allocates four '
                  'buffers of the queue\'s size per checkpoint+restore '
                  'besides the restored socket\'s own skbs: the snapshot '
                  '(kvmalloc), the dump messages, the library\'s image '
                  '(its page faults above) and the restore request '
                  '(netlink_sendmsg); the userspace sequence allocates one, '
                  'its peek buffer. Four buffers of fresh user memory '
                  'at this rate would take %.1f us; the kernel clears its '
                  'own the same way, without the page faults.'
                  % (q // 1024, fr, 4 * fr))
            w('')
    w('## Copies of a queue byte, original socket to restored socket')
    w('')
    w('| # | from | to | where |')
    w('|---|---|---|---|')
    w('| 1 | the original\'s skbs | snapshot buffer | checkpoint, under the '
      'socket lock (`skb_copy_bits`) |')
    w('| 2 | snapshot buffer | dump message skbs | checkpoint dumpit |')
    w('| 3 | dump message skbs | library receive buffer | `recvmmsg()` |')
    w('| 4 | receive buffer | image buffer | `tk_collect_cb()` |')
    w('| 5 | image buffer | restore request skb | `sendmsg()`, the data '
      'taken from the image in place |')
    w('| 6 | request skb | restored socket\'s skbs | restore, '
      '`kernel_sendmsg()`/`tcp_sendmsg_locked()` |')
    w('')
    w('Six copies remain (writing and reading an image file add the file '
      'I/O and one CRC32C pass each way). The userspace TCP_REPAIR sequence '
      'makes two: `recv(MSG_PEEK)` into the caller\'s buffer and `send()` '
      'into the new socket. Copies 1 and 2 could become one by building the '
      'dump messages from the skbs under the lock, 3 and 4 by collecting '
      'the reply in place, at the price of holding the socket lock while '
      'the dump is read.')
    print('\n'.join(out))


main()
