# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# mxgw: build into build/, never next to the sources.
#   make            build/mxctl (BPF objects embedded through a skeleton)
#   make test       every test (installs Debian packages first if missing)
#   make check      shellcheck on every script, the unit tests under ASan+UBSan
#   make deps       install the Debian 12 packages mxgw needs
#   make V=1        show the commands
.DELETE_ON_ERROR:
.SUFFIXES:

BUILD   ?= build
CC      ?= cc
CLANG   ?= clang
BPFTOOL ?= bpftool
ARCH    := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

# CFLAGS is the user's (make CFLAGS=-O0); the project's own flags are kept
# apart, so no command line can drop the include paths, warnings or -std.
CFLAGS  ?= -O2 -g
MXGW_CFLAGS := -Wall -Wextra -Werror -Wno-format-truncation -std=gnu11 -I$(BUILD) -Imaps -Ictl -Iloader
ALL_CFLAGS   = $(MXGW_CFLAGS) $(CFLAGS)
LDLIBS  := $(shell pkg-config --libs libxdp 2>/dev/null || echo -lxdp) -lbpf -lelf -lz
# Each object's headers, found by the compiler (-MMD) into a .d file next
# to it, with an empty rule per header (-MP) so that a header removed from
# the tree does not stop the next build.
DEPFLAGS := -MMD -MP

# make check's unit tests: the same sources under ASan and UBSan, in a
# tree of their own; the first error ends the test (UBSan would go on).
ASAN       := $(BUILD)/asan
SAN_CFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# mxctl --version and mxgw_build_info: git describe of a git checkout (a
# .git directory, or a worktree's .git file), else ctl/version.c's fallback;
# make MXGW_VERSION=1.0 (a release tarball) sets it.
MXGW_VERSION := $(if $(wildcard .git),$(shell git describe --always --dirty --tags 2>/dev/null))
# The wire formats come from the kernel's UAPI headers (Debian's
# linux-libc-dev), whose <asm/...> lives in the multiarch directory that
# clang -target bpf does not search: -idirafter, as libbpf-bootstrap does.
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	      -idirafter /usr/include/$(shell gcc -dumpmachine)

# tests/e2e/test_upgrade.sh only: make MXGW_ABI_OVERRIDE=N builds a tree
# that says it speaks map ABI N (maps/mxgw_abi.h), to upgrade across ABIs.
ifneq ($(MXGW_ABI_OVERRIDE),)
MXGW_CFLAGS += -DMXGW_ABI_OVERRIDE=$(MXGW_ABI_OVERRIDE)
BPF_CFLAGS  += -DMXGW_ABI_OVERRIDE=$(MXGW_ABI_OVERRIDE)
endif

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Debian 12 packages: build, run, test.
DEPS := clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool libcmocka-dev \
	make gcc pkg-config iproute2 ethtool nftables python3 python3-scapy tshark gnuplot-nox \
	shellcheck keepalived libxdp-dev xdp-tools

