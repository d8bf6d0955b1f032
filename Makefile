# sandboxrun — a self-hosted, jailed code interpreter for data-science agents.
#
#   make            build build/sandboxrun (orchestrator) and
#                   build/sandboxrun-supervisor (jail + embedded CPython)
#   make test       install missing Debian packages (as root), build, run every test
#   make demo       install, build, run an analysis on statsmodels' co2 data in the jail
#   make install    PREFIX=/usr/local DESTDIR=
#   make image      the OCI image localhost/sandboxrun from a debootstrap root (root,
#                   podman; see containers/README.md)
#
# Two binaries on purpose: the orchestrator may hold S3 credentials and never
# runs Python; it fork+execs the supervisor with a clean environment.

PREFIX      ?= /usr/local
DESTDIR     ?=
BINDIR      := $(PREFIX)/bin
LIBEXECDIR  := $(PREFIX)/libexec/sandboxrun
DATADIR     := $(PREFIX)/share/sandboxrun
B           := build

CC          ?= cc
PKG_CONFIG  ?= pkg-config

HARDEN_CFLAGS  := -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fstack-clash-protection \
                  -fcf-protection -fPIE
HARDEN_LDFLAGS := -pie -Wl,-z,relro,-z,now,-z,noexecstack
WARN           := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wvla -Wstrict-prototypes \
                  -Wmissing-prototypes -Wdeclaration-after-statement -Wno-unused-parameter \
                  -Wno-format-truncation
OPT            ?= -O2 -g
SAN_CFLAGS     ?=
# make B=build-phases PHASES=1: per-phase timestamps of each run (sandbox/run/sb_phase.h), profiling only
PHASE_CFLAGS   := $(if $(PHASES),-DSB_PHASES)

SANDBOX_PKGS := libseccomp libcap python3-embed libcjson libcrypto
SANDBOX_EXTRA_LIBS := -lpthread
AGENT_PKGS   := libcjson libcurl libarchive libcrypto libmicrohttpd zlib
# the main binary links only these: libcurl and libarchive are in the transfer
# object, libmicrohttpd and zlib in the network service's binary
AGENT_MAIN_PKGS := libcjson
SERVICE_PKGS    := libcjson libcrypto libmicrohttpd zlib

pkg_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pkg_libs   = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

# each side is a folder of wings (sandbox/jail, agent/mcp, ...); every wing is on
# the include path, so a header is named by its file name alone
SANDBOX_WINGS := $(sort $(dir $(wildcard sandbox/*/*.c sandbox/*/*.h)))
AGENT_WINGS   := $(sort $(dir $(wildcard agent/*/*.c agent/*/*.h)))
SANDBOX_INC   := $(patsubst %/,-I%,$(SANDBOX_WINGS))
AGENT_INC     := $(patsubst %/,-I%,$(AGENT_WINGS))

BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN_CFLAGS) $(SAN_CFLAGS) $(PHASE_CFLAGS) \
               -Icommon -MMD -MP
SANDBOX_CFLAGS := $(BASE_CFLAGS) $(SANDBOX_INC) $(call pkg_cflags,$(SANDBOX_PKGS)) \
                  -DSR_DATADIR='"$(DATADIR)"'
AGENT_CFLAGS   := $(BASE_CFLAGS) $(AGENT_INC) $(call pkg_cflags,$(AGENT_PKGS)) \
                  -DSR_LIBEXECDIR='"$(LIBEXECDIR)"' -DSR_DATADIR='"$(DATADIR)"'
SANDBOX_LIBS   := $(call pkg_libs,$(SANDBOX_PKGS)) $(SANDBOX_EXTRA_LIBS)
AGENT_LIBS     := $(call pkg_libs,$(AGENT_MAIN_PKGS)) -lpthread
TRANSFER_LIBS  := $(call pkg_libs,$(AGENT_PKGS)) -lpthread
SERVICE_LIBS   := $(call pkg_libs,$(SERVICE_PKGS)) -lpthread
LDFLAGS_ALL    := $(HARDEN_LDFLAGS) $(SAN_CFLAGS)

