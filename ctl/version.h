/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The version of this mxctl, as mxctl --version and the metrics say it. */
#ifndef MXGW_VERSION_H
#define MXGW_VERSION_H

/* `git describe --always --dirty --tags` when built from a git checkout,
 * else MXGW_VERSION_FALLBACK (ctl/version.c; the Makefile passes it). */
extern const char mxgw_version[];

#endif /* MXGW_VERSION_H */
