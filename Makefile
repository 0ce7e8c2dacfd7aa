# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# mxgw: build into build/, never next to the sources.
#   make            build/mxctl (BPF objects embedded through a skeleton)
#   make test       every test (installs Debian packages first if missing)
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
LDLIBS  := -lbpf -lelf -lz

# mxctl --version and mxgw_build_info: git describe of a git checkout (a
# .git directory, or a worktree's .git file), else ctl/version.c's fallback;
# make MXGW_VERSION=1.0 (a release tarball) sets it.
MXGW_VERSION := $(if $(wildcard .git),$(shell git describe --always --dirty --tags 2>/dev/null))
# The wire formats come from the kernel's UAPI headers (Debian's
# linux-libc-dev), whose <asm/...> lives in the multiarch directory that
# clang -target bpf does not search: -idirafter, as libbpf-bootstrap does.
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	      -idirafter /usr/include/$(shell gcc -dumpmachine)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Debian 12 packages: build, run, test.
DEPS := clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool libcmocka-dev \
	make gcc pkg-config iproute2 ethtool nftables python3 python3-scapy tshark gnuplot-nox

BPF_SRC  := bpf/mxgw.bpf.c
BPF_HDRS := $(wildcard bpf/*.h) maps/mxgw_abi.h
LIB_SRC  := maps/maps.c maps/names.c maps/policy.c loader/loader.c loader/netdev.c loader/refusal.c \
	    loader/pins.c loader/replace.c loader/preflight.c loader/snapshot.c
CTL_SRC  := ctl/mxctl.c ctl/version.c ctl/json.c ctl/show.c ctl/cmd_load.c ctl/cmd_service.c ctl/cmd_status.c \
	    ctl/cmd_conntrack.c ctl/cmd_dns.c ctl/cmd_check.c ctl/advice.c ctl/conf_save.c ctl/config.c \
	    ctl/cmd_log.c ctl/cmd_stats.c ctl/prometheus.c ctl/cmd_export.c ctl/nft_export.c ctl/snapshot.c ctl/print_text.c ctl/print_json.c ctl/args.c
HDRS     := $(wildcard maps/*.h ctl/*.h loader/*.h) $(BUILD)/mxgw.skel.h

LIB_OBJ  := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC))
CTL_OBJ  := $(patsubst %.c,$(BUILD)/obj/%.o,$(CTL_SRC))
# The BPF tests and benchmarks: the library and the config parser (the
# testbed fills the maps from config text, as mxctl does).
TB_OBJ   := $(LIB_OBJ) $(BUILD)/obj/ctl/config.o

E2E_TESTS := tests/e2e/test_inbound.sh tests/e2e/test_outbound.sh tests/e2e/test_log.sh \
	     tests/e2e/test_packaging.sh tests/e2e/mail/test_mail.sh tests/e2e/test_gateway.sh \
	     tests/e2e/test_hostile.sh tests/e2e/test_lifecycle.sh

# The project's own scripts, tested without their side effects; the
# layering of the sources, and no name of ours shadowing POSIX.
SCRIPT_TESTS := tests/scripts/test_deps.sh tests/scripts/test_layers.sh \
		tests/scripts/test_posix_names.sh

TESTS := $(BUILD)/tests/test_config $(BUILD)/tests/test_dns $(BUILD)/tests/test_advice \
	 $(BUILD)/tests/test_conf_save $(BUILD)/tests/test_netdev $(BUILD)/tests/test_xdp \
	 $(BUILD)/tests/test_tc $(BUILD)/tests/test_conntrack $(BUILD)/tests/test_fuzz \
	 $(BUILD)/tests/test_maps $(BUILD)/tests/test_prometheus $(BUILD)/tests/test_nft_export \
	 $(BUILD)/tests/test_clock $(BUILD)/tests/test_refusal $(BUILD)/tests/test_args

# make install: PREFIX and DESTDIR as usual; the config goes to /etc (where
# mxctl reads it by default) and is never overwritten.
PREFIX      ?= /usr/local
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
UNITDIR     ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSCONFDIR  ?= /etc
MAN := $(BUILD)/man/mxctl.8 $(BUILD)/man/mxgw.conf.5

.PHONY: all test deps check-deps clean bench demo install uninstall test-kernels FORCE
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

$(BUILD)/obj/%.o: %.c $(HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# Rewritten only when the version changes: a new commit (or a tree that
# became dirty) rebuilds version.o and relinks, nothing else.
$(BUILD)/version.txt: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)echo '$(MXGW_VERSION)' | cmp -s - $@ 2>/dev/null || echo '$(MXGW_VERSION)' >$@

$(BUILD)/obj/ctl/version.o: ctl/version.c ctl/version.h $(BUILD)/version.txt
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(if $(MXGW_VERSION),-DMXGW_VERSION='"$(MXGW_VERSION)"') -c $< -o $@

$(BUILD)/mxctl: $(CTL_OBJ) $(LIB_OBJ)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $^ $(LDLIBS) -o $@

# The config parser and the desired-state model it fills (maps/policy.c,
# maps/names.c), without libbpf.
CONF_SRC := ctl/config.c maps/policy.c maps/names.c

$(BUILD)/tests/test_config: tests/unit/test_config.c $(CONF_SRC) $(HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -DMXGW_SHIPPED_CONF=\"$(CURDIR)/etc/mxgw.conf\" \
		tests/unit/test_config.c $(CONF_SRC) -lcmocka -o $@

# mxctl dns and check: formatters, checks, and the handlers (the test
# stubs mxctl_err and mxctl_usage); set-service --save and status.
$(BUILD)/tests/test_dns: tests/unit/test_dns.c tests/unit/unit.c ctl/cmd_dns.c ctl/advice.c $(CONF_SRC) ctl/json.c ctl/args.c $(HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -DMXGW_SHIPPED_CONF=\"$(CURDIR)/etc/mxgw.conf\" \
		tests/unit/test_dns.c tests/unit/unit.c ctl/cmd_dns.c ctl/advice.c $(CONF_SRC) ctl/json.c ctl/args.c -lcmocka -o $@

$(BUILD)/tests/test_advice: tests/unit/test_advice.c tests/unit/unit.c ctl/cmd_check.c ctl/advice.c $(CONF_SRC) ctl/json.c ctl/args.c $(HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -DMXGW_SHIPPED_CONF=\"$(CURDIR)/etc/mxgw.conf\" \
		tests/unit/test_advice.c tests/unit/unit.c ctl/cmd_check.c ctl/advice.c $(CONF_SRC) ctl/json.c ctl/args.c -lcmocka -o $@

$(BUILD)/tests/test_conf_save: tests/unit/test_conf_save.c ctl/conf_save.c $(CONF_SRC) $(HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -DMXGW_SHIPPED_CONF=\"$(CURDIR)/etc/mxgw.conf\" \
		tests/unit/test_conf_save.c ctl/conf_save.c $(CONF_SRC) -lcmocka -o $@

# mxctl's option parser, mxctl.c's messages stubbed.
$(BUILD)/tests/test_args: tests/unit/test_args.c ctl/args.c $(HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) tests/unit/test_args.c ctl/args.c -lcmocka -o $@

# (a version of its own, so the expected text does not follow git)
$(BUILD)/tests/test_prometheus: tests/unit/test_prometheus.c tests/unit/unit.c ctl/prometheus.c ctl/json.c ctl/show.c ctl/print_text.c ctl/print_json.c \
		maps/names.c ctl/version.c $(HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -DMXGW_VERSION='"1.2.3-test"' tests/unit/test_prometheus.c tests/unit/unit.c \
		ctl/prometheus.c ctl/json.c ctl/show.c ctl/print_text.c ctl/print_json.c maps/names.c ctl/version.c -lcmocka -o $@

$(BUILD)/tests/test_nft_export: tests/unit/test_nft_export.c tests/unit/unit.c ctl/nft_export.c $(CONF_SRC) $(HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -DMXGW_SHIPPED_CONF=\"$(CURDIR)/etc/mxgw.conf\" \
		tests/unit/test_nft_export.c tests/unit/unit.c ctl/nft_export.c $(CONF_SRC) -lcmocka -o $@

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
		$(DESTDIR)$(BASHCOMPDIR)/mxctl

$(BUILD)/tests/test_netdev: tests/unit/test_netdev.c loader/netdev.c $(HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) tests/unit/test_netdev.c loader/netdev.c -lcmocka -o $@

$(BUILD)/tests/test_%: tests/unit/test_%.c tests/bpf/testbed.c $(TB_OBJ) $(HDRS) $(wildcard tests/bpf/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/bpf -DMXGW_SHIPPED_CONF=\"$(CURDIR)/etc/mxgw.conf\" $< tests/bpf/testbed.c $(TB_OBJ) $(LDLIBS) -lcmocka -o $@

$(BUILD)/tests/test_%: tests/bpf/test_%.c tests/bpf/testbed.c $(TB_OBJ) $(HDRS) $(wildcard tests/bpf/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/bpf -DMXGW_SHIPPED_CONF=\"$(CURDIR)/etc/mxgw.conf\" $< tests/bpf/testbed.c $(TB_OBJ) $(LDLIBS) -lcmocka -o $@

# test_refusal loads it from next to itself: a program the verifier
# accepts and one it refuses.
$(BUILD)/tests/refused.bpf.o: tests/bpf/refused.bpf.c
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/tests/test_refusal: $(BUILD)/tests/refused.bpf.o

$(BUILD)/bench/bench_prog: tests/bench/bench_prog.c tests/bpf/testbed.c $(TB_OBJ) $(HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-missing-field-initializers -Itests/bpf \
		-DMXGW_SHIPPED_CONF=\"$(CURDIR)/etc/mxgw.conf\" $< tests/bpf/testbed.c \
		$(TB_OBJ) $(LDLIBS) -lcmocka -o $@

# make bench, part 2: the generator, the sink and the reference forwarder
# (BPF, embedded through skeletons) and the end-to-end driver.
BENCH_BPF  := gen sink fwd
BENCH_OBJS := $(patsubst %,$(BUILD)/bench/%.bpf.o,$(BENCH_BPF))
BENCH_SKEL := $(patsubst %,$(BUILD)/bench/%.skel.h,$(BENCH_BPF))

$(BENCH_OBJS): $(BUILD)/bench/%.bpf.o: tests/bench/%.bpf.c tests/bench/bench_frame.h bpf/csum.bpf.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Itests/bench -c $< -o $@

$(BENCH_SKEL): $(BUILD)/bench/%.skel.h: $(BUILD)/bench/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name bench_$* > $@

$(BUILD)/bench/bench_e2e: tests/bench/bench_e2e.c tests/bench/bench_frame.h tests/bpf/testbed.c \
		$(BENCH_SKEL) $(TB_OBJ) $(HDRS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-missing-field-initializers -Itests/bpf -Itests/bench \
		-I$(BUILD)/bench -DMXGW_SHIPPED_CONF=\"$(CURDIR)/etc/mxgw.conf\" \
		-DMXGW_BENCH_NFT=\"$(CURDIR)/tests/bench/mxgw-equivalent.nft\" \
		$< tests/bpf/testbed.c $(TB_OBJ) $(LDLIBS) -lcmocka -lpthread -o $@

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
	$(Q)$(MAKE) --no-print-directory all $(TESTS)
	$(Q)tests/run.sh $(TESTS) $(E2E_TESTS) $(SCRIPT_TESTS)

# Debian 12's stock kernel under qemu, and the host's for comparison
# (tests/kernels/README.md).  KERNELS="host default linux-image-..." picks.
KERNELS      ?= host default
KERNEL_TESTS := $(BUILD)/tests/test_xdp $(BUILD)/tests/test_tc $(BUILD)/tests/test_conntrack \
		$(BUILD)/tests/test_maps $(BUILD)/tests/test_fuzz $(BUILD)/tests/test_clock \
		$(BUILD)/tests/test_refusal
KERNEL_E2E   := tests/e2e/test_inbound.sh tests/e2e/test_log.sh tests/e2e/test_hostile.sh

test-kernels: check-deps
	$(Q)$(MAKE) --no-print-directory all $(KERNEL_TESTS)
	$(Q)tests/kernels/run.sh $(KERNELS) -- $(KERNEL_TESTS) $(KERNEL_E2E)

# The shipped unit run by a real systemd, booted in systemd-nspawn
# (tests/systemd/test_unit.sh; its packages: bash tests/systemd/deps.sh;
# the container's root is cached in $(BUILD)/systemd/).
.PHONY: test-systemd
test-systemd: check-deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/run.sh tests/systemd/test_unit.sh

clean:
	rm -rf $(BUILD)
