"""Read replicas against a real streaming replica (newsportal.db_router, replica_middleware).

The module starts its own PostgreSQL primary and a streaming replica (pg_basebackup) in a
temporary directory on spare loopback ports, as the postgres OS user, and never touches
the shared cluster. Both are registered as extra database aliases; the router is pointed
at them with DATABASE_PRIMARY_ALIAS / DATABASE_REPLICAS. Pausing WAL replay on the replica
makes it observably stale, which is how each test tells where a read went.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from django.db import connections
from django.http import JsonResponse
from django.test import Client
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from articles.models import Tag
from newsportal import db_router
from newsportal.replica_middleware import PIN_COOKIE

PRIMARY, REPLICA = "rt_primary", "rt_replica"


@csrf_exempt
@never_cache
def tag_names(request):
    """GET lists the tag names this request can see; POST adds one."""
    if request.method == "POST":
        Tag.objects.create(name=request.POST["name"], slug=uuid.uuid4().hex)
    return JsonResponse({"names": sorted(Tag.objects.values_list("name", flat=True))})


urlpatterns = [path("tags/", tag_names)]


# --- the throwaway clusters ------------------------------------------------------------


def _bin_dir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    return Path(found[-1]).parent if found else None


def _version(path):
    return int(Path(path).parts[4]) if Path(path).parts[4].isdigit() else 0


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Clusters:
    """A primary and its streaming replica, run as the postgres user."""

    def __init__(self, bin_dir, root):
        self.bin, self.root = bin_dir, Path(root)
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.primary_port, self.replica_port = _free_port(), _free_port()

    def run(self, tool, *args):
        command = [*self.as_postgres, str(self.bin / tool), *map(str, args)]
        subprocess.run(command, check=True, capture_output=True, timeout=60)  # noqa: S603

    def start(self, name):
        data = self.root / name
        self.run("pg_ctl", "-D", data, "-l", self.root / f"{name}.log", "-w", "-t", "30", "start")

    def stop(self, name):
        self.run("pg_ctl", "-D", self.root / name, "-m", "fast", "-w", "stop")

    def create(self):
        primary, replica = self.root / "primary", self.root / "replica"
        self.run("initdb", "-D", primary, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                 "--locale=C", "--no-sync")  # fmt: skip
        settings = (
            f"port = {self.primary_port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.root}'\nfsync = off\nshared_buffers = 16MB\n"
            "wal_level = replica\nmax_wal_senders = 4\n"
        )
        self._append(primary / "postgresql.conf", settings)
        self.start("primary")
        self.run("pg_basebackup", "-h", "127.0.0.1", "-p", self.primary_port, "-U", "postgres",
                 "-D", replica, "-R", "-X", "stream", "-c", "fast", "--no-sync")  # fmt: skip
        self._append(replica / "postgresql.conf", f"port = {self.replica_port}\n")
        self.start("replica")

    def _append(self, conf, text):
        with open(conf, "a", encoding="utf-8") as handle:
            handle.write(text)

    def destroy(self):
        for name in ("replica", "primary"):
            if (self.root / name / "postmaster.pid").exists():
                subprocess.run(  # noqa: S603 - fixed arguments
                    [*self.as_postgres, str(self.bin / "pg_ctl"), "-D", str(self.root / name),
                     "-m", "immediate", "stop"],
                    capture_output=True, timeout=60,
                )  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)


def _alias_settings(port):
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "postgres",
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "ATOMIC_REQUESTS": False,
        "AUTOCOMMIT": True,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "OPTIONS": {"connect_timeout": 2},
        "TIME_ZONE": None,
        "TEST": {
            "CHARSET": None,
            "COLLATION": None,
            "MIGRATE": False,
            "MIRROR": None,
            "NAME": None,
        },
    }


@pytest.fixture(scope="module")
def clusters(django_db_blocker):
    bin_dir = _bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root needs runuser to start PostgreSQL as postgres")
    try:
        postgres = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("no postgres OS user to run the test clusters")
    root = tempfile.mkdtemp(prefix="np-replicas-")
    os.chown(root, postgres.pw_uid, postgres.pw_gid)
    made = Clusters(bin_dir, root)
    try:
        made.create()
        connections.settings[PRIMARY] = _alias_settings(made.primary_port)
        connections.settings[REPLICA] = _alias_settings(made.replica_port)
        with django_db_blocker.unblock():
            with connections[PRIMARY].schema_editor() as editor:
                editor.create_model(Tag)
            Tag.objects.using(PRIMARY).create(name="甲", slug="jia")
            _wait_for(lambda: Tag.objects.using(REPLICA).filter(name="甲").exists())
            yield made
    finally:
        for alias in (PRIMARY, REPLICA):
            if alias in connections.settings:
                connections[alias].close()
                del connections[alias]
                del connections.settings[alias]
        made.destroy()


def _wait_for(condition, timeout=30):
    """Poll until `condition()` is true; replication is asynchronous."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except Exception:  # the replica may still be starting
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def _replica(sql):
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


@pytest.fixture
def routed(clusters, settings, django_db_blocker):
    """The router pointed at the test clusters, replay running, health checked afresh."""
    settings.ROOT_URLCONF = __name__
    settings.MIDDLEWARE = ["newsportal.replica_middleware.ReplicaMiddleware"]
    settings.DATABASE_ROUTERS = ["newsportal.db_router.ReplicaRouter"]
    settings.DATABASE_PRIMARY_ALIAS = PRIMARY
    settings.DATABASE_REPLICAS = [REPLICA]
    settings.DATABASE_REPLICA_MAX_LAG = 3600
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0
    db_router.health.forget()
    with django_db_blocker.unblock():
        if _replica("SELECT pg_is_wal_replay_paused()"):
            _replica("SELECT pg_wal_replay_resume()::text")
        yield clusters
        if _replica("SELECT pg_is_wal_replay_paused()"):
            _replica("SELECT pg_wal_replay_resume()::text")
    for alias in (PRIMARY, REPLICA):
        connections[alias].close()
    db_router.health.forget()


