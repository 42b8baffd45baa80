"""`make bench`: runs every scenario with the contenders interleaved, writes results JSON, the
report (docs/BENCHMARKS.md) and the plots (docs/bench/*.png). BENCH_QUICK=1: a ~3 minute smoke run."""
import datetime
import json
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import agent_adapter  # noqa: E402
import report  # noqa: E402
import scenarios  # noqa: E402
from stack import Stack, build  # noqa: E402


def main() -> int:
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    only = [s for s in os.environ.get("BENCH_ONLY", "").split(",") if s]
    cfg = scenarios.Settings(quick)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    out_dir = os.path.join(repo, "bench-out")
    os.makedirs(out_dir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="agent-fcgi-bench-")
    started = time.monotonic()

    def log(message: str) -> None:
        line = f"[{time.monotonic() - started:6.0f}s] {message}"
        print(line, flush=True)
        with open(os.path.join(out_dir, "bench.log"), "a") as f:
            f.write(line + "\n")

    # TERM/HUP end the run through the `finally` below, so every started process is stopped.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(1))
    tools = build(repo, work)
    stack = Stack(repo, work, tools, with_agent=True)
    if not stack.with_agent:
        log("agent-fcgi is not built: running the other contenders only")
    rows: list[dict] = []
    previous = os.path.join(out_dir, "results.json")
    prior_meta: dict = {}
    if only and os.environ.get("BENCH_MERGE") == "1" and os.path.exists(previous):
        # Re-run some scenarios and keep the others' rows from the last run (the report says so).
        with open(previous) as f:
            old = json.load(f)
        rows = [r for r in old["rows"] if r["scenario"] not in only]
        prior_meta = old["meta"]
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "quick": quick, "rounds": cfg.rounds, "work": work,
            # Merging needs an earlier run to merge into; without one this is a partial run.
            "merged": bool(prior_meta)}
    if meta["merged"]:
        # Merges accumulate: the report names every scenario re-run since the full run.
        rerun = list(dict.fromkeys(prior_meta.get("rerun", []) + only))
        meta.update(rerun=rerun, rerun_rounds=cfg.rounds, rounds=prior_meta["rounds"], date=prior_meta["date"],
                    minutes_before=prior_meta.get("minutes", 0))
    try:
        stack.start()
        log(f"contenders up: {', '.join(stack.contenders())} (work dir {work})")
        plan = [("health", lambda: scenarios.health(stack, cfg, log)),
                ("query", lambda: scenarios.query(stack, cfg, log)),
                ("streaming", lambda: scenarios.streaming(stack, cfg, log)),
                ("slow-tokens", lambda: scenarios.slow_tokens(stack, cfg, log)),
                ("held", lambda: scenarios.held(stack, cfg, log)),
                ("sessions", lambda: scenarios.sessions(stack, cfg, log, agent_adapter)),
                ("store", lambda: scenarios.store(stack, cfg, log))]
        for name, run in plan:
            if only and name not in only:
                continue
            try:
                rows += run()
            except Exception:  # noqa: BLE001 - one broken scenario must not lose the others' results
                log(f"scenario {name} failed:\n{traceback.format_exc()}")
                meta.setdefault("failed", []).append(name)
            with open(os.path.join(out_dir, "results.json"), "w") as f:
                json.dump({"meta": meta, "rows": rows}, f, indent=1)
    finally:
        stack.stop()
        logs = os.path.join(out_dir, "logs")
        os.makedirs(logs, exist_ok=True)
        for name in os.listdir(work):
            if name.endswith(".log") or name.endswith(".conf") or name.endswith(".yaml"):
                shutil.copy(os.path.join(work, name), logs)
        shutil.rmtree(work, ignore_errors=True)
    meta["minutes"] = (time.monotonic() - started) / 60
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump({"meta": meta, "rows": rows}, f, indent=1)
    if os.environ.get("BENCH_REPORT", "1") == "0":
        # A targeted run (one scenario, a busy machine): rows only, the report stays as it was.
        log(f"done in {meta['minutes']:.1f} min: bench-out/results.json (BENCH_REPORT=0: report not written)")
        return 0
    report.write(repo, meta, rows)
    log(f"done in {meta['minutes']:.1f} min: docs/BENCHMARKS.md, docs/bench/*.png, bench-out/results.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
