// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * PID 1 of the test VM that tests/kernels/run.sh boots (statically linked,
 * the only program in the initramfs, next to the kernel modules):
 *
 *   1. load the modules listed in /modules/order (virtio, 9p, veth, TC...),
 *      in that order, with finit_module(2): no insmod, no modprobe;
 *   2. mount the host's root (9p tag "hostroot") read-only as the new root,
 *      the checkout (9p tag "checkout") read-write at MXGW_CHECKOUT, tmpfs on
 *      /tmp, /run, /dev/shm, and proc, sys, devtmpfs, bpffs;
 *   3. switch into it, run the command given after "--" on the kernel
 *      command line, reap every orphan while it runs;
 *   4. write its exit status to MXGW_RESULT (a file in the checkout), sync,
 *      and power off.
 *
 * MXGW_CHECKOUT and MXGW_RESULT come from the kernel command line (unknown
 * "name=value" parameters become init's environment).  Every step that
 * fails says so on the console and still writes a status (125) and powers
 * off, so the host never waits for a guest that has nothing left to do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define NEWROOT	"/newroot"
#define P9OPTS	"trans=virtio,version=9p2000.L,msize=262144"

static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("mxgw-init: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *result_path;

static void finish(int status)
{
	if (result_path) {
		char path[4096];
		int fd;

		/* the result file sits in the checkout: inside the new root
		 * once we switched, under NEWROOT before that */
		snprintf(path, sizeof(path), "%s", result_path);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			snprintf(path, sizeof(path), NEWROOT "%s", result_path);
			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		}
		if (fd >= 0) {
			dprintf(fd, "%d\n", status);
			fsync(fd);
			close(fd);
		} else {
			say("cannot write %s: %s", result_path, strerror(errno));
		}
	}
	sync();
	say("exit status %d, powering off", status);
	reboot(RB_POWER_OFF);
	/* no ACPI? qemu runs with -no-reboot: a reset ends it too */
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

static void must(int ok, const char *what)
{
	if (!ok) {
		say("%s: %s", what, strerror(errno));
		finish(125);
	}
}

/* mkdir -p; fails harmlessly where the read-only root has the path */
static void mkdirs(const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		mkdir(buf, 0755);
		*p = '/';
	}
	mkdir(buf, 0755);
}

static int do_mount(const char *src, const char *dst, const char *type,
		    unsigned long flags, const char *opts)
{
	mkdirs(dst);
	if (mount(src, dst, type, flags, opts)) {
		say("mount %s (%s) on %s: %s", src, type, dst, strerror(errno));
		return -1;
	}
	return 0;
}

/* /modules/order: one file name (under /modules) a line. */
static void load_modules(void)
{
	char line[256], path[512];
	FILE *f = fopen("/modules/order", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		int fd;

		line[strcspn(line, "\r\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		snprintf(path, sizeof(path), "/modules/%s", line);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			say("open %s: %s", path, strerror(errno));
			continue;
		}
		if (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST)
			say("load %s: %s", line, strerror(errno));
		close(fd);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	const char *checkout = getenv("MXGW_CHECKOUT");
	char dst[4096];
	pid_t child;
	int status;

	result_path = getenv("MXGW_RESULT");
	mkdir("/dev", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	/* the console as stdio: the kernel may have started us without one */
	if (fcntl(2, F_GETFD) < 0) {
		int fd = open("/dev/console", O_RDWR);

		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
	}
	setvbuf(stderr, NULL, _IONBF, 0);
	if (argc < 2 || !checkout || checkout[0] != '/') {
		say("usage: kernel command line MXGW_CHECKOUT=/path MXGW_RESULT=/file -- COMMAND...");
		finish(125);
	}

	load_modules();

	must(!do_mount("hostroot", NEWROOT, "9p", MS_RDONLY, P9OPTS ",cache=loose"),
	     "the host root");
	must(!do_mount("proc", NEWROOT "/proc", "proc", 0, NULL), "proc");
	must(!do_mount("sysfs", NEWROOT "/sys", "sysfs", 0, NULL), "sysfs");
	must(!do_mount("bpf", NEWROOT "/sys/fs/bpf", "bpf", 0, "mode=0700"), "bpffs");
	do_mount("tracefs", NEWROOT "/sys/kernel/tracing", "tracefs", 0, NULL);
	must(!do_mount("tmpfs", NEWROOT "/tmp", "tmpfs", 0, "mode=1777"), "/tmp");
	must(!do_mount("tmpfs", NEWROOT "/run", "tmpfs", 0, "mode=0755"), "/run");
	/* after /tmp and /run: a checkout below them stays visible */
	snprintf(dst, sizeof(dst), NEWROOT "%s", checkout);
	must(!do_mount("checkout", dst, "9p", 0, P9OPTS), "the checkout");
	must(!mount("/dev", NEWROOT "/dev", NULL, MS_MOVE, NULL), "move /dev");
	do_mount("tmpfs", NEWROOT "/dev/shm", "tmpfs", 0, "mode=1777");
	do_mount("devpts", NEWROOT "/dev/pts", "devpts", 0, "mode=0620,ptmxmode=0666");
	/* what udev would add: bash's <(...) opens /dev/fd/N */
	symlink("/proc/self/fd", NEWROOT "/dev/fd");
	symlink("/proc/self/fd/0", NEWROOT "/dev/stdin");
	symlink("/proc/self/fd/1", NEWROOT "/dev/stdout");
	symlink("/proc/self/fd/2", NEWROOT "/dev/stderr");

	/* switch_root: the new root over /, the initramfs stays underneath */
	must(!chdir(NEWROOT), "chdir " NEWROOT);
	must(!mount(".", "/", NULL, MS_MOVE, NULL), "move the new root to /");
	must(!chroot("."), "chroot");
	must(!chdir("/"), "chdir /");

	child = fork();
	must(child >= 0, "fork");
	if (!child) {
		setsid();
		ioctl(0, TIOCSCTTY, 1);
		setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
		setenv("HOME", "/root", 1);
		setenv("TERM", "dumb", 1);
		if (chdir(checkout))
			say("chdir %s: %s", checkout, strerror(errno));
		execvp(argv[1], argv + 1);
		say("exec %s: %s", argv[1], strerror(errno));
		_exit(127);
	}
	/* PID 1 reaps every orphan; the run ends with our own child */
	for (;;) {
		pid_t pid = wait(&status);

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0) {
			say("wait: %s", strerror(errno));
			finish(125);
		}
		if (pid == child)
			break;
	}
	/* what the command left running goes down before we write the result */
	kill(-1, SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	finish(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}
