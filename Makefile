# SPDX-License-Identifier: GPL-2.0
# MAP_DROPPABLE, the folio-flag way: build, boot, test, trace and benchmark.
# See README.md.  Everything is built out of tree in $(CACHE).

CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/map-droppable
V ?= 0
# Kernel variants: on (base + series, CONFIG_MAP_DROPPABLE=y), off (the same
# with CONFIG_MAP_DROPPABLE=n), base (the pristine upstream VMA-based kernel).
VARIANT ?= on
VARIANTS ?= on off
FILTER ?= .
REPEAT ?= 1
MEM ?= 2048
CPUS ?= 2
NODES ?= 2
ACCEL ?= auto
# Empty: boot.sh's default (2400 s), scaled for the debug kernel.
BOOT_TIMEOUT ?=
PATCHES_DIR ?= $(CACHE)/outgoing
BENCH_RUNS ?= 11
BENCH_MIB ?= 256
BENCH_KERNELS ?=
STRESS_VARIANT ?= debug
FORCE ?=

export CACHE V VARIANT VARIANTS FILTER REPEAT MEM CPUS NODES ACCEL BOOT_TIMEOUT \
	BENCH_RUNS BENCH_MIB BENCH_KERNELS

S := kernel/scripts

.PHONY: help deps build run shell check config-off check-base check-debug stress regress static bench reclaim lint bisect \
	patches tree export docs clean distclean matrix arm64

help:
	@echo "make run          build, boot in QEMU, show droppable memory being dropped"
	@echo "make check        build, boot, run every test in the guest; N passed, N failed"
	@echo "make shell        the same guest, interactive"
	@echo "make config-off   check a CONFIG_MAP_DROPPABLE=n kernel"
	@echo "make check-base   run the suite on the pristine base kernel (expected failures)"
	@echo "make check-debug  the suite on a KASAN/lockdep/DEBUG_VM_PGFLAGS kernel (slow)"
	@echo "make stress       droppable_stress, then trinity, 10 min each, on the debug kernel"
	@echo "make regress      the base tree's mm selftests on base and ours -> docs/regress-mm.md, then matrix, static"
	@echo "make matrix       the series builds in every config (MGLRU, THP, NUMA, MEMCG off...), no new W=1 warnings -> docs/build-matrix.md"
	@echo "make static       sparse, W=1, kernel-doc, checkpatch, bpftrace -d: ours vs base -> docs/static-checks.md"
	@echo "make arm64        cross-build for arm64, boot it under QEMU (TCG), run the droppable tests"
	@echo "make bench        fault-in and drop throughput, base vs ours -> docs/benchmarks.md"
	@echo "make reclaim      what our reclaim policy costs workloads without droppable memory -> docs/reclaim-regression.md"
	@echo "make lint         checkpatch --strict on every patch of the series"
	@echo "make bisect       build the kernel after every patch of the series (~1 h)"
	@echo "make patches      mail-ready series with cover letter in PATCHES_DIR"
	@echo "make tree         git tree of the base with the series as commits (edit loop)"
	@echo "make export       write the edit tree's commits back to kernel/series"
	@echo "make docs         render docs/*.dot diagrams (graphviz)"
	@echo "make deps         install the Debian packages needed (as root)"
	@echo "variables: CACHE=$(CACHE) VARIANT=$(VARIANT) VARIANTS='$(VARIANTS)'"
	@echo "           MEM=$(MEM) CPUS=$(CPUS) NODES=$(NODES) ACCEL=$(ACCEL) FILTER=$(FILTER) V=$(V)"

deps:
	@$(S)/deps.sh

build: deps
	@$(S)/build.sh $(VARIANT) >/dev/null

run:
	@$(S)/run.sh demo

shell:
	@$(S)/run.sh shell

check:
	@$(S)/check.sh

config-off:
	@VARIANTS=off $(S)/check.sh

check-base:
	@VARIANTS=base $(S)/check.sh

check-debug:
	@VARIANTS=debug $(S)/check.sh

# STRESS_SECS, FUZZ_SECS and STRESS_LRU come from the environment.
stress:
	@VARIANT=$(STRESS_VARIANT) $(S)/stress.sh

# A run of every category records the base kernel's results for make check
# (selftests/mm-reference.tsv).
regress: deps
	@$(S)/build.sh base >/dev/null && $(S)/build.sh on >/dev/null && \
		REGRESS_REF_SAVE=$$([ -n "$$REGRESS_CATEGORIES" ] || echo $(CURDIR)/selftests/mm-reference.tsv) \
		$(S)/regress-mm.sh base on
	@$(S)/matrix.sh
	@$(S)/static.sh

# MATRIX_CELLS: the cells to run (default: all); MATRIX_FULL=1 links a full
# vmlinux in every cell (kernel/scripts/matrix.sh explains the cells).
matrix: deps
	@$(S)/matrix.sh $(MATRIX_CELLS)

static: deps
	@$(S)/build.sh base >/dev/null && $(S)/build.sh on >/dev/null && $(S)/static.sh

# Not part of check: a cold cross-build and the emulated guest are slow
# (docs/arm64.md).  ARM64_FILTER, ARM64_CPU, ARM64_TIMEOUT_SCALE come from
# the environment.
arm64: deps
	@$(S)/arm64.sh

bench:
	@$(S)/bench.sh

# RECLAIM_KERNELS, RECLAIM_SCENARIOS, RECLAIM_LRUS, RECLAIM_RUNS,
# RECLAIM_HOT_SECS, RECLAIM_TIMEOUT, RECLAIM_NOBUILD come from the
# environment (kernel/scripts/reclaim.sh).
reclaim:
	@$(S)/reclaim.sh

lint: deps
	@$(S)/lint.sh

bisect: deps
	@$(S)/bisect.sh

patches: deps
	@$(S)/patches.sh $(PATCHES_DIR)

tree: deps
	@$(S)/tree.sh $(if $(FORCE),--force)

export:
	@$(S)/export.sh

docs: $(patsubst %.dot,%.svg,$(wildcard docs/*.dot))

docs/%.svg: docs/%.dot
	@command -v dot >/dev/null || { echo "error: graphviz is missing: apt-get install graphviz" >&2; exit 1; }
	dot -Tsvg $< -o $@

clean:
	rm -rf $(CACHE)/build $(CACHE)/src $(CACHE)/run $(CACHE)/tests $(CACHE)/lint \
		$(CACHE)/bisect

distclean:
	rm -rf $(CACHE)
