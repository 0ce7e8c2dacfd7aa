/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* mxctl conntrack export | import: flows from one gateway to its peer. */
#ifndef MXGW_CONNTRACK_SYNC_H
#define MXGW_CONNTRACK_SYNC_H

#include <stdio.h>

struct mxgw_maps;

/* The live flows of @m (the gateway's own left out) to @out, in the
 * format conntrack_sync.c describes; *@n: how many.  0 or -errno. */
int mxctl_conntrack_export(const struct mxgw_maps *m, FILE *out, unsigned int *n);

/* The flows of @path ("-": stdin) into @m, all lines checked first (a bad
 * one said as PATH:LINE: field, nothing written); flows that expired
 * meanwhile are skipped (*@expired).  0 or -errno. */
int mxctl_conntrack_import(const struct mxgw_maps *m, const char *path,
			   unsigned int *imported, unsigned int *expired);

#endif /* MXGW_CONNTRACK_SYNC_H */
