// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Why the kernel refused mxgw's BPF programs, in one line: a map type or a
 * helper this kernel lacks (probed, and named with the Linux version that
 * brought it), or else the verifier's own last words about the program it
 * refused.  The whole verifier log stays behind MXGW_DEBUG=1.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>
#include "loader.h"

static libbpf_print_fn_t chained;
static char refused_prog[64];
static char last_words[320];
static char refusal[512];

/* The verifier's closing lines: not an instruction ("123: (bf) ..."), not
 * a statistic, not source; up to two joined with "; ". */
static void keep_last_words(const char *log)
{
	const char *lines[2] = { 0 };
	size_t lens[2] = { 0 };
	int n = 0;
	const char *p = log;

	while (*p) {
		const char *e = strchrnul(p, '\n');
		size_t len = e - p;
		const char *q = p;

		while (q < e && *q >= '0' && *q <= '9')
			q++;
		if (len && !(q > p && *q == ':') && *p != ';' && *p != ' ' &&
		    strncmp(p, "processed ", 10) && strncmp(p, "verification time", 17) &&
		    strncmp(p, "stack depth", 11) && strncmp(p, "-- END", 6) &&
		    strncmp(p, "func#", 5) && strncmp(p, "from ", 5) &&
		    strncmp(p, "Validating", 10) && strncmp(p, "Func#", 5)) {
			if (n == 2) {
				lines[0] = lines[1];
				lens[0] = lens[1];
				n = 1;
			}
			lines[n] = p;
			lens[n++] = len;
		} else if (len && q > p && *q == ':') {
			n = 0;	/* only what follows the last instruction */
		}
		p = *e ? e + 1 : e;
	}
	last_words[0] = 0;
	for (int i = 0; i < n; i++)
		snprintf(last_words + strlen(last_words), sizeof(last_words) - strlen(last_words),
			 "%s%.*s", i ? "; " : "", (int)lens[i], lines[i]);
}

static int capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && strstr(fmt, "BEGIN PROG LOAD LOG")) {
		char *s = NULL;
		va_list cp;

		va_copy(cp, ap);
		if (vasprintf(&s, fmt, cp) >= 0) {
			const char *name = strstr(s, "prog '");
			const char *log = strstr(s, "LOAD LOG --\n");

			if (name && sscanf(name, "prog '%63[^']'", refused_prog) != 1)
				refused_prog[0] = 0;
			if (log)
				keep_last_words(log + strlen("LOAD LOG --\n"));
			free(s);
		}
		va_end(cp);
	}
	return chained ? chained(level, fmt, ap) : 0;
}

void mxgw_refusal_capture_begin(void)
{
	refused_prog[0] = last_words[0] = refusal[0] = 0;
	chained = libbpf_set_print(capture);
}

void mxgw_refusal_capture_end(void)
{
	libbpf_set_print(chained);
	chained = NULL;
}

struct need_map {
	enum bpf_map_type type;
	const char *name, *since;
};

struct need_helper {
	enum bpf_prog_type prog;
	enum bpf_func_id id;
	const char *name, *since;
};

static const struct need_map maps[] = {
	{ BPF_MAP_TYPE_LRU_HASH, "LRU hash map", "4.10" },
	{ BPF_MAP_TYPE_LPM_TRIE, "LPM trie map", "4.11" },
	{ BPF_MAP_TYPE_DEVMAP_HASH, "devmap-hash map", "5.4" },
	{ BPF_MAP_TYPE_RINGBUF, "ring buffer map", "5.8" },
};

#define XDP	BPF_PROG_TYPE_XDP
#define TC	BPF_PROG_TYPE_SCHED_CLS
static const struct need_helper helpers[] = {
	{ XDP, BPF_FUNC_fib_lookup, "bpf_fib_lookup", "4.18" },
	{ XDP, BPF_FUNC_redirect_map, "bpf_redirect_map", "4.14" },
	{ XDP, BPF_FUNC_ktime_get_coarse_ns, "bpf_ktime_get_coarse_ns", "5.11" },
	{ XDP, BPF_FUNC_timer_init, "bpf_timer_init", "5.15" },
	{ XDP, BPF_FUNC_timer_set_callback, "bpf_timer_set_callback", "5.15" },
	{ XDP, BPF_FUNC_timer_start, "bpf_timer_start", "5.15" },
	{ XDP, BPF_FUNC_ringbuf_reserve, "bpf_ringbuf_reserve", "5.8" },
	{ XDP, BPF_FUNC_probe_read_kernel, "bpf_probe_read_kernel", "5.5" },
	{ XDP, BPF_FUNC_get_prandom_u32, "bpf_get_prandom_u32", "4.1" },
	{ TC, BPF_FUNC_skb_load_bytes, "bpf_skb_load_bytes", "4.5" },
	{ TC, BPF_FUNC_skb_store_bytes, "bpf_skb_store_bytes", "4.1" },
	{ TC, BPF_FUNC_skb_pull_data, "bpf_skb_pull_data", "4.9" },
	{ TC, BPF_FUNC_l4_csum_replace, "bpf_l4_csum_replace", "4.1" },
	{ TC, BPF_FUNC_ktime_get_coarse_ns, "bpf_ktime_get_coarse_ns", "5.11" },
	{ TC, BPF_FUNC_timer_init, "bpf_timer_init", "5.15" },
	{ TC, BPF_FUNC_ringbuf_reserve, "bpf_ringbuf_reserve", "5.8" },
};

const char *mxgw_refusal(void)
{
	struct utsname u;
	const char *rel = uname(&u) ? "?" : u.release;

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		if (libbpf_probe_bpf_map_type(maps[i].type, NULL) == 0) {
			snprintf(refusal, sizeof(refusal),
				 "Linux %s has no BPF %s (mxgw needs Linux %s or later)",
				 rel, maps[i].name, maps[i].since);
			return refusal;
		}
	for (size_t i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++)
		if (libbpf_probe_bpf_helper(helpers[i].prog, helpers[i].id, NULL) == 0) {
			snprintf(refusal, sizeof(refusal),
				 "Linux %s does not let %s programs call %s (mxgw needs Linux %s or later)",
				 rel, helpers[i].prog == XDP ? "XDP" : "TC",
				 helpers[i].name, helpers[i].since);
			return refusal;
		}
	if (!refused_prog[0])
		return NULL;
	snprintf(refusal, sizeof(refusal),
		 "the verifier of Linux %s refused %s: %s (MXGW_DEBUG=1 shows its log)",
		 rel, refused_prog, last_words[0] ? last_words : "no reason given");
	return refusal;
}
