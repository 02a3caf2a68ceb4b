"""Request ids and JSON logs: every line of one request carries the id in X-Request-ID."""

import json
import logging
import sys

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from newsportal.errors import init_error_reporting
from newsportal.jsonlog import JsonFormatter
from newsportal.request_id import RequestIdFilter, RequestIdMiddleware

rf = RequestFactory()
logger = logging.getLogger("tests.request")


def formatted(record):
    RequestIdFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def run(request):
    seen = []

    def view(req):
        record = logger.makeRecord(
            logger.name, logging.INFO, __file__, 1, "读者打开了页面", (), None
        )
        seen.append(formatted(record))
        return HttpResponse("ok")

    response = RequestIdMiddleware(view)(request)
    return response, seen[0]


def test_each_request_gets_an_id_that_is_in_the_header_and_the_log():
    response, line = run(rf.get("/"))
    assert len(response["X-Request-ID"]) == 32
    assert line["request_id"] == response["X-Request-ID"]
    assert line["message"] == "读者打开了页面"
    assert line["level"] == "INFO"


def test_an_id_from_the_proxy_is_kept():
    response, line = run(rf.get("/", HTTP_X_REQUEST_ID="3f2a9c0b1d2e4f60"))
    assert response["X-Request-ID"] == line["request_id"] == "3f2a9c0b1d2e4f60"


@pytest.mark.parametrize("forged", ["short", "x" * 200, "abc\ndef-injected-line", "a b c d e f g"])
def test_an_id_that_is_not_an_id_is_replaced(forged):
    response, _line = run(rf.get("/", HTTP_X_REQUEST_ID=forged))
    assert response["X-Request-ID"] != forged
    assert len(response["X-Request-ID"]) == 32


def test_outside_a_request_the_id_is_a_dash():
    record = logger.makeRecord(logger.name, logging.WARNING, __file__, 1, "cron %s", ("ok",), None)
    assert formatted(record)["request_id"] == "-"


def test_django_request_log_lines_get_the_id_from_the_request():
    """Django logs 4xx after the middleware returned; the id comes from the request then."""
    request = rf.get("/missing/")
    request.request_id = "feedfacecafe0001"
    record = logger.makeRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        ("/missing/",),
        None,
        extra={"status_code": 404, "request": request},
    )
    line = formatted(record)
    assert line["request_id"] == "feedfacecafe0001"
    assert line["status_code"] == 404
    assert line["method"] == "GET"
    assert line["path"] == "/missing/"


def test_exceptions_are_kept_in_one_json_line():
    try:
        raise RuntimeError("坏了")
    except RuntimeError:
        record = logger.makeRecord(
            logger.name, logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    rendered = JsonFormatter().format(record)
    assert "\n" not in rendered
    assert "RuntimeError: 坏了" in json.loads(rendered)["exception"]


def test_error_reporting_is_off_without_the_sdk(monkeypatch, caplog):
    """SENTRY_DSN without sentry-sdk installed logs a warning instead of crashing start-up."""
    monkeypatch.setitem(sys.modules, "sentry_sdk", None)
    assert init_error_reporting("https://key@errors.example.com/1") is False
    assert "sentry-sdk is not installed" in caplog.text


def test_error_reporting_starts_sentry_without_personal_data(monkeypatch):
    import types

    calls = {}
    sdk = types.ModuleType("sentry_sdk")
    sdk.init = lambda **kwargs: calls.update(kwargs)
    integrations = types.ModuleType("sentry_sdk.integrations")
    django_integration = types.ModuleType("sentry_sdk.integrations.django")
    django_integration.DjangoIntegration = lambda: "django-integration"
    monkeypatch.setitem(sys.modules, "sentry_sdk", sdk)
    monkeypatch.setitem(sys.modules, "sentry_sdk.integrations", integrations)
    monkeypatch.setitem(sys.modules, "sentry_sdk.integrations.django", django_integration)

    assert init_error_reporting("https://key@errors.example.com/1", environment="staging")
    assert calls["dsn"] == "https://key@errors.example.com/1"
    assert calls["environment"] == "staging"
    assert calls["send_default_pii"] is False
    assert calls["integrations"] == ["django-integration"]
    event = calls["before_send"]({"message": "x"}, {})
    assert "tags" not in event  # outside a request there is no id to tag
