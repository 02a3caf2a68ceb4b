"""The resilient Redis cache: an unreachable Redis reads as an empty cache, never an error."""

import logging

import pytest

from articles import ratelimit
from newsportal.cache import ResilientRedisCache


def dead_cache(retry_interval=60):
    # Nothing listens on port 1 of loopback: every connection is refused at once.
    return ResilientRedisCache(
        "redis://127.0.0.1:1/0",
        {
            "KEY_PREFIX": "t",
            "OPTIONS": {"socket_connect_timeout": 0.2, "retry_interval": retry_interval},
        },
    )


def test_every_operation_degrades_to_a_miss(caplog):
    cache = dead_cache()
    with caplog.at_level(logging.ERROR, logger="newsportal.cache"):
        assert cache.get("k", "default") == "default"
    cache.set("k", 1)
    assert cache.add("k", 1) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False
    assert cache.delete("k") is False
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    cache.delete_many(["a", "b"])
    assert cache.touch("k") is False
    assert cache.get_or_set("k", 5) == 5
    with pytest.raises(ValueError):
        cache.incr("counter")
    with pytest.raises(ValueError):
        cache.decr("counter")
    # One log line per outage, not one per call.
    assert len([r for r in caplog.records if r.name == "newsportal.cache"]) == 1


def test_after_a_failure_redis_is_skipped_until_the_retry_interval(monkeypatch):
    """While marked down, calls do not even try to connect (no timeout per call)."""
    cache = dead_cache(retry_interval=60)
    cache.get("k")
    assert cache.is_down()
    attempts = []
    monkeypatch.setattr(type(cache._cache), "get", lambda *a, **k: attempts.append(a))
    assert cache.get("k", "x") == "x"
    assert attempts == []


def test_it_tries_again_once_the_interval_has_passed(monkeypatch):
    cache = dead_cache(retry_interval=0)
    cache.get("k")
    monkeypatch.setattr(type(cache._cache), "get", lambda self, key, default: "back")
    assert cache.get("k") == "back"
    assert not cache.is_down()


def test_ping_says_whether_redis_answers():
    assert dead_cache().ping() is False


def test_rate_limits_fail_open_when_the_cache_is_down(monkeypatch):
    """Readers are not refused because Redis is away: the limit is simply not enforced."""
    monkeypatch.setattr(ratelimit, "cache", dead_cache())
    results = [ratelimit.hit("t", "client", 1, 60)[0] for _ in range(3)]
    assert results == [True, True, True]


@pytest.mark.redis
def test_against_a_real_redis_it_behaves_like_djangos(redis_url):
    cache = ResilientRedisCache(redis_url, {"KEY_PREFIX": "np-resilient-test"})
    cache.set("k", {"标题": 1}, 30)
    assert cache.get("k") == {"标题": 1}
    assert cache.add("k", 2) is False
    cache.set("n", 1, 30)
    assert cache.incr("n") == 2
    cache.delete_many(["k", "n"])
    assert cache.ping() is True


@pytest.mark.redis
def test_a_ping_that_finds_redis_ends_the_back_off(redis_url):
    """A readiness probe that reaches Redis puts this process's cache back in use at once."""
    cache = ResilientRedisCache(
        redis_url, {"KEY_PREFIX": "np-resilient-test", "OPTIONS": {"retry_interval": 60}}
    )
    cache._mark_down(ConnectionError("gone"))
    cache.set("k", "v", 30)
    assert cache.get("k", "skipped") == "skipped"
    assert cache.ping() is True
    assert not cache.is_down()
    cache.set("k", "v", 30)
    assert cache.get("k") == "v"
    cache.delete("k")


def test_one_redis_client_serves_every_call():
    """Django would build a client (and ~170 response callbacks) for every call."""
    cache = dead_cache()
    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=False)
