# The two commands of the README:
#   make run   build everything, start pvmd on its simulated default server
#              (fast timing, state in ./tmp/state) and talk to it
#   make test  the whole test suite (what .ci/run runs)
#   make deb   the Debian packages, in dist/ (scripts/deb.sh)
GO ?= go

.PHONY: build run test bench deb clean
# Static binaries (no cgo): the CLIs start faster without the dynamic loader.
build:
	CGO_ENABLED=0 $(GO) build -o bin/ ./cmd/...

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
