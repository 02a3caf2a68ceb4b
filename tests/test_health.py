"""/healthz says the process answers; /readyz that the database and the cache do too."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from newsportal import health
from newsportal.cache import ResilientRedisCache


def test_healthz_answers_without_touching_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_checks_database_and_cache(client, db, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["cache"]["ok"] is True
    assert "no-cache" in response["Cache-Control"]


def test_readyz_reports_an_unreachable_database_with_503(client, db):
    def refuse(self):
        raise OperationalError("connection refused")

    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", refuse):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {
        "ok": False,
        "ms": body["checks"]["database"]["ms"],
        "error": "OperationalError",
    }


def test_readyz_reports_an_unreachable_cache_with_503(client, db, monkeypatch):
    dead = ResilientRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"retry_interval": 60}})
    monkeypatch.setattr(health, "cache", dead)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False
    assert response.json()["checks"]["database"]["ok"] is True


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_only_answer_reads(client, db, path):
    assert client.head(path).status_code == 200
    assert client.post(path).status_code == 405