BPF_SRC  := bpf/mxgw.bpf.c
BPF_HDRS := $(wildcard bpf/*.h) maps/mxgw_abi.h
# The library is what maps/ (the ABI, map access) and loader/ (the
# programs' life) hold, the CLI what ctl/ holds: a new file is in the
# build as soon as it is in its directory.
LIB_SRC  := $(wildcard maps/*.c loader/*.c)
CTL_SRC  := $(wildcard ctl/*.c)

LIB_OBJ  := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC))
CTL_OBJ  := $(patsubst %.c,$(BUILD)/obj/%.o,$(CTL_SRC))

# The tests link two archives: the library, and the CLI without its
# main(); the linker takes from them the objects a test calls, and
# nothing else.  libmxctl.a comes first: ctl/ uses the library, never
# the other way round (a library object that called into ctl/ would not
# link).
LIBS         := libmxctl.a libmxgw.a
LIBMXCTL_SRC := $(filter-out ctl/mxctl.c,$(CTL_SRC))

# The SYN-flood goal at this machine's top rate (issue 13): part of make
# test, and make test-flood runs it alone.  It measures the whole machine
# (generator, gateway, Postfix and swaks share its CPUs): run it on a
# quiet one (docs/SYNFLOOD.md).
FLOOD_TESTS := tests/e2e/mail/test_synflood_mail.sh
E2E_TESTS := $(wildcard tests/e2e/test_*.sh tests/e2e/mail/test_*.sh)

# The project's own scripts, tested without their side effects.
SCRIPT_TESTS := $(wildcard tests/scripts/test_*.sh)

# The cmocka programs: tests/unit (no BPF) and tests/bpf (the programs
# through bpf_prog_test_run_opts), one binary per test_*.c.
UNIT_TESTS := $(notdir $(basename $(wildcard tests/unit/test_*.c)))
BPF_TESTS  := $(notdir $(basename $(wildcard tests/bpf/test_*.c)))
TESTS      := $(addprefix $(BUILD)/tests/,$(UNIT_TESTS) $(BPF_TESTS))
SAN_TESTS  := $(addprefix $(ASAN)/tests/,$(UNIT_TESTS))

# What make check runs: shellcheck, the unit tests under ASan+UBSan, and
# every BPF header compiled alone.
CHECK_TARGETS := check-scripts check-unit-san check-bpf-headers

# Every shell script of the tree: a shell's #! line, or a "# shellcheck
# shell=" line for the files that are sourced (lib.sh, the completion).
SCRIPTS = $(sort $(shell grep -rlIE --exclude-dir=.git --exclude-dir=$(notdir $(BUILD)) \
	  '^(\#!/(usr/)?bin/(env +)?(ba|da)?sh\b|\# shellcheck shell=)' .))

# make install: PREFIX and DESTDIR as usual; the config goes to /etc (where
# mxctl reads it by default) and is never overwritten.
PREFIX      ?= /usr/local
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
UNITDIR     ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSCONFDIR  ?= /etc
MAN := $(BUILD)/man/mxctl.8 $(BUILD)/man/mxgw.conf.5

.PHONY: all test check check-scripts check-unit-san deps check-deps clean bench demo install \
	uninstall test-kernels FORCE
all: $(BUILD)/mxctl $(MAN)

$(BUILD)/mxgw.bpf.o: $(BPF_SRC) $(BPF_HDRS)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# Each header the BPF programs include compiles on its own, and twice
# (its guard), with the programs' flags: none depends on what a file
# included before it.  Static subprograms go unused there.
BPF_HDR_CHECK := $(wildcard bpf/*.bpf.h) maps/mxgw_abi.h tests/bench/bench_frame.h

.PHONY: check-bpf-headers
check-bpf-headers:
	$(call msg,HDRCHK,bpf/*.bpf.h maps/mxgw_abi.h)
	$(Q)for h in $(BPF_HDR_CHECK); do \
		printf '#include "%s"\n#include "%s"\n' $(CURDIR)/$$h $(CURDIR)/$$h | \
		$(CLANG) $(BPF_CFLAGS) -Wno-unused-function -fsyntax-only -x c - || \
		{ echo "  $$h does not compile on its own"; exit 1; }; \
	done

$(BUILD)/mxgw.skel.h: $(BUILD)/mxgw.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name mxgw_bpf > $@

# Objects, in $(BUILD)/obj/ or, for make check, $(ASAN)/obj/ (the same
# sources with $(SAN_CFLAGS)).  The skeleton is made first: which objects
# include it, only their .d files say, and they come with the object.
$(BUILD)/obj/%.o: %.c | $(BUILD)/mxgw.skel.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(TREE_CFLAGS) $(OBJ_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(ASAN)/obj/%.o: %.c | $(BUILD)/mxgw.skel.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(TREE_CFLAGS) $(OBJ_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(ASAN)/%: TREE_CFLAGS := $(SAN_CFLAGS)
# (where two patterns match, make takes the one with the shorter stem)
$(BUILD)/obj/tests/% $(ASAN)/obj/tests/%: OBJ_CFLAGS := -Itests/bpf \
	-DMXGW_SHIPPED_CONF=\"$(CURDIR)/etc/mxgw.conf\"
$(BUILD)/obj/tests/bench/%: OBJ_CFLAGS := -Itests/bpf -Itests/bench -I$(BUILD)/bench \
	-Wno-missing-field-initializers -DMXGW_SHIPPED_CONF=\"$(CURDIR)/etc/mxgw.conf\" \
	-DMXGW_BENCH_NFT=\"$(CURDIR)/tests/bench/mxgw-equivalent.nft\"

# Rewritten only when the version changes: a new commit (or a tree that
# became dirty) rebuilds version.o and relinks, nothing else.
$(BUILD)/version.txt: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)echo '$(MXGW_VERSION)' | cmp -s - $@ 2>/dev/null || echo '$(MXGW_VERSION)' >$@

$(BUILD)/obj/ctl/version.o: ctl/version.c $(BUILD)/version.txt
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPFLAGS) $(if $(MXGW_VERSION),-DMXGW_VERSION='"$(MXGW_VERSION)"') -c $< -o $@

# The build's identity in mxgw_build (loader/upgrade.c) names the version
# too.
$(BUILD)/obj/loader/upgrade.o: $(BUILD)/version.txt
$(BUILD)/obj/loader/upgrade.o: OBJ_CFLAGS := $(if $(MXGW_VERSION),-DMXGW_VERSION='"$(MXGW_VERSION)"')

# test_prometheus's expected text holds a version of its own, so that it
# does not follow git.
test_prometheus_OBJS := tests/unit/version_test.o
$(BUILD)/obj/tests/unit/version_test.o $(ASAN)/obj/tests/unit/version_test.o: ctl/version.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(TREE_CFLAGS) $(DEPFLAGS) -DMXGW_VERSION='"1.2.3-test"' -c $< -o $@

$(BUILD)/mxctl: $(CTL_OBJ) $(LIB_OBJ)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/libmxgw.a: $(LIB_OBJ)
$(BUILD)/libmxctl.a: $(patsubst %.c,$(BUILD)/obj/%.o,$(LIBMXCTL_SRC))
$(ASAN)/libmxgw.a: $(patsubst %.c,$(ASAN)/obj/%.o,$(LIB_SRC))
$(ASAN)/libmxctl.a: $(patsubst %.c,$(ASAN)/obj/%.o,$(LIBMXCTL_SRC))
%.a:
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

# One rule for every test binary, in either tree: the test's object, the
# helpers of its directory (the files not named test_*: tests/unit/unit.c,
# tests/bpf/testbed.c), the objects $(test_X_OBJS) names, and the two
# archives.
test_src     = $(wildcard tests/unit/$(1).c tests/bpf/$(1).c)
test_helpers = $(filter-out $(dir $(call test_src,$(1)))test_% %.bpf.c,$(wildcard $(dir $(call test_src,$(1)))*.c))
test_objs    = $(addprefix $(2)/obj/,$(patsubst %.c,%.o,$(call test_src,$(1)) \
			$(call test_helpers,$(1))) $($(1)_OBJS)) $(addprefix $(2)/,$(LIBS))
tree_of      = $(patsubst %/tests/,%,$(dir $(1)))

.SECONDEXPANSION:
$(TESTS) $(SAN_TESTS): %: $$(call test_objs,$$(notdir $$*),$$(call tree_of,$$*))
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(TREE_CFLAGS) $^ $(LDLIBS) -lcmocka -o $@

# The COUNTERS section of mxctl(8) comes from the binary (mxctl help
# counters), so the man page and enum mxgw_counter cannot drift apart.
$(BUILD)/man/mxctl.8: man/mxctl.8.in $(BUILD)/mxctl
	$(call msg,MAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BUILD)/mxctl help counters >$@.counters
	$(Q)awk -v list=$@.counters '/^@COUNTERS@$$/ { \
		while ((getline l < list) > 0) { \
			name = l; sub(/ .*/, "", name); sub(/^[^ ]+ +/, "", l); \
			gsub(/\\/, "\\e", l); printf ".TP\n.B %s\n\\&%s\n", name, l; n++ } \
		if (!n) exit 1; next } { print }' $< >$@
	$(Q)rm -f $@.counters

