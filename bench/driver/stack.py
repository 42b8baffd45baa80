"""Builds the bench programs and runs every contender behind one nginx, each on its own port."""
import os
import subprocess
import sys

import agent_adapter
from procs import Service, free_port, http_ok, wait_until

HEALTH_JSON = '{"status":"healthy","version":"0.1.0","active_sessions":0}'


def build(repo: str, out: str) -> dict:
    """Compiles the fake LLM, the C responder and the load client; returns their paths."""
    bench = os.path.join(repo, "bench")
    paths = {"fakellm": os.path.join(out, "fakellm"), "responder": os.path.join(out, "c-responder")}
    subprocess.run(["cc", "-O2", "-Wall", "-o", paths["fakellm"], os.path.join(bench, "fake-llm", "fakellm.c")],
                   check=True)
    subprocess.run(["cc", "-O2", "-Wall", "-o", paths["responder"], os.path.join(bench, "c-responder", "responder.c"),
                    "-lfcgi", "-lpthread"], check=True)
    client = os.path.join(bench, "loadclient")
    subprocess.run(["swift", "build", "-c", "release", "--package-path", client], check=True,
                   stdout=subprocess.DEVNULL)
    paths["loadclient"] = os.path.join(client, ".build", "release", "loadclient")
    return paths


