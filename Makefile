# agent-fcgi — the two commands the README promises: `make run` and `make test`.
SWIFT ?= swift
DATA ?= ./data

.PHONY: deps local-llm mcp-servers openai-client build release test run bench fuzz clean

deps:
	./scripts/install-deps

# The local default model (SmolLM2-135M via xllamacpp) in ./.venv-llm. Without it the
# conformance tests skip, so a failed install is reported but does not stop the build.
local-llm: deps
	./scripts/local-llm install || echo "make: local-llm install failed; local model tests will be skipped" >&2

# The MCP servers the tests run (mcp-server-time, mcp-server-git, the `mcp` SDK for the fixture)
# in ./.venv-mcp. The MCP tests need them, so a failed install stops `make test`.
mcp-servers: deps
	./scripts/mcp-servers install

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# Everything: unit tests, end-to-end tests behind real nginx and lighttpd. Two passes: the
# AgentCore tests watch tokens arrive on the cooperative pool, which end-to-end tests (waiting on
# processes and sockets) would otherwise starve on a 2-core machine.
# The official `openai` Python client (pinned, in ./.venv-openai) for the /v1 end-to-end tests;
# without PyPI those tests are skipped, so a failed install is reported but does not stop the run.
openai-client:
	./scripts/openai-client --install || echo "make: openai client install failed; the /v1 client tests will be skipped" >&2

test: deps local-llm mcp-servers openai-client
	$(SWIFT) build --build-tests
	$(SWIFT) test --filter AgentCoreTests
	AGENT_FCGI_BIN=$$($(SWIFT) build --show-bin-path)/agent-fcgi $(SWIFT) test --skip AgentCoreTests
	$(MAKE) fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS)

# libFuzzer over the FastCGI guard's record validation (Fuzz/FastCGIParser): built apart from the
# package, in its own scratch directory, with ASan; runs FUZZ_SECONDS and fails on any finding
# (the input is saved as $(FUZZ_DIR)/crash-*; libFuzzer, not the Swift backtracer, reports it).
# The corpus in $(FUZZ_DIR)/corpus grows across runs. Linked with lld: Debian's default gold prints
# a warning for each of ASan's local report symbols.
FUZZ_SECONDS ?= 60
TEST_FUZZ_SECONDS ?= 15
FUZZ_DIR ?= .build-fuzz
FUZZ_SWIFTC ?= $(dir $(shell command -v $(SWIFT)))swiftc
FUZZ_SOURCES = Sources/AgentFCGI/FastCGI/FastCGIRecord.swift Sources/AgentFCGI/FastCGI/FastCGIRequestParser.swift \
	Fuzz/FastCGIParser/FuzzEntry.swift

$(FUZZ_DIR)/fastcgi-parser-fuzz: $(FUZZ_SOURCES)
	mkdir -p $(FUZZ_DIR)
	$(FUZZ_SWIFTC) -parse-as-library -O -g -sanitize=fuzzer,address -use-ld=lld $(FUZZ_SOURCES) -o $@

fuzz: $(FUZZ_DIR)/fastcgi-parser-fuzz
	python3 Fuzz/FastCGIParser/make-seeds.py $(FUZZ_DIR)/corpus
	SWIFT_BACKTRACE=enable=no $(FUZZ_DIR)/fastcgi-parser-fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=5 -rss_limit_mb=2048 \
		-max_len=70000 -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/ $(FUZZ_DIR)/corpus

run: release
	./scripts/run-stack --data $(DATA)

bench: release
	./scripts/bench

clean:
	rm -rf .build $(FUZZ_DIR)
