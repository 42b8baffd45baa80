"""ADAPTER: everything the bench knows about agent-fcgi itself. Nothing else in the driver does.

When agent-fcgi's flags, config keys or nginx conf change, this is the only file to touch.
"""
import os
import shutil
import urllib.request

from procs import Service

# agent-fcgi's build product; `make bench` builds release first.
CANDIDATES = [os.environ.get("AGENT_FCGI_BIN", ""), ".build/release/agent-fcgi"]
# Worker threads are agent-fcgi's ceiling on concurrent streams: size them for the 4,000-stream ramp.
WORKERS = int(os.environ.get("BENCH_AGENT_WORKERS", "4200"))
# The sessions scenario runs at agent-fcgi's default `server.workers`, where issue 14 states its
# memory goal: a worker that has served requests keeps its touched stack and glibc's cache of
# freed blocks (20-40 KiB), and the kernel hands new connections to the longest-idle worker, so
# with WORKERS that per-worker cost, not the sessions, would dominate (bench/notes.md).
SESSIONS_WORKERS = int(os.environ.get("BENCH_SESSIONS_WORKERS", "256"))
# The held-stream ramp goes to 10,000 streams (issue 18): one worker each, plus room for the rest.
HELD_WORKERS = int(os.environ.get("BENCH_HELD_WORKERS", "10200"))


def binary(repo: str) -> str | None:
    for candidate in CANDIDATES:
        path = candidate if os.path.isabs(candidate) else os.path.join(repo, candidate)
        if candidate and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def config_text(fake_port: int, data_dir: str, postgres_url: str | None = None) -> str:
    """conf/agent-fcgi.yaml's keys; everything not named keeps the shipped default. With
    `postgres_url`, the store is PostgreSQL (storage.backend: postgresql) instead of SQLite."""
    storage = (f"  backend: postgresql\n  url: {postgres_url}\n" if postgres_url
               else f"  path: {store_path(data_dir)}\n")
    return f"""# written by the benchmark driver
model:
  provider: openai
  base_url: http://127.0.0.1:{fake_port}/v1
  name: fake
  api_key_env: OPENAI_API_KEY
tools:
  builtin: [calculator]
sessions:
  # Hold every bench session in memory (the RSS-per-session scenario needs them all resident).
  max_sessions: 250000
  session_timeout_minutes: 1440
storage:
{storage}logging:
  level: warning
"""


def start(repo: str, workdir: str, fake_port: int, data_dir: str, name: str = "agent-fcgi",
          workers: int = WORKERS, postgres_url: str | None = None) -> Service:
    """Starts agent-fcgi on a unix socket; the caller waits for /health through nginx."""
    path = binary(repo)
    if path is None:
        raise FileNotFoundError("agent-fcgi binary not built")
    os.makedirs(data_dir, exist_ok=True)
    config = os.path.join(workdir, f"{name}.yaml")
    with open(config, "w") as f:
        f.write(config_text(fake_port, data_dir, postgres_url))
    socket_path = os.path.join(workdir, f"{name}.sock")
    env = dict(os.environ, OPENAI_API_KEY="bench")
    argv = [path, "--socket", socket_path, "--workers", str(workers)]
    # Pass only the flags this build knows (an older responder-only build has no --config).
    known = _help(path)
    for flag, value in (("--config", config), ("--log-level", "warning")):
        if flag in known:
            argv += [flag, value]
    return Service(name, argv, os.path.join(workdir, f"{name}.log"), env=env)


