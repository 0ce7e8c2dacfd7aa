// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * make bench, part 2, tested on a kernel that runs live frames as if it
 * refused them: an LD_PRELOAD shim that fails bpf(BPF_PROG_TEST_RUN) with
 * BPF_F_TEST_XDP_LIVE_FRAMES with EPERM, as some 6.18.44-fc builds do even
 * for root, and passes every other system call through.
 *
 *   LD_PRELOAD=build/bench/refuse_live.so build/bench/bench_e2e
 *
 * libbpf makes its bpf() calls through libc's syscall(), which this
 * replaces.  Only for the bench: a program that calls bpf() otherwise is
 * not fooled.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

long syscall(long nr, ...)
{
	static long (*real)(long nr, ...);
	va_list ap;
	long a[6];

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (!real)
		real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	if (nr == __NR_bpf && a[0] == BPF_PROG_TEST_RUN && a[1] &&
	    (((const union bpf_attr *)a[1])->test.flags & BPF_F_TEST_XDP_LIVE_FRAMES)) {
		errno = EPERM;
		return -1;
	}
	return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
