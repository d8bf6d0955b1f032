# tests/fuzz/suite.mk — libFuzzer harnesses (clang 14 + libclang-rt-14-dev) for
# the parsers that eat untrusted bytes: the stdout block extractor, the
# seccomp policy parser, the result-record writer, and the AgentCore router
# with its event-stream encoder; built with ASan+UBSan.
#
#   make fuzz                 run each harness FUZZ_SECONDS (default 60) from
#                             the seed corpus in tests/fuzz/corpus/NAME
#   make fuzz FUZZ_SECONDS=10
#   make fuzz-build           just build $(B)/fuzz/fuzz_NAME
#
# New inputs libFuzzer finds go to $(B)/fuzz/corpus/NAME (not into git);
# crashes to $(B)/fuzz/artifacts/. A crash that was fixed gets its input
# copied to tests/fuzz/regressions/NAME-*, which tests/fuzz/run replays.

FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_B       := $(B)/fuzz
FUZZ_NAMES   := blocks policy record agentcore
FUZZ_BINS    := $(FUZZ_NAMES:%=$(FUZZ_B)/fuzz_%)
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Werror=declaration-after-statement \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
                -Icommon $(SANDBOX_INC) $(call pkg_cflags,libseccomp libcjson)
FUZZ_LIBS    := $(call pkg_libs,libseccomp libcjson)
FUZZ_COMMON  := common/sr_buf.c common/sr_utf8.c common/sr_io.c common/sr_log.c common/sr_status.c common/sr_tty.c

$(FUZZ_B)/fuzz_blocks: tests/fuzz/fuzz_blocks.c sandbox/run/sb_blocks.c $(FUZZ_COMMON)
	@mkdir -p $(FUZZ_B)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ $(FUZZ_LIBS)
$(FUZZ_B)/fuzz_policy: tests/fuzz/fuzz_policy.c sandbox/jail/sb_policy.c sandbox/jail/sb_seccomp.c $(FUZZ_COMMON)
	@mkdir -p $(FUZZ_B)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ $(FUZZ_LIBS)
$(FUZZ_B)/fuzz_record: tests/fuzz/fuzz_record.c sandbox/run/sb_record.c sandbox/run/sb_blocks.c $(FUZZ_COMMON)
	@mkdir -p $(FUZZ_B)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ $(FUZZ_LIBS)

# the AgentCore router and event-stream encoder: the agent side's objects without main()
FUZZ_AGENT_SRC := $(filter-out agent/cli/ag_main.c agent/service/ag_http_main.c agent/run/ag_transfer.c agent/transfer/%,\
                    $(wildcard agent/*/*.c)) $(wildcard common/*.c)
$(FUZZ_B)/fuzz_agentcore: tests/fuzz/fuzz_agentcore.c $(FUZZ_AGENT_SRC)
	@mkdir -p $(FUZZ_B)
	$(FUZZ_CC) $(filter-out $(SANDBOX_INC),$(FUZZ_CFLAGS)) $(AGENT_INC) $(call pkg_cflags,$(AGENT_PKGS)) \
	    -DSR_LIBEXECDIR='"$(LIBEXECDIR)"' -DSR_DATADIR='"$(DATADIR)"' -o $@ $^ $(call pkg_libs,$(AGENT_PKGS)) -lpthread

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_B=$(FUZZ_B) tests/fuzz/run

.PHONY: fuzz fuzz-build