$(BUILD)/man/mxgw.conf.5: man/mxgw.conf.5
	$(Q)mkdir -p $(@D)
	$(Q)cp $< $@

install: all
	install -D -m 0755 $(BUILD)/mxctl $(DESTDIR)$(SBINDIR)/mxctl
	install -D -m 0644 $(BUILD)/man/mxctl.8 $(DESTDIR)$(MANDIR)/man8/mxctl.8
	install -D -m 0644 man/mxgw.conf.5 $(DESTDIR)$(MANDIR)/man5/mxgw.conf.5
	install -d -m 0755 $(DESTDIR)$(UNITDIR)
	sed 's|/usr/sbin/mxctl|$(SBINDIR)/mxctl|g' etc/systemd/mxgw@.service \
		>$(DESTDIR)$(UNITDIR)/mxgw@.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/mxgw@.service
	install -D -m 0644 etc/bash-completion/mxctl $(DESTDIR)$(BASHCOMPDIR)/mxctl
	sed 's|/usr/sbin/mxctl|$(SBINDIR)/mxctl|g' etc/fail2ban/mxctl-fail2ban-ssh \
		>$(DESTDIR)$(SBINDIR)/mxctl-fail2ban-ssh
	chmod 0755 $(DESTDIR)$(SBINDIR)/mxctl-fail2ban-ssh
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/fail2ban/action.d $(DESTDIR)$(SYSCONFDIR)/fail2ban/jail.d
	sed 's|/usr/sbin/mxctl|$(SBINDIR)/mxctl|g' etc/fail2ban/action.d/mxgw.conf \
		>$(DESTDIR)$(SYSCONFDIR)/fail2ban/action.d/mxgw.conf
	chmod 0644 $(DESTDIR)$(SYSCONFDIR)/fail2ban/action.d/mxgw.conf
	install -m 0644 etc/fail2ban/action.d/mxgw-ssh.conf $(DESTDIR)$(SYSCONFDIR)/fail2ban/action.d/mxgw-ssh.conf
	install -m 0644 etc/fail2ban/jail.d/mxgw.conf $(DESTDIR)$(SYSCONFDIR)/fail2ban/jail.d/mxgw.conf
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/keepalived
	sed 's|/usr/sbin/mxctl|$(SBINDIR)/mxctl|g' etc/keepalived/mxgw-notify \
		>$(DESTDIR)$(SYSCONFDIR)/keepalived/mxgw-notify
	chmod 0755 $(DESTDIR)$(SYSCONFDIR)/keepalived/mxgw-notify
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/mxgw/mxgw.conf ]; then \
		echo "  keeping $(DESTDIR)$(SYSCONFDIR)/mxgw/mxgw.conf"; \
	else \
		echo "install -D -m 0644 etc/mxgw.conf $(DESTDIR)$(SYSCONFDIR)/mxgw/mxgw.conf"; \
		install -D -m 0644 etc/mxgw.conf $(DESTDIR)$(SYSCONFDIR)/mxgw/mxgw.conf; \
	fi

