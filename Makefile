# The two commands of the README:
#   make run   build everything, start pvmd on its simulated default server
#              (fast timing, state in ./tmp/state) and talk to it
#   make test  the whole test suite (what .ci/run runs)
#   make deb   the Debian packages, in dist/ (scripts/deb.sh)
GO ?= go

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)

.PHONY: build run test bench deb clean man lint
# Static binaries (no cgo): the CLIs start faster without the dynamic loader.
build:
	CGO_ENABLED=0 $(GO) build -ldflags "-X github.com/novalink-project/novalink/internal/version.Version=$(VERSION)" -o bin/ ./cmd/...

# Man pages of every command, generated from the commands, in bin/man
# (man -l bin/man/man1/pvmctl.1, or MANPATH=bin/man man pvmd).
man: build
	$(GO) run ./internal/tools/gendocs -bin bin -man bin/man

# Lint with .golangci.yml and the pinned golangci-lint (v2, a Go module):
# the installed one when it is that version (go install
# github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)),
# else that version built by go run.
GOLANGCI_LINT_VERSION = v2.15.0
lint:
	@if [ "v$$(golangci-lint version --short 2>/dev/null)" = "$(GOLANGCI_LINT_VERSION)" ]; then \
		echo golangci-lint run ./...; golangci-lint run ./...; \
	else \
		echo "golangci-lint $(GOLANGCI_LINT_VERSION) is not installed: go run" >&2; \
		$(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION) run ./...; \
	fi

run: build
	./scripts/run.sh

test:
	./scripts/test.sh

bench: build
	./bench/run.sh
	./bench/pvmctl.sh

deb:
	./scripts/deb.sh

clean:
	rm -rf bin tmp dist
