/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The config file and the running table: write a run-time verdict change
 * back into the file (mxctl set-service --save, as firewall-cmd
 * --permanent does), and tell which running services differ from it
 * (mxctl status).
 */
#ifndef MXGW_CONF_SAVE_H
#define MXGW_CONF_SAVE_H

#include <stdio.h>
#include <linux/types.h>
#include "config.h"

/* A config larger than this is not read into memory to be rewritten. */
#define MXGW_CONF_SAVE_MAX_SIZE	(16 * 1024 * 1024)

/*
 * Rewrite the verdict field(s) of @service's line in the config text
 * @text (@len bytes): outgoing for MXGW_DIR_OUT, incoming for MXGW_DIR_IN,
 * both for -1.  Every other byte stays as it was: comments, blanks, line
 * ends.  A word that gets shorter or longer keeps what follows in its
 * column when the field was followed by padding (spaces or tabs, as
 * before); when there is no room, one space separates it.
 *
 * Pure: on success *@out (malloc'd, NUL-terminated, *@out_len bytes) is
 * the new text, even when unchanged.  Returns the number of lines changed
 * (0 or 1), -ENOENT when no line defines @service, -EINVAL for a bad
 * @dir or @verdict, -ENOMEM.
 */
int mxgw_conf_edit_verdict(const char *text, size_t len, const char *service,
			   int dir, int verdict, char **out, size_t *out_len);

/*
 * The same on the file @path, which must parse before and after: the new
 * text goes to a temporary file in the same directory (the target's, when
 * @path is a symbolic link), which gets the file's mode (and owner, when
 * allowed), is fsync'ed and renamed over it, so a crash leaves either the
 * old file or the new one.  A file that already says @verdict is not
 * rewritten.
 *
 * Returns 0, -ENOENT when the file does not define @service, -EINVAL when
 * it does not parse (or @dir, @verdict are bad), or the negative errno of
 * the failed step; every failure is explained on @err (may be NULL) as
 * "PATH: error: ...".
 */
int mxgw_conf_save_verdict(const char *path, const char *service, int dir,
			   int verdict, FILE *err);

/* How a running service differs from the file: MXGW_DIFF_* bits. */
#define MXGW_DIFF_OUT		0x01	/* outgoing verdict differs */
#define MXGW_DIFF_IN		0x02	/* incoming verdict differs */
#define MXGW_DIFF_DEFINITION	0x04	/* port, protocols, from, to gateway or a limit differ */
#define MXGW_DIFF_NOT_IN_FILE	0x08	/* running, but not in the file */

struct mxgw_conf_diff {
	/* MXGW_DIFF_* by running service id; 0 for the same or unused ids */
	__u8 running[MXGW_MAX_SERVICES];
	/* the file's services that are not running: indexes into services[] */
	unsigned int nmissing;
	unsigned int missing[MXGW_MAX_SERVICES - 1];
};

/*
 * Compare the running table @running (MXGW_MAX_SERVICES entries indexed by
 * service id, as mxgw_maps_read_services() fills it) with the config
 * @file, by service name.  Returns how many services differ: running ones
 * marked in @diff->running plus the file's missing ones; 0 when the
 * running table is the file's.
 */
int mxgw_conf_diff_running(const struct mxgw_conf_file *file,
			   const struct mxgw_service *running,
			   struct mxgw_conf_diff *diff);

/*
 * Then mark MXGW_DIFF_DEFINITION in @diff for the running services whose
 * syn-flood threshold or budget is not the one @file gives them (a
 * syn-flood added or removed is marked already): @synflood holds the
 * running mxgw_synflood entries, MXGW_MAX_SERVICES by service id.
 * Returns how many services differ now, as mxgw_conf_diff_running().
 */
int mxgw_conf_diff_synflood(const struct mxgw_conf_file *file,
			    const struct mxgw_service *running,
			    const struct mxgw_synflood *synflood,
			    struct mxgw_conf_diff *diff);

#endif /* MXGW_CONF_SAVE_H */