# The config stays: it is the operator's.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/mxctl $(DESTDIR)$(MANDIR)/man8/mxctl.8 \
		$(DESTDIR)$(MANDIR)/man5/mxgw.conf.5 $(DESTDIR)$(UNITDIR)/mxgw@.service \
		$(DESTDIR)$(BASHCOMPDIR)/mxctl $(DESTDIR)$(SBINDIR)/mxctl-fail2ban-ssh \
		$(DESTDIR)$(SYSCONFDIR)/fail2ban/action.d/mxgw.conf \
		$(DESTDIR)$(SYSCONFDIR)/fail2ban/action.d/mxgw-ssh.conf \
		$(DESTDIR)$(SYSCONFDIR)/fail2ban/jail.d/mxgw.conf \
		$(DESTDIR)$(SYSCONFDIR)/keepalived/mxgw-notify

$(BUILD)/bench/bench_prog: $(BUILD)/obj/tests/bench/bench_prog.o $(BUILD)/obj/tests/bpf/testbed.o \
		$(addprefix $(BUILD)/,$(LIBS))
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $^ $(LDLIBS) -lcmocka -lpthread -o $@

# test_refusal loads it from next to itself: a program the verifier
# accepts and one it refuses.
$(BUILD)/tests/refused.bpf.o: tests/bpf/refused.bpf.c
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/tests/test_refusal: | $(BUILD)/tests/refused.bpf.o

# The e2e tests attach it to the far end of a veth that gets XDP_TX
# frames (tests/e2e/xdp_pass.bpf.c says why).
E2E_BPF := $(BUILD)/tests/xdp_pass.bpf.o

$(E2E_BPF): tests/e2e/xdp_pass.bpf.c
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# The SYN flood generator of tests/e2e/mail/test_synflood_mail.sh.
E2E_TOOLS := $(BUILD)/tests/synflood_gen

$(E2E_TOOLS): $(BUILD)/tests/%: tests/e2e/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $< -o $@

# make bench, part 2: the generator, the sink and the reference forwarder
# (BPF, embedded through skeletons) and the end-to-end driver.
BENCH_BPF  := gen sink fwd rxtime
BENCH_OBJS := $(patsubst %,$(BUILD)/bench/%.bpf.o,$(BENCH_BPF))
BENCH_SKEL := $(patsubst %,$(BUILD)/bench/%.skel.h,$(BENCH_BPF))

$(BENCH_OBJS): $(BUILD)/bench/%.bpf.o: tests/bench/%.bpf.c tests/bench/bench_frame.h bpf/csum.bpf.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Itests/bench -c $< -o $@

$(BENCH_SKEL): $(BUILD)/bench/%.skel.h: $(BUILD)/bench/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name bench_$* > $@

$(BUILD)/obj/tests/bench/bench_e2e.o: | $(BENCH_SKEL)

