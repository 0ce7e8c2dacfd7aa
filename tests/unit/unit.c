// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "unit.h"

char *unit_write_temp(const char *text)
{
	char *path = strdup("/tmp/mxgw-unit.XXXXXX");
	FILE *f;
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return path;
}

char *unit_slurp(FILE *tmp)
{
	long size;
	char *buf;

	fflush(tmp);
	size = ftell(tmp);
	assert_true(size >= 0);
	buf = calloc(1, (size_t)size + 1);
	assert_non_null(buf);
	rewind(tmp);
	assert_int_equal(fread(buf, 1, (size_t)size, tmp), (size_t)size);
	fclose(tmp);
	return buf;
}

void unit_assert_same_text(const char *got, const char *want)
{
	const char *g = got, *w = want;

	while (*g && *g == *w)
		g++, w++;
	if (*g || *w) {
		while (g > got && g[-1] != '\n')
			g--, w--;
		print_error("first difference at byte %td:\n  got:  %.*s\n  want: %.*s\n",
			    g - got, (int)strcspn(g, "\n"), g, (int)strcspn(w, "\n"), w);
	}
	assert_string_equal(got, want);
}
