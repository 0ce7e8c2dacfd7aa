/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A streaming JSON writer that places commas and escapes strings. */
#ifndef MXGW_JSON_H
#define MXGW_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	16

struct json {
	FILE *out;
	int depth;
	bool first[JSON_MAX_DEPTH];
	bool after_key;
};

void json_init(struct json *j, FILE *out);
void json_object_start(struct json *j);
void json_object_end(struct json *j);
void json_array_start(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s);
void json_uint(struct json *j, unsigned long long v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* key + value in one call */
static inline void json_kv_string(struct json *j, const char *k, const char *v)
{
	json_key(j, k);
	json_string(j, v);
}

static inline void json_kv_uint(struct json *j, const char *k, unsigned long long v)
{
	json_key(j, k);
	json_uint(j, v);
}

static inline void json_kv_bool(struct json *j, const char *k, bool v)
{
	json_key(j, k);
	json_bool(j, v);
}

#endif /* MXGW_JSON_H */