$(BUILD)/bench/bench_e2e: $(BUILD)/obj/tests/bench/bench_e2e.o $(BUILD)/obj/tests/bpf/testbed.o \
		$(addprefix $(BUILD)/,$(LIBS))
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $^ $(LDLIBS) -lcmocka -lpthread -o $@

# bench_e2e on a kernel that runs live frames as if it refused them
# (docs/BENCHMARKS.md, "When live frames are refused").
$(BUILD)/bench/refuse_live.so: tests/bench/refuse_live.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -shared -fPIC $< -ldl -o $@

# Reports, never passes or fails on speed: see docs/BENCHMARKS.md.
bench: check-deps all $(BUILD)/bench/bench_prog $(BUILD)/bench/bench_e2e
	$(Q)BUILD=$(BUILD) tests/bench/run.sh

# The mail test bed's servers and clients: their own script, which keeps
# them from becoming services of the host.
MAIL_DEPS := tests/e2e/mail/deps.sh

# The first thing a new user runs: the table tried with real mail software.
# make demo DEMO_ARGS=--keep leaves the test bed up for exploring.
demo: check-deps all
	$(Q)tests/e2e/mail/demo.sh $(DEMO_ARGS)

check-deps:
	@$(MAIL_DEPS)
	@missing=""; for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then echo "  DEPS    missing:$$missing"; $(MAKE) --no-print-directory deps; fi

deps:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEPS)
	$(MAIL_DEPS)

test: check-deps
	$(Q)$(MAKE) --no-print-directory all $(TESTS) $(E2E_BPF) $(E2E_TOOLS)
	$(Q)tests/run.sh $(TESTS) $(E2E_TESTS) $(SCRIPT_TESTS)

# Checks that need neither root nor BPF: every shell script through
# shellcheck, and the unit tests built and run under ASan+UBSan.
check: check-deps
	$(Q)$(MAKE) --no-print-directory $(CHECK_TARGETS)

check-scripts:
	$(call msg,SHCHECK,$(words $(SCRIPTS)) scripts)
	$(Q)shellcheck -x $(SCRIPTS)

check-unit-san: $(SAN_TESTS)
	$(Q)ASAN_OPTIONS=halt_on_error=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 tests/run.sh $(SAN_TESTS)

# The host's kernel, and under qemu Debian 12's stock kernel (6.1) and
# Debian 13's (6.12) (tests/kernels/README.md).  KERNELS="host default
# trixie linux-image-..." picks.
KERNELS      ?= host default trixie
KERNEL_TESTS := $(BUILD)/tests/test_xdp $(BUILD)/tests/test_tc $(BUILD)/tests/test_conntrack \
		$(BUILD)/tests/test_maps $(BUILD)/tests/test_fuzz $(BUILD)/tests/test_clock \
		$(BUILD)/tests/test_refusal $(BUILD)/tests/test_xdp6 $(BUILD)/tests/test_tc6 \
		$(BUILD)/tests/test_ban $(BUILD)/tests/test_blocklist $(BUILD)/tests/test_limit \
		$(BUILD)/tests/test_synflood $(BUILD)/tests/test_lan_fast $(BUILD)/tests/test_upgrade
KERNEL_E2E   := tests/e2e/test_inbound.sh tests/e2e/test_log.sh tests/e2e/test_hostile.sh \
		tests/e2e/test_inbound6.sh tests/e2e/test_hostile6.sh tests/e2e/test_xdp_share.sh \
		tests/e2e/test_lan_fast.sh

test-kernels: check-deps
	$(Q)$(MAKE) --no-print-directory all $(KERNEL_TESTS) $(E2E_BPF)
	$(Q)tests/kernels/run.sh $(KERNELS) -- $(KERNEL_TESTS) $(KERNEL_E2E)

# The shipped unit run by a real systemd, booted in systemd-nspawn
# (tests/systemd/test_unit.sh; its packages: bash tests/systemd/deps.sh;
# the container's root is cached in $(BUILD)/systemd/).
.PHONY: test-flood
test-flood: check-deps
	$(Q)$(MAKE) --no-print-directory all $(E2E_BPF) $(E2E_TOOLS)
	$(Q)tests/run.sh $(FLOOD_TESTS)

.PHONY: test-systemd
test-systemd: check-deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/run.sh tests/systemd/test_unit.sh

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/obj/*/*.d $(BUILD)/obj/*/*/*.d $(ASAN)/obj/*/*.d $(ASAN)/obj/*/*/*.d)
