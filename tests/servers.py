"""Throwaway real servers for fault tests: redis-server, a PostgreSQL cluster, gunicorn.

Each runs on a free loopback port under a temporary directory, is started and stopped by
pid from here, and never touches the shared PostgreSQL (5432) or Redis (6379). Each is a
direct child that the kernel stops if the test process dies (a killed or timed-out run
leaves no server behind). `available()` says whether the binaries are there.
"""

import ctypes
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on port {port} after {timeout} s")


try:
    # Looked up now: between fork and exec (in preexec_fn) nothing should be loaded.
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None  # not Linux: the fixtures still stop their servers


def _die_with_parent():
    """preexec_fn: have the kernel send SIGTERM when the test process goes away."""
    if _prctl is not None:
        _prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def stop_process(process, timeout=10, sig=signal.SIGTERM):
    if process is not None and process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class RedisServer:
    """redis-server without persistence; stop() and start() again on the same port."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    @staticmethod
    def available():
        return shutil.which("redis-server") is not None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments, loopback only
            [  # noqa: S607 - whichever redis-server is on PATH
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        wait_for_port(self.port)
        return self

    def stop(self):
        stop_process(self.process)

    def client(self):
        import redis

        return redis.Redis(port=self.port, socket_connect_timeout=0.5)


class PostgresCluster:
    """A private cluster (initdb) run as the postgres user when we are root."""

    def __init__(self):
        self.port = free_port()
        self.tmp = tempfile.mkdtemp(prefix="np-fault-pg-")
        self.data = os.path.join(self.tmp, "data")
        self.process = None

    @staticmethod
    def available():
        return bool(PG_BIN) and (os.geteuid() != 0 or shutil.which("runuser") is not None)

    def url(self, name="np_fault"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, *args, check=True):
        command = [os.path.join(PG_BIN[-1], args[0]), *args[1:]]
        if os.geteuid() == 0:  # postgres refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        # Fixed PostgreSQL tools from PG_BIN with our own arguments.
        return subprocess.run(  # noqa: S603
            command, check=check, capture_output=True, text=True, timeout=60
        )

    def init(self):
        if os.geteuid() == 0:
            shutil.chown(self.tmp, "postgres")
        self._run(
            "initdb",
            "-D",
            self.data,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        )
        return self

    def start(self):
        """Run the postmaster in the foreground as our child; returns once it accepts."""
        as_postgres = {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}
        log = os.open(f"{self.tmp}/log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            self.process = subprocess.Popen(  # noqa: S603 - PG_BIN's postgres, our arguments
                [
                    os.path.join(PG_BIN[-1], "postgres"),
                    "-D",
                    self.data,
                    "-p",
                    str(self.port),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    f"unix_socket_directories={self.tmp}",
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                ],
                stdout=subprocess.DEVNULL,
                stderr=log,
                preexec_fn=_die_with_parent,
                **as_postgres,
            )
        finally:
            os.close(log)  # the child has its own copy
        deadline = time.monotonic() + 30
        while (
            self._run("pg_isready", "-h", "127.0.0.1", "-p", str(self.port), check=False).returncode
            != 0
        ):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(Path(f"{self.tmp}/log").read_text()[-2000:])
            time.sleep(0.05)
        return self

    def stop(self):
        # SIGINT is PostgreSQL's "fast" shutdown: clients are disconnected, data is safe.
        stop_process(self.process, timeout=30, sig=signal.SIGINT)

    def create_database(self, name="np_fault"):
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def destroy(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


# Creates the tables straight from the models (no migrations: seconds instead of half a
# minute) and a few published articles, then prints their URLs.
PREPARE = """
import django, json
django.setup()
from django.conf import settings
from django.core.management import call_command

class NoMigrations:
    def __contains__(self, item): return True
    def __getitem__(self, item): return None

settings.MIGRATION_MODULES = NoMigrations()
call_command("migrate", run_syncdb=True, verbosity=0)
from tests.factories import ArticleFactory, AuthorFactory, CityFactory, TagFactory
region, author = CityFactory(), AuthorFactory()
tag = TagFactory(name="故障演练")
articles = [ArticleFactory(dateline_region=region, bylines=[author], tag_names=[tag.name])
            for _ in range(3)]
print(json.dumps({
    "articles": [a.get_absolute_url() for a in articles],
    "article_ids": [a.pk for a in articles],
    "region": region.get_absolute_url(), "tag": tag.get_absolute_url(),
    "author": author.get_absolute_url(),
}))
"""


def app_env(database_url, redis_url=""):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DJANGO_SETTINGS_MODULE="newsportal.settings",
        DJANGO_DEBUG="0",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="ERROR",
        LOG_FORMAT="json",
        RATE_LIMITS_ENABLED="0",
        OUTAGE_RETRY_AFTER="7",
        REDIS_RETRY_INTERVAL="1",
    )
    return env


def prepare_database(env):
    """Tables and sample articles in the database `env` points at; returns their URLs."""
    import json

    result = subprocess.run(  # noqa: S603 - our interpreter, our script
        [sys.executable, "-c", PREPARE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


class AppServer:
    """gunicorn with deploy/gunicorn.conf.py on a free port (2 workers x 2 threads)."""

    def __init__(self, env):
        self.port = free_port()
        self.env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_THREADS": "2",
            "GUNICORN_LOG_LEVEL": "warning",
        }
        self.process = None
        # Kept open for the server's lifetime (closed in stop()), read back by output().
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="np-gunicorn-", suffix=".log", delete=False
        )

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "newsportal.wsgi"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        wait_for_port(self.port)
        return self

    def stop(self):
        # SIGINT is gunicorn's quick shutdown; SIGTERM would wait for keep-alive clients.
        stop_process(self.process, sig=signal.SIGINT)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)

    def output(self):
        return Path(self.log.name).read_text(errors="replace")

    def errors(self):
        """(time, message, last line of the exception) for each error the app logged."""
        import json

        found = []
        for line in self.output().splitlines():
            if line.startswith("{"):
                entry = json.loads(line)
                exception = entry.get("exception", "").strip().splitlines() or [""]
                found.append((entry["time"], entry["message"][:60], exception[-1][:200]))
        return found

    def get(self, path, method="GET", headers=None, timeout=10):
        """(status, headers, body) without raising on 4xx/5xx."""
        # Always http://127.0.0.1:<port>, built above.
        request = urllib.request.Request(  # noqa: S310
            self.base + path, method=method, headers={"Host": "127.0.0.1", **(headers or {})}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()
