"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py newsportal.wsgi`.

Workers default to (2 x cores) + 1, gunicorn's own advice for sync workers; each worker
runs a few threads so a slow client or a slow query does not stall the whole worker.
Every value can be overridden from the environment (GUNICORN_*), e.g. in a container
where the core count seen by Python is the host's, not the cgroup's.
"""

import multiprocessing
import os


def _int(name, default):
    return int(os.environ.get(name, default))


def _cores():
    # Respect CPU affinity / cgroup cpusets where the platform tells us about them.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return multiprocessing.cpu_count()


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("GUNICORN_WORKERS", 2 * _cores() + 1)
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
# Long enough for a large import request in the admin, short enough to free a stuck worker.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 20)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak never becomes an outage; jitter spreads it.
# A worker answers thousands of cached pages a second: recycling every 2,000 requests
# restarted each one every second under load and halved cached throughput.
max_requests = _int("GUNICORN_MAX_REQUESTS", 100_000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 10_000)
# Load the app once in the master so workers share its memory and a broken deploy
# fails at start-up rather than in every worker.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"

# Requests arriving with oversized request lines or headers are refused with a 4xx
# before Django sees them (nginx has the same limits in front).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# nginx on the same host is the only client allowed to set X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# nginx writes the access log (JSON, escaped, with the same request id); gunicorn's own
# access log is off unless GUNICORN_ACCESS_LOG names a file or "-" for stderr.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "newsportal"
