#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lib_ckset against a module the library takes for family version 1 (one
# sock per checkpoint request): family_v1.so rewrites the version in the
# controller's answer, and lib_ckset then expects its sets checkpointed
# with one dump per connection, everything else as with version 2.
dir=$(cd "$(dirname "$0")" && pwd)
LD_PRELOAD=$dir/family_v1.so LIB_CKSET_FAMILY_V1=1 exec "$dir/lib_ckset"
