#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the attribute-name tables of the YNL spec as a C header.

ynl-gen-c writes names only into its own user-space library; libtcpkit and
the CLI use libmnl, so this writes the one table they share: for each
attribute set that is not a subset, the names indexed by attribute type,
spelled as the CLI and the JSON output spell them ('-' becomes '_').

Usage: spec-names.py SPEC OUTPUT
"""
import sys

import yaml


def c_upper(*parts):
    return '_'.join(p.upper().replace('-', '_') for p in parts)


def main():
    spec_path, out_path = sys.argv[1:3]
    with open(spec_path, encoding='utf-8') as f:
        spec = yaml.safe_load(f)
    fam = spec['name']
    guard = c_upper(fam, 'names-gen-h')
    lines = [
        '/* SPDX-License-Identifier: LGPL-2.1-or-later */',
        '/* Do not edit directly, auto-generated from: */',
        '/*\tDocumentation/netlink/specs/%s.yaml */' % fam,
        '/* by scripts/spec-names.py (make spec) */',
        '',
        '#ifndef ' + guard,
        '#define ' + guard,
        '',
        '#include <linux/%s.h>' % fam,
    ]
    for aset in spec['attribute-sets']:
        if 'subset-of' in aset:
            continue
        prefix = aset.get('name-prefix', '%s-a-%s-' % (fam, aset['name']))
        lines += ['',
                  '/* Attribute set %s, by type. */' % aset['name'],
                  'static const char *const tk_%s_attr_names[%s + 1] = {'
                  % (aset['name'].replace('-', '_'),
                     c_upper(prefix + 'max'))]
        for attr in aset['attributes']:
            lines.append('\t[%s] = "%s",' % (c_upper(prefix + attr['name']),
                                             attr['name'].replace('-', '_')))
        lines.append('};')
    lines += ['', '#endif /* %s */' % guard]
    with open(out_path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
