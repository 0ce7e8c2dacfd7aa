// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_refusal's object: one program every verifier accepts, and one every
 * verifier refuses (a packet byte read with no bounds check before it).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int accepted_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int refused_xdp(struct xdp_md *ctx)
{
	/* no "data + 1 > data_end" check: "outside of the packet" */
	return *(__u8 *)(long)ctx->data;
}