class Stack:
    """fake LLM + C responder + uvicorn (1 and 4 workers) + agent-fcgi (if built) + one nginx."""

    def __init__(self, repo: str, work: str, tools: dict, with_agent: bool):
        self.repo, self.work, self.tools = repo, work, tools
        self.services: list[Service] = []
        self.ports: dict[str, int] = {}
        self.procs: dict[str, Service] = {}
        self.with_agent = with_agent and agent_adapter.binary(repo) is not None
        self.agent_data = os.path.join(work, "agent-data")
        # agent-fcgi on PostgreSQL: a contender of the query scenario only (BENCH_PG=0 leaves it out).
        self.with_pg = self.with_agent and os.environ.get("BENCH_PG", "1") != "0" and os.path.isdir("/usr/lib/postgresql")
        self.pg_cluster: str | None = None

    def log(self, name: str) -> str:
        return os.path.join(self.work, f"{name}.log")

    def start(self) -> None:
        self.fake_port = free_port()
        self._add("fake-llm", [self.tools["fakellm"], "-p", str(self.fake_port)])
        wait_until(lambda: _connects(self.fake_port), "fake LLM")
        self._add("c-libfcgi", [self.tools["responder"], os.path.join(self.work, "c.sock"), "4"])
        env = dict(os.environ, OPENAI_BASE_URL=f"http://127.0.0.1:{self.fake_port}/v1", OPENAI_API_KEY="bench",
                   BENCH_MODEL="fake")
        app_dir = os.path.join(self.repo, "bench", "python-server")
        uvicorn = os.path.join(os.path.dirname(sys.executable), "uvicorn")
        for name, workers in (("python-1w", 1), ("python-4w", 4)):
            self._add(name, [uvicorn, "app:app", "--uds", os.path.join(self.work, f"{name}.sock"),
                             "--workers", str(workers), "--log-level", "warning", "--no-access-log",
                             "--backlog", "8192", "--timeout-keep-alive", "75"], env=env, cwd=app_dir)
        self.python_env, self.python_dir = env, app_dir
        if self.with_agent:
            self.start_agent()
        if self.with_pg:
            self.pg_cluster, url = agent_adapter.start_postgres(self.repo, self.work)
            self._add_service(agent_adapter.start(self.repo, self.work, self.fake_port, self.agent_data + "-pg",
                                                  name="agent-fcgi-pg", postgres_url=url))
        for name in ("nginx-return", "c-libfcgi", "python-1w", "python-4w", "agent-fcgi", "agent-fcgi-pg"):
            self.ports[name] = free_port()
        self._write_nginx()
        self._add("nginx", ["nginx", "-p", self.work, "-c", os.path.join(self.work, "nginx.conf"),
                            "-e", os.path.join(self.work, "nginx-error.log")])
        for name in self.contenders() + (["agent-fcgi-pg"] if self.with_pg else []):
            wait_until(lambda n=name: http_ok(self.url(n, "/health")), name, 90)

    def start_agent(self, workers: int | None = None) -> float:
        """(Re)starts agent-fcgi; returns seconds until /health answers through nginx (if nginx runs)."""
        service = agent_adapter.start(self.repo, self.work, self.fake_port, self.agent_data,
                                      workers=workers or agent_adapter.WORKERS)
        self.services.append(service)
        self.procs["agent-fcgi"] = service
        if "agent-fcgi" in self.ports and "nginx" in self.procs:
            return wait_until(lambda: http_ok(self.url("agent-fcgi", "/health"), 0.5), "agent-fcgi", 120, 0.01)
        return 0.0

    def stop_agent(self) -> None:
        service = self.procs.pop("agent-fcgi", None)
        if service:
            service.stop(30)
            self.services.remove(service)

    def restart(self, name: str, workers: int | None = None) -> float:
        """A fresh process (no garbage from earlier scenarios); returns seconds until /health answers."""
        if name == "agent-fcgi":
            self.stop_agent()
            return self.start_agent(workers)
        service = self.procs[name]
        service.stop()
        self.services.remove(service)
        self._add(name, service.argv, env=self.python_env, cwd=self.python_dir)
        return wait_until(lambda: http_ok(self.url(name, "/health"), 0.5), name, 120, 0.01)

    def contenders(self) -> list[str]:
        names = ["nginx-return", "c-libfcgi", "python-1w", "python-4w"]
        return names + (["agent-fcgi"] if self.with_agent else [])

    def url(self, name: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}{path}"

    def server_pids(self, name: str) -> list[int]:
        service = self.procs.get(name)
        return service.pids() if service else []

    def _add(self, name: str, argv: list[str], env=None, cwd=None) -> None:
        self._add_service(Service(name, argv, self.log(name), env=env, cwd=cwd))

    def _add_service(self, service: Service) -> None:
        self.services.append(service)
        self.procs[service.name] = service

    def _write_nginx(self) -> None:
        w, p = self.work, self.ports
        user = "user root;" if os.geteuid() == 0 else ""
        proxy = """
        location / {{
            proxy_pass http://{up};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_buffering off;
            proxy_read_timeout 3600s;
        }}"""
        servers = [
            f"""server {{ listen 127.0.0.1:{p['nginx-return']};
        location / {{ default_type application/json; return 200 '{HEALTH_JSON}'; }} }}""",
            f"""server {{ listen 127.0.0.1:{p['c-libfcgi']};
        location / {{ include fastcgi_params; fastcgi_pass unix:{w}/c.sock; }} }}""",
        ]
        upstreams = []
        for name in ("python-1w", "python-4w"):
            up = name.replace("-", "_")
            upstreams.append(f"upstream {up} {{ server unix:{w}/{name}.sock; keepalive 64; }}")
            servers.append(f"server {{ listen 127.0.0.1:{p[name]};" + proxy.format(up=up) + "\n    }")
        if self.with_agent:
            servers.append(agent_adapter.nginx_server_block(self.repo, p["agent-fcgi"], w))
        if self.with_pg:
            servers.append(agent_adapter.nginx_server_block(self.repo, p["agent-fcgi-pg"], w, "agent-fcgi-pg"))
        conf = f"""{user}
worker_processes 2;
worker_rlimit_nofile 65536;
pid {w}/nginx.pid;
daemon off;
error_log {w}/nginx-error.log warn;
events {{ worker_connections 32768; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {w}/client_body;
    fastcgi_temp_path {w}/fastcgi_temp;
    proxy_temp_path {w}/proxy_temp;
    uwsgi_temp_path {w}/uwsgi_temp;
    scgi_temp_path {w}/scgi_temp;
    keepalive_requests 100000;
    {chr(10).join(upstreams)}
    {chr(10).join(servers)}
}}
"""
        with open(os.path.join(w, "nginx.conf"), "w") as f:
            f.write(conf)
        # `include fastcgi_params` in a server block resolves next to nginx.conf.
        with open("/etc/nginx/fastcgi_params") as src, open(os.path.join(w, "fastcgi_params"), "w") as dst:
            dst.write(src.read())

    def stop(self) -> None:
        for service in reversed(self.services):
            try:
                service.stop()
            except Exception as error:  # noqa: BLE001 - one stuck service must not leave the others running
                print(f"bench: stopping {service.name} failed: {error}", file=sys.stderr)
        self.services.clear()
        if self.pg_cluster:
            agent_adapter.stop_postgres(self.repo, self.pg_cluster)
            self.pg_cluster = None


def _connects(port: int) -> bool:
    import socket
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
        return True
    except OSError:
        return False
