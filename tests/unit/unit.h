/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the unit tests of mxctl's formatters and commands share. */
#ifndef MXGW_UNIT_H
#define MXGW_UNIT_H

#include <stdio.h>

/* @text in a new temporary file; the caller unlinks and frees the path. */
char *unit_write_temp(const char *text);
/* Everything written to @tmp, as a string the caller frees; closes @tmp. */
char *unit_slurp(FILE *tmp);
/* assert_string_equal, first printing the first line that differs:
 * on a mismatch it says more than two pages of text. */
void unit_assert_same_text(const char *got, const char *want);

#endif /* MXGW_UNIT_H */
