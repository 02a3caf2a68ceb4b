"""Error reporting: Sentry (or a Sentry-compatible service such as GlitchTip), off by default.

Called from the settings only when SENTRY_DSN is set; sentry-sdk is then imported, so a
site without the optional "sentry" extra never needs it. Reports carry the request id
that is also in the logs and the X-Request-ID header.
"""

import logging
import os

logger = logging.getLogger(__name__)


def _tag_request_id(event, hint):
    from newsportal.request_id import current_request_id

    request_id = current_request_id()
    if request_id != "-":
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def init_error_reporting(dsn, environment="production"):
    """Start the Sentry SDK; returns False (and logs why) when it cannot."""
    try:
        import sentry_sdk
        from sentry_sdk.integrations.django import DjangoIntegration
    except ImportError:
        logger.warning("SENTRY_DSN is set but sentry-sdk is not installed: pip install .[sentry]")
        return False
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=os.environ.get("RELEASE") or None,
        integrations=[DjangoIntegration()],
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        # Readers' addresses and cookies are personal data: never sent.
        send_default_pii=False,
        before_send=_tag_request_id,
    )
    return True
