# tests/bench/suite.mk — `make bench`: sandboxrun warm and cold against plain
# python3, bubblewrap, firejail and gVisor on the same scripts; writes bench/results.md
# (overwritten each run, ~20 minutes on 2 cores). Not part of `make test`:
# the benchmark is where timed numbers live. See bench/README.md.
# bench/session_jupyter.py (sessions beside Jupyter kernels) adds ~3 minutes,
# bench/containers.py (pods of containers/k8s, root only) ~3 more.
# bench-deps: the test packages and the benchmark's own (tools/install-deps.sh).
#
#   make bench                          the full run
#   make bench BENCH_ARGS=--quick       a few repetitions, to try the driver

BENCH_ARGS ?=

bench-deps:
	@tools/install-deps.sh bench

bench: bench-deps
	$(MAKE) all
	/usr/bin/python3 bench/bench.py $(BENCH_ARGS)
	/usr/bin/python3 bench/agentcore.py
	/usr/bin/python3 bench/session_start.py
	/usr/bin/python3 bench/session_jupyter.py
	/usr/bin/python3 bench/containers.py

.PHONY: bench bench-deps