def _help(path: str) -> str:
    import subprocess
    try:
        return subprocess.run([path, "--help"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


def socket_path(workdir: str, name: str = "agent-fcgi") -> str:
    return os.path.join(workdir, f"{name}.sock")


def nginx_server_block(repo: str, port: int, workdir: str, name: str = "agent-fcgi") -> str:
    """agent-fcgi's own shipped nginx conf, placeholders filled, as users would deploy it."""
    conf = os.environ.get("BENCH_AGENT_NGINX_CONF") or os.path.join(repo, "conf", "nginx-fastcgi.conf")
    with open(conf) as f:
        text = f.read()
    webroot = os.path.join(repo, "web") if os.path.isdir(os.path.join(repo, "web")) else workdir
    if name != "agent-fcgi":
        # A second responder in the same nginx needs an upstream of its own name.
        text = text.replace("agent_fcgi", name.replace("-", "_"))
    return (text.replace("@PORT@", str(port)).replace("@SOCKET@", socket_path(workdir, name))
            .replace("@WEBROOT@", webroot))


def snapshot_step_latency(nginx_port: int, metric: str = "agent_store_commit_duration_seconds") -> dict | None:
    """Snapshot write latency per step, from one of agent-fcgi's Prometheus histograms if it
    exports it: `agent_store_commit_duration_seconds` (as the session waits, its task's wake-up
    included) or `agent_store_write_duration_seconds` (inside the store: queue and transaction)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{nginx_port}/metrics", timeout=5) as r:
            text = r.read().decode()
    except Exception:  # noqa: BLE001 - no metrics endpoint: report n/a
        return None
    buckets, total, count = [], 0.0, 0
    for line in text.splitlines():
        name = line.split("{")[0].split(" ")[0]
        if line.startswith("#") or not name.startswith(metric):
            continue
        if name.endswith("_bucket") and 'le="' in line:
            le = line.split('le="')[1].split('"')[0]
            buckets.append((float("inf") if le == "+Inf" else float(le), float(line.rsplit(" ", 1)[1])))
        elif name.endswith("_sum"):
            total += float(line.rsplit(" ", 1)[1])
        elif name.endswith("_count"):
            count += int(float(line.rsplit(" ", 1)[1]))
    if not count:
        return None
    buckets.sort()

    def quantile(q):
        for le, c in buckets:
            if c >= q * count:
                return le
        return None
    return {"count": count, "mean_ms": total / count * 1000, "p50_le_ms": _ms(quantile(0.5)),
            "p99_le_ms": _ms(quantile(0.99)), "p90_le_ms": _ms(quantile(0.9)),
            "cumulative": [[_ms(le), c] for le, c in buckets if le != float("inf")]}


def _ms(seconds):
    return None if seconds is None else seconds * 1000


def copy_store(src_dir: str, dst_dir: str) -> None:
    shutil.copytree(src_dir, dst_dir, dirs_exist_ok=True)


def store_path(data_dir: str) -> str:
    return os.path.join(data_dir, "agent-fcgi.sqlite")


def grow_store(data_dir: str, prefix: str, copies: int) -> int:
    """Adds `copies` copies of every stored session whose id starts with `prefix` (ids
    `<id>-c<k>`), rows and history and events alike, straight in SQLite: 100k sessions through the
    API would take longer than the whole bench. Run only while agent-fcgi is stopped.
    Returns the number of sessions stored afterwards."""
    import sqlite3
    db = sqlite3.connect(store_path(data_dir))
    try:
        keyed = {"sessions": "id", "messages": "session_id", "events": "session_id"}
        columns = {t: [row[1] for row in db.execute(f"PRAGMA table_info({t})")] for t in keyed}
        with db:
            for k in range(1, copies + 1):
                for table, key in keyed.items():
                    cols = columns[table]
                    select = ", ".join(f"{key} || '-c{k}'" if c == key else c for c in cols)
                    db.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} FROM {table} "
                               f"WHERE {key} LIKE ? AND {key} NOT LIKE '%-c%'", (prefix + "%",))
        return db.execute("SELECT count(*) FROM sessions").fetchone()[0]
    finally:
        db.close()


def start_postgres(repo: str, workdir: str) -> tuple[str, str]:
    """A throwaway PostgreSQL cluster for the agent-fcgi-pg contender, durable (fsync on, like a
    real server), on a unix socket only; returns its directory and the store's URL."""
    import subprocess
    import tempfile
    script = os.path.join(repo, "scripts", "pg-test-cluster")
    # Its own top-level directory: the postgres user must be able to reach it.
    cluster = tempfile.mkdtemp(prefix="agent-bench-pg-")
    env = dict(os.environ, PG_TEST_CLUSTER_DURABLE="1")
    subprocess.run([script, "start", cluster, str(os.getpid())], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run([script, "createdb", cluster, "bench"], check=True, stdout=subprocess.DEVNULL)
    return cluster, f"postgresql:///bench?host={cluster}&user=postgres"


def stop_postgres(repo: str, cluster: str) -> None:
    import subprocess
    subprocess.run([os.path.join(repo, "scripts", "pg-test-cluster"), "stop", cluster], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
