"""Process accounting from /proc, ports, and waiting for things to come up."""
import os
import socket
import subprocess
import time
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_map() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            tree.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError):
            continue
    return tree


def tree(pid: int) -> list[int]:
    """pid and all its descendants (uvicorn workers, nginx workers)."""
    kids = children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime
        except OSError:
            continue
    return total


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def http_ok(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status == 200
    except Exception:  # noqa: BLE001 - not up yet
        return False


def wait_until(check, what: str, seconds: float = 60.0, step: float = 0.05) -> float:
    """Polls `check` until true; returns the seconds it took. Bounded: raises after `seconds`."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if check():
            return time.monotonic() - start
        time.sleep(step)
    raise RuntimeError(f"{what} did not come up within {seconds:.0f} s")


class Service:
    """A started process we own; stop() ends it and its children."""

    def __init__(self, name: str, argv: list[str], log_path: str, env: dict | None = None, cwd: str | None = None):
        self.name = name
        self.argv = argv
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                     start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def pids(self) -> list[int]:
        return tree(self.proc.pid)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, grace: float = 5.0) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 15)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, 9)
                except ProcessLookupError:
                    pass
                # Thousands of threads on a loaded machine can take more than a few seconds to go.
                self.proc.wait(60)
        self.log.close()
