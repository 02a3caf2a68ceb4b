"""Serving: the gunicorn settings, the sample nginx site, and compressed hashed static files."""

import os
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "test-only-" + "k3J9mQ2pL8vN5wR7tY4uI1oP6aS0dF3gH8jK2lZ5" * 2,
    "DJANGO_ALLOWED_HOSTS": "example.com",
}


def production_env(**extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    return {**env, **PRODUCTION_ENV, **extra}


def test_gunicorn_workers_follow_the_core_count(monkeypatch):
    monkeypatch.delenv("GUNICORN_WORKERS", raising=False)
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
    assert config["worker_class"] == "gthread"
    assert config["preload_app"] is True


def test_gunicorn_settings_can_be_overridden_from_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:9000")
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert (config["workers"], config["bind"]) == (3, "0.0.0.0:9000")


def test_gunicorn_accepts_the_configuration():
    """gunicorn --check-config loads the settings file and the WSGI app."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--check-config",
            "-c",
            "deploy/gunicorn.conf.py",
            "newsportal.wsgi",
        ],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.skipif(not shutil.which("nginx"), reason="needs nginx (apt-get install nginx-light)")
def test_the_sample_nginx_site_is_valid(tmp_path):
    """`nginx -t` accepts deploy/nginx.conf (paths swapped for throwaway ones)."""
    subprocess.run(  # noqa: S603 - fixed arguments
        [  # noqa: S607 - the system openssl
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=example.com",
            "-keyout",
            tmp_path / "key.pem",
            "-out",
            tmp_path / "cert.pem",
        ],
        check=True,
        capture_output=True,
    )
    site = (DEPLOY / "nginx.conf").read_text()
    for old, new in {
        "/etc/letsencrypt/live/example.com/fullchain.pem": tmp_path / "cert.pem",
        "/etc/letsencrypt/live/example.com/privkey.pem": tmp_path / "key.pem",
        "/etc/nginx/newsportal_proxy.conf": DEPLOY / "newsportal_proxy.conf",
        "/var/cache/nginx/newsportal": tmp_path / "cache",
        "/var/log/nginx/": f"{tmp_path}/",
    }.items():
        assert old in site
        site = site.replace(old, str(new))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n include /etc/nginx/mime.types;\n access_log {tmp_path}/access.log;\n"
        f" client_body_temp_path {tmp_path}/body;\n proxy_temp_path {tmp_path}/proxy;\n"
        f" include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run(  # noqa: S603 - fixed arguments
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr


def test_nginx_caches_by_cache_control_and_bypasses_sessions():
    site = (DEPLOY / "nginx.conf").read_text()
    assert "proxy_cache_bypass $newsportal_skip_cache" in site
    assert "sessionid=" in site
    # Pages: no fixed lifetime, only what the app's Cache-Control says.
    assert not re.search(r"^\s*proxy_cache_valid", site.rsplit("location / {", 1)[1], re.M)
    assert "add_header X-Content-Type-Options nosniff always" in site


def test_nginx_skips_its_cache_for_the_same_cookies_as_django():
    """Staff sessions, one-off messages and the replica pin cookie, like bypasses_cache."""
    from articles.caching import PIN_COOKIE

    site = (DEPLOY / "nginx.conf").read_text()
    skip_map = site.split("map $http_cookie $newsportal_skip_cache {", 1)[1].split("}", 1)[0]
    for cookie in ("sessionid", "messages", PIN_COOKIE):
        assert f"{cookie}=" in skip_map, cookie
    assert "buffer=64k flush=1s" in site, "one access-log write a second, not one a request"


def test_collectstatic_writes_hashed_brotli_and_gzip_files(settings, tmp_path):
    """The production storage hashes and compresses every file, prose-editor's included."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    # The admin's and other apps' files take most of the time and prove nothing more.
    ignore = ["admin", "simple_history", "django_otp", "otp_totp", "axes"]
    call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=ignore)
    editor = list((tmp_path / "django_prose_editor").glob("editor.*.js"))
    assert editor, "no hashed copy of django_prose_editor/editor.js"
    assert Path(f"{editor[0]}.br").exists()
    assert Path(f"{editor[0]}.gz").exists()
    # The import map the admin renders points at the hashed files.
    from django_prose_editor.widgets import prose_editor_admin_media

    importmap = "".join(prose_editor_admin_media.render_importmap())
    assert editor[0].name in importmap