def _names(client, **extra):
    response = client.get("/tags/", **extra)
    assert response.status_code == 200
    return response.json()["names"]


# --- tests -------------------------------------------------------------------------------


def test_public_reads_use_the_replica_and_writers_read_the_primary(routed):
    """A visitor reads the (paused, stale) replica; the writer, pinned by the cookie, and an
    editor with a session read the primary and see the new row."""
    _replica("SELECT pg_wal_replay_pause()::text")
    writer = Client()
    response = writer.post("/tags/", {"name": "乙"})
    assert response.status_code == 200
    assert "乙" in response.json()["names"]  # read back in the same request: primary
    assert response.cookies[PIN_COOKIE]["max-age"]

    assert _names(Client()) == ["甲"]
    assert _names(writer) == ["乙", "甲"]
    editor = Client()
    editor.cookies["sessionid"] = "an-editor-session"
    assert _names(editor) == ["乙", "甲"]


def test_a_lagging_replica_is_skipped_until_it_catches_up(routed, settings):
    """Replay paused behind new WAL: past the allowed lag, public reads go to the primary;
    once replay resumes and catches up, they return to the replica."""
    _replica("SELECT pg_wal_replay_pause()::text")
    Tag.objects.create(name="丙", slug="bing")
    _wait_for(lambda: _replica("SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()"))
    settings.DATABASE_REPLICA_MAX_LAG = 3600
    assert "丙" not in _names(Client())  # within the allowed lag the replica still serves

    settings.DATABASE_REPLICA_MAX_LAG = 0.2
    _wait_for(lambda: not db_router.health._check(REPLICA))
    assert "丙" in _names(Client())

    _replica("SELECT pg_wal_replay_resume()::text")
    _wait_for(lambda: Tag.objects.using(REPLICA).filter(name="丙").exists())
    _wait_for(lambda: db_router.health._check(REPLICA))
    Tag.objects.create(name="丁", slug="ding")
    _wait_for(lambda: Tag.objects.using(REPLICA).filter(name="丁").exists())
    assert db_router.health.usable(REPLICA)


def test_a_replica_that_goes_away_falls_back_to_the_primary(routed, settings):
    """The replica stops while still marked healthy: the request is retried on the
    primary; later requests skip the replica; a fresh health check finds it down."""
    settings.DATABASE_REPLICA_CHECK_SECONDS = 3600
    _replica("SELECT pg_wal_replay_pause()::text")
    Tag.objects.create(name="戊", slug="wu")
    assert "戊" not in _names(Client())  # served by the replica, cached as healthy
    routed.stop("replica")
    try:
        retried = Client().get("/tags/")
        assert "戊" in retried.json()["names"]
        assert PIN_COOKIE not in retried.cookies  # a failed replica does not pin the reader
        assert db_router.health.usable(REPLICA) is False
        assert "戊" in _names(Client())
        settings.DATABASE_REPLICA_CHECK_SECONDS = 0
        assert db_router.health._check(REPLICA) is False
        assert "戊" in _names(Client())
    finally:
        connections[REPLICA].close()
        routed.start("replica")
        _wait_for(lambda: _replica("SELECT 1") == 1)


# --- the router and settings on their own --------------------------------------------


def test_outside_a_request_everything_goes_to_the_primary(settings):
    """Commands and shells never read from a replica, and writes always go to the primary."""
    settings.DATABASE_REPLICAS = ["replica1"]
    router = db_router.ReplicaRouter()
    assert router.db_for_read(Tag) == "default"
    token = db_router.begin_request(replica_allowed=True)
    try:
        assert router.db_for_write(Tag) == "default"
        assert router.db_for_read(Tag) == "default"  # this request wrote: pinned
    finally:
        db_router.end_request(token)


def test_replicas_are_never_migrated(settings):
    """Replicas get their schema from the primary's WAL."""
    settings.DATABASE_REPLICAS = ["replica1"]
    router = db_router.ReplicaRouter()
    assert router.allow_migrate("default", "articles") is True
    assert router.allow_migrate("replica1", "articles") is False


def test_replica_urls_become_database_aliases():
    """DATABASE_REPLICA_URLS adds replica1, replica2, … mirrored to default in tests."""
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.DATABASE_REPLICAS, s.DATABASES['replica2']['PORT'], "
        "s.DATABASES['replica1']['TEST']['MIRROR'], s.DATABASE_ROUTERS]))"
    )
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "newsportal.settings",
        "DATABASE_REPLICA_URLS": "postgres://u@r1:5432/np, postgres://u@r2:6543/np",
    }
    result = subprocess.run(  # noqa: S603 - our interpreter
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        '[["replica1", "replica2"], 6543, "default", ["newsportal.db_router.ReplicaRouter"]]'
    )


def test_a_pinned_writer_skips_the_shared_page_cache(rf):
    """A page cached from a lagging replica must not hide the writer's own change."""
    from articles import caching

    assert caching.PIN_COOKIE == PIN_COOKIE
    request = rf.get("/")
    assert not caching.bypasses_cache(request)
    request.COOKIES[PIN_COOKIE] = "1"
    assert caching.bypasses_cache(request)
