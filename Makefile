# segloss: the commands a developer and CI run. `make test` is what CI runs.

GO ?= go
PYTHON ?= /usr/bin/python3

.PHONY: test vet fmt-check unit purego race golden bench-run example-test example-run example-picture example-unet-test example-unet-run example-unet-picture bench bench-compare bench-baseline generate check-generate fuzz fuzz-short test-exhaustive test-arm64 test-gen-arm64

# Every check CI runs: formatting, vet for amd64 and arm64, the whole test
# suite (every kernel tier this CPU runs), the pure-Go build, and the same
# for arm64 under qemu (test-arm64).
test: check-generate fmt-check vet unit purego race fuzz-short example-test example-unet-test test-gen-arm64 test-arm64

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	GOARCH=amd64 $(GO) vet ./...
	GOARCH=arm64 $(GO) vet ./...

unit:
	$(GO) test -count=1 ./...

purego:
	$(GO) test -count=1 -tags purego ./...

# The race detector over the parallel passes (-short keeps it under a minute).
race:
	$(GO) test -count=1 -race -short ./...

# Regenerate testdata/golden.json.gz with PyTorch (Debian's python3-torch),
# testdata/distance.json.gz with scipy and torch (python3-scipy), and the
# MONAI/SMP (peers.json.gz), per-element weight (weights.json.gz) and
# probability-input (probs.json.gz) and probability-target (soft.json.gz)
# cases.
golden:
	$(PYTHON) testdata/golden.py
	$(PYTHON) testdata/distance_golden.py
	$(PYTHON) testdata/peers_golden.py
	$(PYTHON) testdata/weights_golden.py
	$(PYTHON) testdata/probs_golden.py
	$(PYTHON) testdata/soft_golden.py

# The README's first command: every loss's value and throughput.
bench-run:
	$(GO) run ./bench

# Regenerate the assembly of asm/ with the avo generators of gen/ (their own
# module: the root never requires avo).
generate:
	$(GO) generate ./...

# Fails when a generated file in asm/ differs from what the generators write
# now (the regenerated files are left in place to be committed).
check-generate:
	@tmp=$$(mktemp -d) && cp -r asm "$$tmp/asm" && $(GO) generate ./asm/ && \
	if ! diff -r "$$tmp/asm" asm >/dev/null; then \
		diff -r "$$tmp/asm" asm | head -20; rm -rf "$$tmp"; \
		echo "asm/ is stale: the generators in gen/ write something else; commit the regenerated files"; exit 1; \
	fi; rm -rf "$$tmp"

# Every fuzz target of internal/kernels/ against the generic tier, those of
# distance/ (the weight map against its definition), and those of loss/ (the
# public API against a float64 reference): briefly in `make
# test` (a count of inputs, not a time: time-limited runs of a second or two
# sometimes end in a spurious "context deadline exceeded"), for FUZZTIME each
# with `make fuzz` (LOSS_FUZZTIME for the loss targets). fuzz-short does not
# minimize the new inputs the loss targets find (LOSS_FUZZFLAGS): that
# minimizing, not the inputs, is most of a short run's time (80 s instead of
# 6 s for 20000 inputs from an empty corpus); 100000 inputs take some 25 s.
FUZZTIME ?= 1m
LOSS_FUZZTIME ?= $(FUZZTIME)
LOSS_FUZZFLAGS ?=
FUZZ_TARGETS = $$($(GO) test -list 'Fuzz.*' ./internal/kernels/ | grep '^Fuzz')
DIST_FUZZ_TARGETS = $$($(GO) test -list 'Fuzz.*' ./distance/ | grep '^Fuzz')
LOSS_FUZZ_TARGETS = $$($(GO) test -list 'Fuzz.*' ./loss/ | grep '^Fuzz' | grep -v '^FuzzWeights$$')
# FuzzWeights runs losses on shapes up to the parallel ones, some 30 times
# slower an input than FuzzLoss: it gets its own count.
WEIGHTS_FUZZTIME ?= 2000x

fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=20000x LOSS_FUZZTIME=100000x LOSS_FUZZFLAGS='-fuzzminimizetime 0'

fuzz:
	@log=$$(mktemp); for f in $(FUZZ_TARGETS); do \
		echo "fuzz $$f ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) ./internal/kernels/ >$$log 2>&1 || { cat $$log; rm -f $$log; exit 1; }; \
	done; \
	for f in $(DIST_FUZZ_TARGETS); do \
		echo "fuzz $$f ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) ./distance/ >$$log 2>&1 || { cat $$log; rm -f $$log; exit 1; }; \
	done; \
	for f in $(LOSS_FUZZ_TARGETS); do \
		echo "fuzz $$f ($(LOSS_FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(LOSS_FUZZTIME) $(LOSS_FUZZFLAGS) ./loss/ >$$log 2>&1 || { cat $$log; rm -f $$log; exit 1; }; \
	done; \
	echo "fuzz FuzzWeights ($(WEIGHTS_FUZZTIME))"; \
	$(GO) test -run '^$$' -fuzz '^FuzzWeights$$' -fuzztime $(WEIGHTS_FUZZTIME) $(LOSS_FUZZFLAGS) ./loss/ >$$log 2>&1 || { cat $$log; rm -f $$log; exit 1; }; \
	rm -f $$log

# Exhaustive ULP sweeps of exp, log and sigmoid over every float32 of their
# domains, on every tier this CPU runs (minutes).
test-exhaustive:
	SEGLOSS_EXHAUSTIVE=1 $(GO) test -count=1 -timeout 2h -run 'TestAccuracyExhaustive|TestExpBitsExhaustive' -v ./internal/kernels/

# The worked example, a module of its own (needs gonum plot from the module
# proxy): its test trains every loss briefly and checks the model learns.
example-test:
	cd examples/train && $(GO) vet ./... && $(GO) test -count=1 ./...

example-run:
	cd examples/train && $(GO) run . -out out

# The README's picture: the example's default run, its out/curves.png copied
# over the committed examples/train/curves.png.
example-picture: example-run
	cp examples/train/out/curves.png examples/train/curves.png

# The U-Net example, a module of its own (needs gorgonia and gonum plot from
# the module proxy): vet, its tests (the network's gradient against central
# differences, segloss's gradient against gorgonia's own cross entropy, the
# border-weighted CE's gradient, the data, a 3-epoch run of every loss at
# 32x32) and the program's -smoke mode (every loss and the grid for 2 epochs
# at 32x32, the CSV files and pictures written to a temporary directory):
# 15 s here with a warm build cache, 95 s from a cold one (most of it
# compiling gorgonia, gonum and their dependencies). The full comparison
# (example-unet-run) takes 17-20 minutes on 2 cores, -quick under 2.
example-unet-test:
	cd examples/unet && $(GO) vet ./... && $(GO) test -count=1 ./... && \
	tmp=$$(mktemp -d) && $(GO) run . -smoke -q -out "$$tmp"; s=$$?; rm -rf "$$tmp"; exit $$s

example-unet-run:
	cd examples/unet && $(GO) run . -out out

# The README's pictures of the U-Net section: the full run's out/curves.png
# and out/panel.png copied over the committed ones in examples/unet/.
example-unet-picture: example-unet-run
	cp examples/unet/out/curves.png examples/unet/out/panel.png examples/unet/

# Benchmarks for regression tracking: every loss, mode, SIMD tier and
# workload, plus the rooflines (BENCH selects, BENCHSKIP leaves out the slow
# generic tier, BENCHFLAGS sizes the run; patterns match one level of the
# slash-separated names each).
BENCH ?= Loss|Roofline
BENCHSKIP ?= Loss/.*/.*/tier=generic
BENCHFLAGS ?= -count 10 -benchtime 10x

