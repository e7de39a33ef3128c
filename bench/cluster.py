"""A multi-server installation on this machine: N gunicorn app servers on free loopback ports and one job consumer
(``flask jobs-worker``), all on one PostgreSQL database and one Redis, as deploy/README.md describes for N hosts.
Used by tests/test_two_servers.py and bench/load.py.

Each process gets the environment a host of deploy/ would have: the same SECRET_KEY, DATABASE_URL and REDIS_URL,
JOBS_CONSUMER=separate, one SHARED_FOLDER standing for the directory every host mounts, and an INSTANCE_PATH of its
own (``<base>/host1`` …), so nothing is shared that two hosts would not share.
"""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, database_url, redis_url, shared_folder, secret_key, servers=2, workers=2, threads=4,
                 log_folder=None, extra_env=None):
        self.env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, SECRET_KEY=secret_key,
                        SHARED_FOLDER=str(shared_folder), JOBS_CONSUMER="separate", **(extra_env or {}))
        for name in ("JOBS_IMMEDIATE", "JOBS_STORE", "JOBS_FOLDER", "IMPORTS_FOLDER", "ATTACHMENTS_FOLDER"):
            self.env.pop(name, None)
        self.n, self.workers, self.threads = servers, workers, threads
        self.logs = Path(log_folder or shared_folder)
        self.logs.mkdir(parents=True, exist_ok=True)
        self.procs, self.ports, self._files = [], [], []

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.ports]

    def _spawn(self, name, args):
        # Output to a file: a child holding our stdout open would keep a pipe reader waiting forever.
        out = open(self.logs / f"{name}.log", "w")
        self._files.append(out)
        env = dict(self.env, INSTANCE_PATH=str(self.logs / f"host-{name}"))
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs.append((name, proc))
        return proc

    def start(self):
        try:
            for i in range(self.n):
                port = free_port()
                self.ports.append(port)
                self._spawn(f"app{i + 1}", [
                    str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(self.workers),
                    "--worker-class", "gthread", "--threads", str(self.threads), "--log-level", "warning",
                    "app:create_app()"])
            self._spawn("consumer", [str(BIN / "flask"), "--app", "app", "jobs-worker"])
            for url in self.urls:
                self._wait(url)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait(self, url, seconds=120):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url + "/login", timeout=30).read()
                return
            except OSError:  # refused while binding, or a timeout while the workers import the app
                for name, proc in self.procs:
                    if proc.poll() is not None:
                        raise RuntimeError(f"{name} exited with {proc.returncode}: "
                                           f"{(self.logs / f'{name}.log').read_text()[-3000:]}")
                time.sleep(0.3)
        raise RuntimeError(f"{url} not ready within {seconds} s")

    def alive(self) -> dict:
        return {name: proc.poll() is None for name, proc in self.procs}

    def stop(self):
        """SIGTERM to each process group we started (gunicorn's master and workers, the consumer), then SIGKILL
        to what is left after 30 s."""
        for _, proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for _, proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for f in self._files:
            f.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
