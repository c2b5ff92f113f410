"""A real server for the browser benchmarks: a fresh SQLite database with the demo hotels, served by gunicorn.

    with _server.demo_site("screenshots") as site:
        site.url("demo", "/en/")        # http://demo.localhost:PORT/en/

The database is bench/out/<name>.sqlite3, deleted and re-created each run (never the dev database,
whatever DATABASE_URL said). ``migrate`` and ``seed_demo`` run through ``manage.py`` in subprocesses with
DATABASE_URL pointing at it; the server is a gunicorn subprocess (its own session, so that stopping it
stops its workers) in the mode that production serves: INNKEEPER_MODE=demo with DEBUG=false, static files
from whitenoise (which finds them without collectstatic in demo mode).
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import _common

ROOT = _common.ROOT
OUT = _common.OUT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(**overrides: str) -> dict:
    """The environment of the app's subprocesses: os.environ, production-like defaults, then ``overrides``."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "innkeeper.settings"
    env.setdefault("DEBUG", "false")
    env.setdefault("RATE_LIMITS", "off")  # a benchmark is a load test from one address
    env.update(overrides)
    return env


def manage(*args: str, env: dict) -> None:
    """Run ``python manage.py ARGS`` with the same interpreter; raise with its output if it fails."""
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed ({done.returncode}):\n"
                         f"{done.stdout}{done.stderr}")


def start_server(port: int, workers: int, threads: int, log_path: Path, *, env: dict | None = None,
                 probe_path: str = "/api/openapi.json", probe_host: str | None = None,
                 timeout: float = 60) -> subprocess.Popen:
    """gunicorn (gthread) on 127.0.0.1:PORT; returns once ``probe_path`` answers 200 (as ``probe_host``)."""
    env = server_env() if env is None else env
    gunicorn = Path(sys.executable).with_name("gunicorn")
    cmd = [str(gunicorn) if gunicorn.exists() else "gunicorn", "innkeeper.wsgi:application",
           "-b", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
           "--worker-class", "gthread", "--keep-alive", "30", "--log-level", "warning"]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    proc._bench_log = log  # type: ignore[attr-defined]
    headers = {"Host": f"{probe_host}:{port}"} if probe_host else {}
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            log.close()
            raise SystemExit(f"gunicorn exited with {proc.returncode}; see {log_path}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", probe_path, headers=headers)
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(proc)
    raise SystemExit(f"gunicorn did not answer within {timeout:.0f} s; see {log_path}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # the gunicorn master we started; it stops its workers
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: the master and its workers only
            proc.wait()
    proc._bench_log.close()  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Site:
    port: int
    database: str
    debug: bool
    migrate_s: float  # manage.py migrate, including the interpreter's start
    seed_s: float  # manage.py seed_demo, likewise
    log: Path

    def url(self, hotel: str, path: str = "/") -> str:
        """The address of ``path`` on a hotel's site: http://<slug>.localhost:PORT/path."""
        return f"http://{hotel}.localhost:{self.port}{path}"


@contextmanager
def demo_site(name: str, *, workers: int = 2, threads: int = 4, debug: bool = False):
    """A fresh bench/out/<name>.sqlite3 with the demo hotels, served by gunicorn until the block ends.

    The app runs in demo mode with DEBUG off (unless ``debug``) whatever the calling environment says,
    answering every *.localhost host name.
    """
    database = _common._prepare_sqlite(name)
    env = server_env(INNKEEPER_MODE="demo", DATABASE_URL=database, DEBUG="true" if debug else "false",
                     ALLOWED_HOSTS=".localhost,localhost,127.0.0.1")
    env.pop("PLATFORM_HOSTS", None)
    t0 = time.perf_counter()
    manage("migrate", "--noinput", env=env)
    t1 = time.perf_counter()
    manage("seed_demo", env=env)
    migrate_s, seed_s = t1 - t0, time.perf_counter() - t1
    port = free_port()
    log = OUT / f"{name}-server.log"
    proc = start_server(port, workers, threads, log, env=env, probe_path="/robots.txt",
                        probe_host="demo.localhost")
    try:
        yield Site(port=port, database=database, debug=debug, migrate_s=migrate_s, seed_s=seed_s, log=log)
    finally:
        stop_server(proc)