bench:
	@mkdir -p bench/out
	$(GO) test ./bench -run '^$$' -bench '$(BENCH)' -skip '$(BENCHSKIP)' $(BENCHFLAGS) -timeout 2h | tee bench/out/new.txt

# benchstat of bench/out/new.txt against bench/baseline.txt; fails when a
# benchmark is slower beyond its noise by more than 10%.
bench-compare:
	cd gen && $(GO) tool benchstat ../bench/baseline.txt ../bench/out/new.txt
	cd gen && $(GO) tool benchstat -format csv ../bench/baseline.txt ../bench/out/new.txt 2>/dev/null | (cd .. && $(GO) run ./bench/benchcheck -max 10)

bench-baseline:
	cp bench/out/new.txt bench/baseline.txt

# arm64 under emulation (Debian's qemu-user-static): vet, then the whole
# suite with every tier (neon and generic) and the pure-Go build, side by
# side, -short (the emulator runs float code some 10-50 times slower). Only
# package kernels differs under purego, so the purego run skips the loss
# tests that repeat its generic-tier subtests at length (QEMU_PUREGO_SKIP).
# A missing emulator skips, except with CI=true, where it fails.
#
# Both runs stream go test's output as it comes, each line tagged with its
# run ("arm64:", "arm64 purego:"): an "ok" line as each package finishes,
# and a failing package's whole output. ARM64_TAG is the shell loop that
# tags the lines (sh has no pipefail: each run's exit status goes through a
# file).
QEMU ?= qemu-aarch64-static
QEMU_PUREGO_SKIP ?= ^(TestZeroAllocs|TestWorkersBitIdentical|TestShardMerge)$$
ARM64_TAG = while IFS= read -r line || [ -n "$$line" ]; do printf '%s %s\n' "$$tag" "$$line"; done

test-arm64:
	@if ! command -v $(QEMU) >/dev/null 2>&1; then \
		if [ "$$CI" = true ]; then echo "test-arm64: $(QEMU) not found (apt-get install qemu-user-static)"; exit 1; fi; \
		echo "test-arm64: $(QEMU) not found, skipping the arm64 tests (apt-get install qemu-user-static)"; exit 0; \
	fi; \
	GOARCH=arm64 $(GO) vet ./... || exit 1; \
	s1=$$(mktemp); s2=$$(mktemp); \
	echo "arm64:        GOARCH=arm64 $(GO) test -count=1 -short -exec $(QEMU) ./..."; \
	echo "arm64 purego: GOARCH=arm64 $(GO) test -count=1 -short -exec $(QEMU) -tags purego -skip '$(QEMU_PUREGO_SKIP)' ./..."; \
	{ GOARCH=arm64 $(GO) test -count=1 -short -exec $(QEMU) ./... 2>&1; echo $$? >$$s1; } | \
		{ tag="arm64:       "; $(ARM64_TAG); } & p1=$$!; \
	{ GOARCH=arm64 $(GO) test -count=1 -short -exec $(QEMU) -tags purego -skip '$(QEMU_PUREGO_SKIP)' ./... 2>&1; echo $$? >$$s2; } | \
		{ tag="arm64 purego:"; $(ARM64_TAG); }; \
	wait $$p1; r1=$$(cat $$s1); r2=$$(cat $$s2); rm -f $$s1 $$s2; \
	echo "test-arm64: arm64 exit status $$r1, arm64 purego exit status $$r2"; \
	[ "$$r1" = 0 ] && [ "$$r2" = 0 ]

# The arm64 emitter's own tests (gen is a module of its own): every WORD
# decodes to its comment, every emitter function assembles to the intended
# instruction, the generated files build and vet for arm64. -v prints each
# test as it starts and ends.
test-gen-arm64:
	cd gen && $(GO) vet ./arm64/ && $(GO) test -count=1 -v ./arm64/
