/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpkit: the one place for differences between supported kernels.
 * Kbuild probes the target tree and defines TCPKIT_HAVE_* for each feature;
 * the shims below are named after the feature, never after a version.
 */
#ifndef _TCPKIT_COMPAT_H
#define _TCPKIT_COMPAT_H

#endif /* _TCPKIT_COMPAT_H */
