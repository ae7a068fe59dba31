# gwe: a privilege-separated OTA update engine.  See README.md and docs/.
#
# Every program lists exactly the objects it links, so the root-owned
# installer's surface can be read off this file (docs/trusted-surface.md).

VERSION	= 0.1.0
# A plain `make` builds the programs (print-installd-objs comes first below).
.DEFAULT_GOAL := all
PREFIX	?= /usr/local
DESTDIR	?=
CC	?= cc
PKGS	= libcurl json-c libarchive libsodium libseccomp inih
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) cmocka 2>/dev/null)

WARN	= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	  -Wpointer-arith -Wformat=2 -Wno-format-nonliteral \
	  -Wno-missing-field-initializers
HARDEN	= -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
CFLAGS	?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -DGWE_VERSION=\"$(VERSION)\" $(WARN) $(HARDEN) \
	  $(CFLAGS) $(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDHARDEN = -pie -Wl,-z,relro,-z,now -Wl,--as-needed
ALL_LDFLAGS = $(LDHARDEN) $(LDFLAGS) $(EXTRA_LDFLAGS)

lib = $(shell pkg-config --libs $(1))

# Build output goes to $(O) so sanitizer builds sit beside the normal one.
O	?= build

# ---- objects, grouped by where they live ----------------------------------
# Every program names each object it links: a new file joins a program only
# when it is added here (docs/architecture.md, "Layout").
COMMON	= common/log.o common/config.o common/daemon.o common/priv.o \
	  common/safefile.o common/util.o common/text.o
IPC	= ipc/ipc_msg.o ipc/ipc_sock.o ipc/ipc_memfd.o
# What only a sender needs: connecting, making memfds, filling fields (not in gwe-installd).
IPC_SEND = ipc/ipc_connect.o ipc/ipc_memfd_copy.o ipc/ipc_sender.o
# verify/: the verification library.  The installer links SIG only.
SIG	= verify/vfy_name.o verify/vfy_sig.o
VFYLIB	= verify/vfy_archive.o verify/vfy_check.o verify/vfy_sandbox.o \
	  verify/vfy_seccomp.o common/gwe_seccomp.o verify/vfy_sig_file.o $(SIG)

NETD_OBJS = daemons/netd/netd.o daemons/netd/net_backoff.o \
	    daemons/netd/net_checkin.o daemons/netd/net_ctl.o daemons/netd/net_dl.o \
	    daemons/netd/net_http.o daemons/netd/net_order.o daemons/netd/net_parse.o \
	    daemons/netd/net_report.o daemons/netd/net_sandbox.o \
	    daemons/netd/net_seccomp.o daemons/netd/net_state.o daemons/netd/net_vfy.o \
	    common/gwe_seccomp.o \
	    $(COMMON) $(IPC) verify/vfy_name.o common/buf.o $(IPC_SEND)
VFYD_OBJS = daemons/verifyd/verifyd.o daemons/verifyd/vfyd_route.o $(VFYLIB) \
	    $(COMMON) $(IPC) $(IPC_SEND)
# The root-owned installer: keep this list short (docs/trusted-surface.md).
# It stays root, so it does without the privilege drop (common/priv.o).
INSD_OBJS = daemons/installd/installd.o daemons/installd/ins_check.o \
	    daemons/installd/ins_extract.o daemons/installd/ins_run.o \
	    daemons/installd/ins_serve.o daemons/installd/ins_state.o \
	    $(SIG) $(filter-out common/priv.o,$(COMMON)) $(IPC)
GWE_OBJS  = cli/gwe.o cli/cli_build.o cli/cli_check.o cli/cli_conf.o cli/cli_ctl.o \
	    cli/cli_info.o cli/cli_out.o cli/cli_pack.o \
	    cli/cli_status.o $(VFYLIB) \
	    $(COMMON) $(IPC) common/buf.o $(IPC_SEND)