COMMON_SRC  := $(wildcard common/*.c)
# sandbox/init is its own small static program, pid 1 of every run (sb_init.c)
INIT_SRC    := sandbox/init/sb_init.c sandbox/jail/sb_chan.c
SANDBOX_SRC := $(filter-out sandbox/init/%,$(wildcard sandbox/*/*.c))
# sandboxrun-transfer.so holds the S3 client and the archive code, loaded on
# first use (agent/run/ag_transfer.h says why): these sources go there, not
# into the main binary, which forwards to them through agent/run/ag_transfer.c.
# Unit tests link them directly.
# the CLI loads libcrypto only when it hashes (agent/run/ag_crypto.h): SigV4,
# which links it, is the service's and the transfer object's, not the CLI's
SIGV4_SRC   := agent/s3/ag_sigv4.c
TRANSFER_IMPL := agent/s3/ag_s3.c agent/s3/ag_cmd_s3.c agent/s3/ag_creds.c agent/run/ag_archive.c
TRANSFER_SRC  := $(TRANSFER_IMPL) $(SIGV4_SRC) $(wildcard agent/transfer/*.c) $(COMMON_SRC)
# `sandboxrun serve --http` execs sandboxrun-http (libexec): the network
# service and libmicrohttpd's TLS libraries stay out of every CLI start.
SERVICE_SRC := $(wildcard agent/service/*.c)
AGENT_SRC   := $(filter-out $(TRANSFER_IMPL) $(SIGV4_SRC) agent/transfer/% agent/service/%,$(wildcard agent/*/*.c))
COMMON_OBJ  := $(COMMON_SRC:%.c=$(B)/%.o)
SANDBOX_OBJ := $(SANDBOX_SRC:%.c=$(B)/%.o)
AGENT_OBJ   := $(AGENT_SRC:%.c=$(B)/%.o)
TRANSFER_OBJ := $(TRANSFER_SRC:%.c=$(B)/pic/%.o)
SERVICE_OBJ  := $(SERVICE_SRC:%.c=$(B)/%.o) $(SIGV4_SRC:%.c=$(B)/%.o)
# objects without main(), linkable into unit tests
SANDBOX_LIBOBJ := $(filter-out $(B)/sandbox/modes/sb_main.o,$(SANDBOX_OBJ))
AGENT_LIBOBJ   := $(filter-out $(B)/agent/cli/ag_main.o $(B)/agent/run/ag_transfer.o,$(AGENT_OBJ)) \
                  $(TRANSFER_IMPL:%.c=$(B)/%.o) $(filter-out $(B)/agent/service/ag_http_main.o,$(SERVICE_OBJ))

all: $(B)/sandboxrun $(B)/sandboxrun-supervisor $(B)/sandboxrun-init $(B)/sandboxrun-transfer.so $(B)/sandboxrun-http \
     scripts/.mplcache/stamp scripts/__pycache__/stamp

# matplotlib's font list, built once here instead of in every cold run (the
# jail's /tmp, its MPLCONFIGDIR, is new each run); sandboxrun_display.py
# copies it there before the script runs. Installed with the scripts.
scripts/.mplcache/stamp:
	@mkdir -p $(@D)
	@MPLCONFIGDIR=$(CURDIR)/$(@D) HOME=/nonexistent /usr/bin/python3 -c 'import matplotlib.font_manager' \
	    2>/dev/null || echo "matplotlib is not installed: no prebuilt font cache" >&2
	@touch $@

# the in-jail modules' bytecode, so that no run compiles them (the jail's
# PYTHONDONTWRITEBYTECODE keeps it from writing any): sandboxrun_display alone,
# imported by every run, took ~9 ms to compile in each. In the tree only:
# `make install` ships no bytecode caches (tests/jail checks it)
SCRIPTS_PY := $(wildcard scripts/*.py scripts/*/*.py)
scripts/__pycache__/stamp: $(SCRIPTS_PY)
	@/usr/bin/python3 -m compileall -q scripts >/dev/null
	@mkdir -p $(@D) && touch $@

$(B)/common/%.o: common/%.c
	@mkdir -p $(@D)
	$(CC) $(SANDBOX_CFLAGS) -c $< -o $@
$(B)/sandbox/%.o: sandbox/%.c
	@mkdir -p $(@D)
	$(CC) $(SANDBOX_CFLAGS) -c $< -o $@
$(B)/agent/%.o: agent/%.c
	@mkdir -p $(@D)
	$(CC) $(AGENT_CFLAGS) -c $< -o $@

