"""gunicorn and nginx started for a benchmark run, on free loopback ports, stopped by pid.

`Gunicorn` runs the shipped deploy/gunicorn.conf.py in production settings (a throwaway
secret key, loopback hosts, no HTTPS redirect). `nginx_config()` turns the shipped
deploy/nginx.conf into a runnable config: its caching server block listening on a
loopback port over plain HTTP, with the cache, logs and includes in a temporary
directory; everything else (cache rules, proxy headers, buffers) is kept as shipped.
"""

import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NGINX = "/usr/sbin/nginx"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url, timeout=10):
    """(status, headers, body) of a GET, without raising on HTTP errors."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback http
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_until_up(url, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if fetch(url, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up in {timeout} s")


def memory_kb(pid):
    """{"rss_kb", "pss_kb"}: resident, and proportional (shared pages split) memory."""
    values = {}
    for name, key in (("status", "VmRSS:"), ("smaps_rollup", "Pss:")):
        try:
            for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
                if line.startswith(key):
                    values["rss_kb" if key == "VmRSS:" else "pss_kb"] = int(line.split()[1])
                    break
        except OSError:
            pass
    return values


def process_cpu(pids):
    """User + system CPU seconds used so far by these processes (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def children(pid):
    """The process's direct children (a server master's workers)."""
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def production_env(database_url, settings_module, port, redis_url="", workers=2):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
    env.pop("DATABASE_REPLICA_URLS", None)
    env |= {
        "DJANGO_ENV": "production",
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": f"bench-{secrets.token_hex(4)}",
        "RATE_LIMITS_ENABLED": "0",  # all load comes from one address
        "LOG_LEVEL": "WARNING",
        "GUNICORN_LOG_LEVEL": "warning",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "PYTHONPATH": str(REPO),
    }
    return env


def collectstatic(env):
    """Production serves hashed static files from a manifest, which collectstatic writes."""
    subprocess.run(  # noqa: S603 - our interpreter, our manage.py
        [str(REPO / ".venv/bin/python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=REPO, env=env, check=True, timeout=300,
    )  # fmt: skip


class Gunicorn:
    def __init__(self, env, log_path, app="newsportal.wsgi"):
        self.env, self.log_path, self.app = env, log_path, app
        self.port = int(env["GUNICORN_BIND"].rsplit(":", 1)[1])
        self.process = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our gunicorn, our config
                [str(REPO / ".venv/bin/gunicorn"), "-c", "deploy/gunicorn.conf.py", self.app],
                cwd=REPO, env=self.env, stdout=log, stderr=log,
            )  # fmt: skip
        try:
            wait_until_up(f"{self.base}/healthz")
        except RuntimeError:
            self.__exit__()
            raise
        return self

    def workers(self):
        return children(self.process.pid)

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- nginx with the shipped configuration -------------------------------------------


def _blocks(text, opener):
    """(start, end) of each top-level block whose header matches `opener` (a regex)."""
    spans = []
    for match in re.finditer(opener, text, flags=re.MULTILINE):
        depth, i, quote = 0, match.end() - 1, None
        while i < len(text):
            char = text[i]
            if quote:
                quote = None if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char == "#":
                i = text.find("\n", i)
                if i < 0:
                    break
            elif char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    spans.append((match.start(), i + 1))
                    break
            i += 1
    return spans


def nginx_config(shipped, app_port, listen_port, workdir):
    """A runnable nginx.conf around the shipped http-level file (see the module doc)."""
    text = re.sub(r"proxy_cache_path\s+\S+", f"proxy_cache_path {workdir}/cache", shipped)
    text = re.sub(
        r"(upstream\s+\w+\s*\{[^}]*?server\s+)[\w.:\[\]]+", rf"\g<1>127.0.0.1:{app_port}", text
    )
    text = re.sub(
        r"include\s+\S*newsportal_proxy\.conf;",
        f"include {REPO}/deploy/newsportal_proxy.conf;",
        text,
    )
    text = re.sub(r"access_log\s+/\S+", f"access_log {workdir}/access.log", text)
    servers = _blocks(text, r"^\s*server\s*\{")
    caching = [span for span in servers if "proxy_cache " in text[span[0] : span[1]]]
    if not caching:
        raise RuntimeError("deploy/nginx.conf has no server block with proxy_cache")
    start, end = caching[0]
    block = text[start:end]
    block = re.sub(r"^\s*(listen|ssl_\w+|http2)\b[^;]*;[^\n]*\n", "", block, flags=re.MULTILINE)
    block = block.replace("{", f"{{\n    listen 127.0.0.1:{listen_port};", 1)
    # Everything outside server blocks, plus the caching server block only.
    kept, position = "", 0
    for server_start, server_end in servers:
        kept += text[position:server_start] + (block if server_start == start else "")
        position = server_end
    kept += text[position:]
    body = "    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
    return standalone_config(workdir, body + kept)


def standalone_config(workdir, http_body):
    """A whole nginx.conf with its pid, error log and temp files in `workdir`."""
    temp = Path(workdir) / "tmp"
    return f"""
worker_processes auto;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    sendfile on; tcp_nopush on; tcp_nodelay on;
    keepalive_timeout 65; keepalive_requests 1000000;
    client_body_temp_path {temp}/body; proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fcgi; uwsgi_temp_path {temp}/uwsgi; scgi_temp_path {temp}/scgi;
{http_body}
}}
"""


class Nginx:
    def __init__(self, app_port, workdir, shipped=None):
        self.workdir = Path(workdir)
        self.port = free_port()
        self.app_port = app_port
        self.process = None
        # The text of deploy/nginx.conf, or a variant of it (bench.nginx_cost).
        self.shipped = shipped

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        for sub in ("cache", "tmp"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        # nginx workers run as nobody: they must reach and write the cache in our temp dir.
        for directory in (self.workdir.parent, self.workdir):
            os.chmod(directory, 0o755)  # noqa: S103
        for sub in ("cache", "tmp"):
            os.chmod(self.workdir / sub, 0o777)  # noqa: S103
        shipped = self.shipped or (REPO / "deploy/nginx.conf").read_text(encoding="utf-8")
        conf = self.workdir / "nginx.conf"
        conf.write_text(nginx_config(shipped, self.app_port, self.port, self.workdir))
        args = [NGINX, "-p", str(self.workdir), "-c", str(conf), "-g", "daemon off;"]
        subprocess.run([*args[:-2], "-t", "-q", *args[-2:]], check=True, timeout=30)  # noqa: S603
        with open(self.workdir / "stderr.log", "wb") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=log)  # noqa: S603
        try:
            wait_until_up(f"{self.base}/healthz")
        except RuntimeError:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
