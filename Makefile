# agent-fcgi — the two commands the README promises: `make run` and `make test`.
SWIFT ?= swift
DATA ?= ./data

.PHONY: deps build release test run bench clean

deps:
	./scripts/install-deps

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# Everything: unit tests, end-to-end tests behind real nginx and lighttpd.
test: deps
	$(SWIFT) build --build-tests
	AGENT_FCGI_BIN=$$($(SWIFT) build --show-bin-path)/agent-fcgi $(SWIFT) test

run: release
	./scripts/run-stack --data $(DATA)

bench: release
	./scripts/bench

clean:
	rm -rf .build