NETD_LIBS = $(call lib,libcurl json-c libseccomp)
VFYD_LIBS = $(call lib,libarchive libsodium libseccomp inih)
INSD_LIBS = $(call lib,libarchive libsodium inih)
# Print what gwe-installd links, for the trusted-surface test.
print-installd-objs:
	@echo $(INSD_OBJS)

GWE_LIBS  = $(call lib,json-c libarchive libsodium libseccomp inih)
COMMON_LIBS = $(call lib,inih)

# Everything without a main(), for unit tests and fuzz targets.
# Only the unit tests collect files by pattern.
LIB_SRCS = $(wildcard common/*.c ipc/*.c verify/*.c daemons/installd/ins_*.c \
	   daemons/netd/net_*.c daemons/verifyd/vfyd_*.c cli/cli_*.c)
LIB_OBJS = $(patsubst %.c,%.o,$(sort $(LIB_SRCS)))
ALL_LIBS = $(call lib,$(PKGS))

PROGS	= $(O)/gwe-netd $(O)/gwe-verifyd $(O)/gwe-installd $(O)/gwe
UNIT_SRCS = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS = $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRCS))
HELPER_SRCS = $(sort $(wildcard tests/helpers/*.c))
HELPER_BINS = $(patsubst tests/helpers/%.c,$(O)/tests/%,$(HELPER_SRCS))
FUZZ_SRCS = $(sort $(wildcard tests/fuzz/fuzz_*.c))

.PHONY: all deps check check-asan fuzz fuzz-smoke install clean demo tests docs \
	analyze valgrind check-faults check-powerloss check-hostile bench bench-herd deb check-systemd
all: $(PROGS)

# ---- dependencies -------------------------------------------------------
DEBS = build-essential pkg-config clang libclang-rt-14-dev \
       libcurl4-openssl-dev libjson-c-dev libarchive-dev libsodium-dev \
       libseccomp-dev libinih-dev libcmocka-dev \
       python3 openssl curl minisign iproute2 procps \
       systemd mandoc man-db supervisor cppcheck clang-tidy valgrind strace \
       universal-ctags fuse3 libfuse3-dev

deps:
	@sh tests/deps.sh $(DEBS)

# ---- build rules ----------------------------------------------------------
$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(O)/gwe-netd: $(addprefix $(O)/,$(NETD_OBJS))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(NETD_LIBS) $(COMMON_LIBS)
$(O)/gwe-verifyd: $(addprefix $(O)/,$(VFYD_OBJS))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(VFYD_LIBS)
$(O)/gwe-installd: $(addprefix $(O)/,$(INSD_OBJS))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(INSD_LIBS)
$(O)/gwe: $(addprefix $(O)/,$(GWE_OBJS))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GWE_LIBS)

$(O)/libgwe.a: $(addprefix $(O)/,$(LIB_OBJS))
	@rm -f $@
	ar rcs $@ $^

$(O)/tests/%: tests/unit/%.c $(O)/libgwe.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(O)/libgwe.a $(ALL_LIBS) $(call lib,cmocka)
$(O)/tests/%: tests/helpers/%.c $(O)/libgwe.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(O)/libgwe.a $(ALL_LIBS)

tests: $(PROGS) $(UNIT_BINS) $(HELPER_BINS)

# ---- tests ------------------------------------------------------------------
# make check: every unit and integration test; ends with "N passed, N failed".
check: deps
	$(MAKE) tests
	@sh tests/run-tests.sh $(O)

# The same tests under AddressSanitizer + UndefinedBehaviorSanitizer.
ASAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	     -fno-sanitize-recover=all
check-asan: deps
	$(MAKE) O=build-asan CFLAGS="$(ASAN_FLAGS)" EXTRA_LDFLAGS="-fsanitize=address,undefined" \
		HARDEN="-fstack-protector-strong -fPIE" tests
	@GWE_ASAN=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 sh tests/run-tests.sh build-asan

# ---- fuzzing (libFuzzer, clang) ------------------------------------------
FUZZ_CFLAGS = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_BINS = $(patsubst tests/fuzz/%.c,build-fuzz/%,$(FUZZ_SRCS))
fuzz:
	$(MAKE) O=build-fuzz CC=clang CFLAGS="$(FUZZ_CFLAGS)" HARDEN="-fPIE" \
		EXTRA_CFLAGS="-DGWE_FUZZ" build-fuzz/libgwe.a $(FUZZ_BINS)
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/libgwe.a
	clang $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< build-fuzz/libgwe.a $(ALL_LIBS)

# Bounded runs of every fuzz target (CI); FUZZ_SECONDS each.
FUZZ_SECONDS ?= 30
fuzz-smoke: fuzz
	@sh tests/fuzz-smoke.sh build-fuzz $(FUZZ_SECONDS)

# ---- analysis --------------------------------------------------------------
# Static analysis: cppcheck and clang-tidy (.clang-tidy: the checks, and why
# each disabled one is off) over common/ ipc/ verify/ cli/ daemons/; any finding fails.
analyze: deps
	@sh tests/analyze.sh

# The unit tests, and the installer's integration test with gwe-installd,
# under valgrind memcheck (the installer test needs root, as in make check).
valgrind: deps
	$(MAKE) tests
	@sh tests/valgrind.sh $(O)

# The running engine against a hostile test platform: every misbehaviour on
# the alias read, the fetch_status write, the download and activation; a
# wrong-host certificate, no ca_file, redirects to http:// and file://, 1 MB of
# headers; 300 check-ins against a flapping platform (fd count and RSS
# steady); ENOSPC in netd's state dir.  Root; under 5 minutes on 2 cores.
check-hostile: deps
	$(MAKE) tests
	@GWE_BUILD=$(CURDIR)/$(O) timeout 600 bash tests/hostile/hostile-platform.sh

# Crash injection: SIGKILL of each daemon in each phase of an install, then
# docs/design.md invariant 5 and section 3 checked (tests/faults/check-faults.sh;
# FAULT_SEED, FAULT_KILLS, FAULT_PHASES, FAULT_BG).  About 2.5 min on 2 cores.
check-faults: deps
	$(MAKE) all
	@bash tests/faults/check-faults.sh $(O)

# Power cuts: state_dir on plfs (tests/powerloss/plfs.c, a FUSE filesystem that
# keeps only what was fsynced), a cut before each durable step of an install
# and at seeded random points (POWERLOSS_SEED, POWERLOSS_CUTS), the invariants
# of check-faults after each.  Root; under 10 minutes on 2 cores.
$(O)/tests/plfs: tests/powerloss/plfs.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(shell pkg-config --cflags fuse3) \
		-o $@ $< $(shell pkg-config --libs fuse3)
check-powerloss: deps
	$(MAKE) all $(O)/tests/plfs
	@timeout 900 bash tests/powerloss/check-powerloss.sh $(O)

# Measure it (bench/bench.sh, as root, about 14 minutes on 2 cores): the
# pipeline against curl + minisign -V + tar -xzf, memory, wire cost of a
# check-in, reaction time, verifier throughput; one table, bench/results.md.
# Then the herd (about 12 minutes more).
bench: deps
	$(MAKE) all
	@GWE_BUILD=$(CURDIR)/$(O) bash bench/bench.sh
	@GWE_BUILD=$(CURDIR)/$(O) bash bench/herd.sh

# The herd alone (bench/herd.sh, as root, under 12 minutes): 1,000 gwe-netd
# through a 5-minute platform outage; the section "The herd" of bench/results.md.
bench-herd: deps
	$(MAKE) all
	@GWE_BUILD=$(CURDIR)/$(O) bash bench/herd.sh

# ---- docs ---------------------------------------------------------------------
docs: $(O)/tests/gen_protocol_doc
	$(O)/tests/gen_protocol_doc > docs/protocol.md
	sh tests/update-line-counts.sh docs/trusted-surface.md

# ---- install --------------------------------------------------------------
MANDIR	    ?= $(PREFIX)/share/man
UNITDIR	    ?= $(PREFIX)/lib/systemd/system
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)/etc/gwe/keys \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(PREFIX)/share/gwe/supervisord \
		$(DESTDIR)/var/log/gwe
	install -m 0755 $(O)/gwe-netd $(O)/gwe-verifyd $(O)/gwe-installd $(O)/gwe \
		$(DESTDIR)$(PREFIX)/sbin/
	install -m 0644 policy/gwe.conf.example $(DESTDIR)/etc/gwe/gwe.conf.example
	install -m 0644 docs/man/gwe.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 docs/man/gwe.8 docs/man/gwe-netd.8 docs/man/gwe-verifyd.8 \
		docs/man/gwe-installd.8 $(DESTDIR)$(MANDIR)/man8/
	for u in gwe-installd.service gwe-verifyd.service gwe-netd.service gwe.target; do \
		sed 's|/usr/local/sbin/|$(PREFIX)/sbin/|g' policy/systemd/$$u \
			> $(DESTDIR)$(UNITDIR)/$$u && chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -m 0644 policy/systemd/gwe.tmpfiles $(DESTDIR)$(TMPFILESDIR)/gwe.conf
	sed 's|/usr/local/sbin/|$(PREFIX)/sbin/|g' policy/supervisord/gwe.conf \
		> $(DESTDIR)$(PREFIX)/share/gwe/supervisord/gwe.conf
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
		for u in gwe-net gwe-verify; do \
			id -u $$u >/dev/null 2>&1 || useradd --system --no-create-home \
				--home-dir /nonexistent --shell /usr/sbin/nologin $$u || exit 1; \
		done; \
	fi

# ---- the Debian package and a real systemd ----------------------------------
# make deb: $(O)/deb/gwe_$(VERSION)_<arch>.deb by dpkg-buildpackage -us -uc -b
# (debian/: this Makefile's build and install, PREFIX=/usr) on a copy of the
# tree's files in $(O)/deb/src (removed after), then lintian (errors fail).
# make check-systemd: that package in a Debian 12 container booted with
# systemd-nspawn (tests/systemd/check-systemd.sh).  Both install what they need.
DEB_TOOLS = debhelper dpkg-dev fakeroot lintian
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
DEB_FILE = $(O)/deb/gwe_$(VERSION)_$(DEB_ARCH).deb
# The tree's files: what git tracks or would (find, outside a git checkout).
DEB_SRCS = $(shell { git ls-files && git ls-files --others --exclude-standard; } 2>/dev/null || \
	     find . -path ./.git -prune -o -type f -print | sed 's|^\./||')
$(DEB_FILE): $(filter-out build%,$(wildcard $(DEB_SRCS)))
	@sh tests/deps.sh $(DEBS) $(DEB_TOOLS)
	rm -rf $(O)/deb && mkdir -p $(O)/deb/src
	@printf '%s\n' $(filter-out build%,$(wildcard $(DEB_SRCS))) | tar -cf - -T - | \
		tar -C $(O)/deb/src -xf -
	cd $(O)/deb/src && dpkg-buildpackage -us -uc -b -J2 --post-clean
	rm -rf $(O)/deb/src
deb: $(DEB_FILE)
	lintian --fail-on error --info $(O)/deb/gwe_$(VERSION)_$(DEB_ARCH).changes
check-systemd: $(DEB_FILE)
	@sh tests/deps.sh mmdebstrap systemd-container
	@GWE_BUILD=$(CURDIR)/$(O) timeout 900 bash tests/systemd/check-systemd.sh $(DEB_FILE)

# ---- demo ---------------------------------------------------------------------
# The main job on an embedded default: see demo/demo.sh.
demo: deps
	$(MAKE) all
	@bash demo/demo.sh

clean:
	rm -rf build build-asan build-fuzz

# ($(O)/deb holds make deb's own copy of the tree and its build: not ours.)
-include $(shell find $(O) build-fuzz -path '$(O)/deb' -prune -o -name '*.d' -type f -print 2>/dev/null)
