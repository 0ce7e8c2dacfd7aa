// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "json.h"

void json_init(struct json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
}

/* Before any value or key: the comma that separates it from the last one. */
static void sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->out);
	j->first[j->depth] = false;
}

/* An object or array, @c its opening bracket. */
static void json_container_open(struct json *j, char c)
{
	sep(j);
	fputc(c, j->out);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void json_container_close(struct json *j, char c)
{
	fputc(c, j->out);
	if (j->depth > 0)
		j->depth--;
	if (!j->depth)
		fputc('\n', j->out);
}

void json_object_start(struct json *j) { json_container_open(j, '{'); }
void json_object_end(struct json *j) { json_container_close(j, '}'); }
void json_array_start(struct json *j) { json_container_open(j, '['); }
void json_array_end(struct json *j) { json_container_close(j, ']'); }

static void quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void json_key(struct json *j, const char *key)
{
	sep(j);
	quoted(j->out, key);
	fputc(':', j->out);
	j->after_key = true;
}

void json_string(struct json *j, const char *s)
{
	sep(j);
	quoted(j->out, s);
}

void json_uint(struct json *j, unsigned long long v)
{
	sep(j);
	fprintf(j->out, "%llu", v);
}

void json_bool(struct json *j, bool v)
{
	sep(j);
	fputs(v ? "true" : "false", j->out);
}

void json_null(struct json *j)
{
	sep(j);
	fputs("null", j->out);
}
