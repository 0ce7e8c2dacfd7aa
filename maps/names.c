// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The words mxctl prints for the ABI's enums (see names.h). */
#include "names.h"

const struct mxgw_counter_info mxgw_counter_table[MXGW_COUNTER_MAX] = {
#define MXGW_COUNTER_INFO(NAME, word, fam, fl, text)			\
	[MXGW_##NAME] = {						\
		.name = word,						\
		.help = text,						\
		.family = MXGW_CF_##fam,				\
		.flags = MXGW_CF_F_##fl,				\
	},
	MXGW_COUNTERS(MXGW_COUNTER_INFO)
#undef MXGW_COUNTER_INFO
};

const char *mxgw_counter_name(unsigned int counter)
{
	return counter < MXGW_COUNTER_MAX ? mxgw_counter_table[counter].name : "unknown";
}

const char *mxgw_counter_help(unsigned int counter)
{
	return counter < MXGW_COUNTER_MAX ? mxgw_counter_table[counter].help : "";
}

__u64 mxgw_kernel_path(const __u64 *counters)
{
	__u64 sum = 0;

	for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++)
		if (mxgw_counter_table[c].flags & MXGW_CF_F_KERNEL)
			sum += counters[c];
	return sum;
}

const char *const mxgw_ct_state_names[MXGW_CT_STATE_MAX] = {
#define MXGW_CT_STATE_NAME(NAME, word, seconds, sysctl)	[MXGW_CT_##NAME] = word,
	MXGW_CT_STATES(MXGW_CT_STATE_NAME)
#undef MXGW_CT_STATE_NAME
};

const char *mxgw_verdict_str(int verdict)
{
	switch (verdict) {
	case MXGW_ALLOW:
		return "allow";
	case MXGW_DENY:
		return "deny";
	default:
		return "?";
	}
}

const char *mxgw_protos_str(__u8 protos)
{
	switch (protos) {
	case MXGW_PROTO_BIT(MXGW_PROTO_TCP):
		return "tcp";
	case MXGW_PROTO_BIT(MXGW_PROTO_UDP):
		return "udp";
	case MXGW_PROTO_BIT(MXGW_PROTO_TCP) | MXGW_PROTO_BIT(MXGW_PROTO_UDP):
		return "tcp,udp";
	default:
		return "?";
	}
}

const char *mxgw_limit_unit(__u32 per_s)
{
	return per_s == 3600 ? "h" : per_s == 60 ? "m" : "s";
}
