# segloss: the commands a developer and CI run. `make test` is what CI runs.

GO ?= go
PYTHON ?= /usr/bin/python3

.PHONY: test vet fmt-check unit purego race golden bench-run

# Every check CI runs: formatting, vet for amd64 and arm64, the whole test
# suite (every kernel tier this CPU runs), and the pure-Go build.
test: fmt-check vet unit purego race

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

# Regenerate testdata/golden.json.gz with PyTorch (Debian's python3-torch).
golden:
	$(PYTHON) testdata/golden.py

# The README's first command: every loss's value and throughput.
bench-run:
	$(GO) run ./bench
