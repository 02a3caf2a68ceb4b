"""Test-wide fixtures: isolated media and cache, role users, and access to real services.

Tests that need PostgreSQL or Redis use the servers named by DATABASE_URL and REDIS_URL.
Without them such tests are skipped with a reason; with REQUIRE_SERVICES=1 (CI) a
missing server is a failure instead, so CI can never pass by skipping.
"""

import os
import uuid

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection

from articles import caching
from tests.factories import EditorFactory, ReporterFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def missing_service(reason):
    """Skip, or fail in CI, when a real server a test needs is not there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}", pytrace=False)
    pytest.skip(reason)


def clear_cache():
    """Clear only this run's keys: the Redis server may be shared with other runs."""
    if "RedisCache" in django_settings.CACHES["default"]["BACKEND"]:
        client = cache._cache.get_client(write=True)
        prefix = django_settings.CACHES["default"]["KEY_PREFIX"]
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


def pytest_configure(config):
    # A unique cache prefix per run (and per xdist worker) keeps parallel runs apart.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    django_settings.CACHES["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:8]}-{worker}"


@pytest.fixture(autouse=True)
def _isolated_media_and_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # PBKDF2 costs over a second per user on a busy CI box; tests need no real hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    clear_cache()
    caching.forget_version()  # the remembered content version belonged to the cleared cache
    yield
    clear_cache()


@pytest.fixture
def reporter(db):
    return ReporterFactory(username="reporter")


@pytest.fixture
def editor(db):
    return EditorFactory(username="editor")


@pytest.fixture
def superuser(db):
    return UserFactory(username="chief", is_superuser=True)


@pytest.fixture
def postgres(db):
    """The test database, which must be PostgreSQL for this test."""
    if connection.vendor != "postgresql":
        missing_service("needs PostgreSQL: set DATABASE_URL=postgres://...")
    return connection


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL")
    if not url:
        missing_service("needs Redis: set REDIS_URL=redis://...")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        missing_service(f"Redis at {url} is not reachable: {exc}")
    return url
