#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that uapi/linux/tcpkit.h says what the YNL spec says.

The spec is validated against the kernel's genetlink-legacy schema (from
linux-source-6.12), then every constant, enum entry, attribute and command
it defines becomes a _Static_assert compiled against the header, and every
TCPKIT_A_* / TCPKIT_CMD_* name in the header must come from the spec.
Prints one "ok"/"not ok" line per check; exit 1 on any failure.
"""
import os
import re
import subprocess
import sys
import tempfile

import jsonschema
import yaml

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
cache = os.environ.get('TCPKIT_CACHE', '/var/cache/tcpkit')
spec_path = os.path.join(top, 'Documentation/netlink/specs/tcpkit.yaml')
header = os.path.join(top, 'uapi/linux/tcpkit.h')
failed = False


def result(ok, name, detail=''):
    global failed
    print(('ok - ' if ok else 'not ok - ') + name)
    if not ok:
        failed = True
        for line in detail.splitlines():
            print('# ' + line)


def c_name(*parts):
    return '_'.join(p.upper().replace('-', '_') for p in parts)


spec = yaml.safe_load(open(spec_path))
schema_path = os.path.join(cache, 'src-6.12/Documentation/netlink',
                           spec['protocol'] + '.yaml')
try:
    jsonschema.validate(spec, yaml.safe_load(open(schema_path)))
    result(True, 'spec: valid ' + spec['protocol'])
except jsonschema.ValidationError as e:
    result(False, 'spec: valid ' + spec['protocol'], str(e))

fam = spec['name']
asserts = [(c_name(fam, 'family-name'), '"%s"' % fam, True),
           (c_name(fam, 'family-version'), str(spec.get('version', 1)), False)]
for d in spec.get('definitions', []):
    if d['type'] == 'const':
        asserts.append((c_name(fam, d['name']), str(d['value']), False))
    elif d['type'] == 'enum':
        v = d.get('value-start', 0)
        for e in d['entries']:
            asserts.append((c_name(fam, d['name'], e if isinstance(e, str)
                                   else e['name']), str(v), False))
            v += 1
spec_names = set()
for s in spec['attribute-sets']:
    if 'subset-of' in s:
        continue
    prefix = s.get('name-prefix', c_name(fam, 'a', s['name']) + '_')
    v = 1
    for a in s['attributes']:
        v = a.get('value', v)
        n = prefix + c_name(a['name'])
        spec_names.add(n)
        asserts.append((n, str(v), False))
        v += 1
    spec_names.add(prefix + 'MAX')
    asserts.append((prefix + 'MAX', str(v - 1), False))
v = spec['operations'].get('enum-start', 1)
for op in spec['operations']['list']:
    v = op.get('value', v)
    n = c_name(fam, 'cmd', op['name'])
    spec_names.add(n)
    asserts.append((n, str(v), False))
    v += 1
spec_names.add(c_name(fam, 'cmd', 'max'))
asserts.append((c_name(fam, 'cmd', 'max'), str(v - 1), False))

src = ['#include <linux/tcpkit.h>']
for name, val, is_str in asserts:
    if is_str:
        src.append('_Static_assert(__builtin_strcmp(%s, %s) == 0, "%s");'
                   % (name, val, name))
    else:
        src.append('_Static_assert(%s == %s, "%s");' % (name, val, name))
with tempfile.TemporaryDirectory() as tmp:
    c = os.path.join(tmp, 'agree.c')
    open(c, 'w').write('\n'.join(src) + '\n')
    p = subprocess.run(['gcc', '-fsyntax-only', '-I', os.path.join(top, 'uapi'),
                        c], capture_output=True, text=True)
    errs = '\n'.join(l for l in p.stderr.splitlines() if 'error' in l)
    result(p.returncode == 0,
           'spec: %d names and values match the header' % len(asserts), errs)

hdr = open(header).read()
extra = sorted(n for n in re.findall(r'^\s+(TCPKIT_(?:A|CMD)_\w+)\s*[,=]', hdr,
                                      re.M) if n not in spec_names)
result(not extra, 'spec: header has no attribute or command the spec lacks',
       ' '.join(extra))
sys.exit(1 if failed else 0)
