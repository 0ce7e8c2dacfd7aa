// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Why the kernel refused mxgw's BPF programs, in one line: a map type or a
 * helper this kernel lacks (probed, and named with the Linux version that
 * brought it), or else the verifier's own last words about the program it
 * refused, read from the log buffer that libbpf hands the kernel for that
 * program (bpf_program__set_log_buf, as veristat and the kernel's
 * selftests do).  The whole log goes on to libbpf's print callback, where
 * libbpf's own copy would have gone: mxctl shows it with MXGW_DEBUG=1.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>
#include "loader.h"

/*
 * A log buffer per program, of libbpf's own first size (BPF_LOG_BUF_SIZE):
 * a refusal deep in mxgw_wan_out logs about 1.2 MB.  Only a refused
 * program's is ever written, and malloc leaves the rest untouched address
 * space.  Made on first use and kept: a loaded object goes on pointing at
 * them (libbpf takes no new buffer once the object is loaded).  Before
 * Linux 6.4 a log that outgrows its buffer keeps its beginning, not the
 * last words.
 */
#define MXGW_LOG_SIZE	(16U << 20)
#define MXGW_LOG_PROGS	8
static char *logs[MXGW_LOG_PROGS];

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

/* @fmt to libbpf's print callback, as libbpf prints its own copy. */
static void forward(const char *fmt, ...)
{
	libbpf_print_fn_t fn = libbpf_set_print(NULL);
	va_list ap;

	libbpf_set_print(fn);	/* libbpf has no getter */
	if (!fn)
		return;
	va_start(ap, fmt);
	fn(LIBBPF_WARN, fmt, ap);
	va_end(ap);
}

void mxgw_refusal_capture_begin(struct bpf_object *obj)
{
	struct bpf_program *prog;
	int i = 0;

	refused_prog[0] = last_words[0] = refusal[0] = 0;
	bpf_object__for_each_program(prog, obj) {
		/* past MXGW_LOG_PROGS, or without memory, libbpf logs into a
		 * buffer of its own and prints it itself */
		if (i == MXGW_LOG_PROGS)
			break;
		if (!logs[i])
			logs[i] = malloc(MXGW_LOG_SIZE);
		if (!logs[i])
			break;
		logs[i][0] = 0;
		/* level 0: a program the kernel accepts is verified without a
		 * log, which costs time; libbpf loads one it refuses again at
		 * level 1, into this buffer */
		bpf_program__set_log_level(prog, 0);
		if (!bpf_program__set_log_buf(prog, logs[i], MXGW_LOG_SIZE))
			i++;
	}
}

void mxgw_refusal_capture_end(struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		size_t size = 0;
		const char *log = bpf_program__log_buf(prog, &size);
		const char *name = bpf_program__name(prog);

		/* libbpf stops at the first program refused: one log at most */
		if (!log || !log[0])
			continue;
		snprintf(refused_prog, sizeof(refused_prog), "%s", name);
		if (strnlen(log, size) >= size - 1)
			snprintf(last_words, sizeof(last_words),
				 "its log outgrew %u MiB", MXGW_LOG_SIZE >> 20);
		else
			keep_last_words(log);
		forward("prog '%s': -- BEGIN PROG LOAD LOG --\n%s-- END PROG LOAD LOG --\n",
			name, log);
		break;
	}
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