# every run's pid 1 execs sandboxrun-init from beside the supervisor
$(B)/sandboxrun-supervisor: $(SANDBOX_OBJ) $(COMMON_OBJ) | $(B)/sandboxrun-init
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(SANDBOX_LIBS)
# static: its exec inside the jail maps no shared library and runs no loader;
# never sanitized (the sanitizers' runtimes do not link statically)
INIT_CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN_CFLAGS) -Icommon $(SANDBOX_INC)
$(B)/sandboxrun-init: $(INIT_SRC)
	@mkdir -p $(@D)
	$(CC) $(INIT_CFLAGS) -static-pie -Wl,-z,relro,-z,now,-z,noexecstack -o $@ $(INIT_SRC)
$(B)/sandboxrun: $(AGENT_OBJ) $(COMMON_OBJ)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(AGENT_LIBS)

$(B)/sandboxrun-http: $(filter-out $(B)/agent/cli/ag_main.o,$(AGENT_OBJ)) $(SERVICE_OBJ) $(COMMON_OBJ)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(SERVICE_LIBS)

# position-independent copies for the shared object; only its table is exported
$(B)/pic/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(AGENT_CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@
$(B)/sandboxrun-transfer.so: $(TRANSFER_OBJ)
	$(CC) -shared -Wl,-z,relro,-z,now,-z,noexecstack,-z,defs $(SAN_CFLAGS) -o $@ $^ $(TRANSFER_LIBS)

$(B)/tests:
	mkdir -p $@

# ---- unit tests: tests/unit/test_sb_*.c link the sandbox side, test_ag_*.c the agent side
UNIT_SB_SRC := $(wildcard tests/unit/test_sb_*.c)
UNIT_AG_SRC := $(wildcard tests/unit/test_ag_*.c)
UNIT_BINS   := $(UNIT_SB_SRC:tests/unit/%.c=$(B)/tests/%) $(UNIT_AG_SRC:tests/unit/%.c=$(B)/tests/%)

$(B)/tests/test_sb_%: tests/unit/test_sb_%.c $(SANDBOX_LIBOBJ) $(COMMON_OBJ) | $(B)/tests
	$(CC) $(SANDBOX_CFLAGS) -Itests/unit $(LDFLAGS_ALL) -o $@ $^ $(SANDBOX_LIBS)
$(B)/tests/test_ag_%: tests/unit/test_ag_%.c $(AGENT_LIBOBJ) $(COMMON_OBJ) | $(B)/tests
	$(CC) $(AGENT_CFLAGS) -Itests/unit $(LDFLAGS_ALL) -o $@ $^ $(TRANSFER_LIBS)

unit: $(UNIT_BINS)

deps:
	@tools/install-deps.sh build

test-deps:
	@tools/install-deps.sh test

# Each test suite is an executable that prints TAP; tests/run.sh adds them up
# and prints the closing line "N passed, N failed, N skipped".
test: test-deps
	$(MAKE) all unit
	tests/run.sh

demo: deps
	$(MAKE) all
	tools/demo.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DATADIR)/policies \
	           $(DESTDIR)$(DATADIR)/scripts
	install -m 0755 $(B)/sandboxrun $(DESTDIR)$(BINDIR)/sandboxrun
	install -m 0755 $(B)/sandboxrun-supervisor $(DESTDIR)$(LIBEXECDIR)/sandboxrun-supervisor
	install -m 0755 $(B)/sandboxrun-init $(DESTDIR)$(LIBEXECDIR)/sandboxrun-init
	install -m 0755 $(B)/sandboxrun-transfer.so $(DESTDIR)$(LIBEXECDIR)/sandboxrun-transfer.so
	install -m 0755 $(B)/sandboxrun-http $(DESTDIR)$(LIBEXECDIR)/sandboxrun-http
	install -m 0644 policies/*.policy $(DESTDIR)$(DATADIR)/policies/
	cp -R scripts/. $(DESTDIR)$(DATADIR)/scripts/
	find $(DESTDIR)$(DATADIR)/scripts -name __pycache__ -prune -exec rm -rf {} +

# the image is built from the installed tree, so it uses the default PREFIX
image: all
	containers/build-image.sh

clean:
	rm -rf $(B)

# extra targets contributed by test suites (tests/*/suite.mk)
-include $(wildcard tests/*/suite.mk)
-include $(wildcard $(B)/*/*.d $(B)/*/*/*.d $(B)/pic/*/*.d $(B)/pic/*/*/*.d)

.PHONY: all unit deps test-deps test demo install image clean
