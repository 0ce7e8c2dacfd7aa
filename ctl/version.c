// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The version string, in a file of its own: the Makefile passes
 * -DMXGW_VERSION to this object only and rebuilds it when the version
 * changes, so a new commit relinks mxctl without recompiling the rest.
 */
#include "version.h"

/* Built outside the Makefile, or from a tree that is not a git checkout. */
#define MXGW_VERSION_FALLBACK	"unknown"

#ifndef MXGW_VERSION
#define MXGW_VERSION	MXGW_VERSION_FALLBACK
#endif

const char mxgw_version[] = MXGW_VERSION;
