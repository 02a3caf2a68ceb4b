"""The benchmark package's own pieces that run without a database (bench/)."""

import re
import shutil
import subprocess
import time

import pytest

from bench import fake, servers
from bench.__main__ import label

HTML_TAG = re.compile(r"<[^>]+>")


def _lookups(total=1000):
    return fake.Lookups(
        regions=[(1, 1, "北京"), (2, 2, "浙江"), (3, 2, "温州")],
        writer_ids=list(range(1, 40)),
        photographer_ids=[40, 41],
        editor_ids=[42],
        tag_ids=list(range(1, 300)),
        photo_ids=[1, 2, 3],
        total=total,
        now=time.time(),
    )


def test_generated_chunks_are_reproducible_and_copy_safe():
    """The same seed and ids give the same rows, whichever process makes them, and no
    field holds a character that COPY's text format would need escaped."""
    lookups = _lookups()
    first = fake.ChunkMaker(lookups, seed=7).rows(1, 50)
    again = fake.ChunkMaker(lookups, seed=7).rows(1, 50)
    assert first == again
    columns = len(fake.ARTICLE_COLUMNS)
    for line in first["article"]:
        assert "\n" not in line
        assert len(line.split("\t")) == columns


def test_articles_look_like_wire_copy():
    """Bodies hold 800-2,000 characters of text; 1-3 writers and 3-6 tags per article."""
    rows = fake.ChunkMaker(_lookups(), seed=3).rows(1, 200)
    for line in rows["article"]:
        body = dict(zip(fake.ARTICLE_COLUMNS, line.split("\t"), strict=True))["body"]
        text = HTML_TAG.sub("", body)
        assert 800 <= len(text) <= 2000 + 400  # the last paragraph may run past the target
    writers, tags = {}, {}
    for line in rows["byline"]:
        _id, article, _author, role, _position, _published = line.split("\t")
        if role != "photographer":
            writers[article] = writers.get(article, 0) + 1
    for line in rows["tagged"]:
        article = line.split("\t")[1]
        tags[article] = tags.get(article, 0) + 1
    assert set(writers.values()) <= {1, 2, 3}
    assert set(tags.values()) <= {3, 4, 5, 6}


def test_tag_and_byline_rows_carry_their_articles_publish_time():
    """TaggedArticle and Byline.publish_at are the article's publish time (empty for drafts),
    as the site's own save paths keep them, so generated tag and author pages work."""
    rows = fake.ChunkMaker(_lookups(), seed=5).rows(1, 200)
    published = {}
    for line in rows["article"]:
        fields = dict(zip(fake.ARTICLE_COLUMNS, line.split("\t"), strict=True))
        published[fields["id"]] = fields["publish_at"]
    assert fake.NULL in published.values(), "some drafts, without a publish time"
    for line in rows["tagged"]:
        fields = dict(zip(fake.TAGGED_COLUMNS, line.split("\t"), strict=True))
        assert fields["publish_at"] == published[fields["content_object_id"]]
    for line in rows["byline"]:
        fields = dict(zip(fake.BYLINE_COLUMNS, line.split("\t"), strict=True))
        assert fields["publish_at"] == published[fields["article_id"]]


def test_publish_times_follow_ids_over_ten_years():
    """Ids follow publish time, so the table's order matches its main index."""
    lookups = _lookups(total=10_000)
    maker = fake.ChunkMaker(lookups, seed=1)
    rng = fake.random.Random(0)
    times = [maker.publish_time(pk, rng) for pk in (1, 5000, 10_000)]
    assert times == sorted(times)
    assert lookups.now - times[0] > 9.5 * 365 * 86400


@pytest.mark.parametrize(("size", "expected"), [(10_000, "10k"), (1_000_000, "1m"), (2500, "2500")])
def test_size_labels_name_the_databases(size, expected):
    assert label(size) == expected


def test_the_shipped_nginx_config_becomes_a_loopback_cache(tmp_path):
    """Only the caching server block is kept, listening on loopback over plain HTTP and
    proxying to the benchmark's gunicorn; nginx itself accepts the result."""
    shipped = (servers.REPO / "deploy/nginx.conf").read_text(encoding="utf-8")
    conf = servers.nginx_config(shipped, app_port=8123, listen_port=9123, workdir=tmp_path)
    assert "listen 127.0.0.1:9123;" in conf
    assert "server 127.0.0.1:8123" in conf
    assert "proxy_cache newsportal_pages;" in conf
    assert "ssl_certificate" not in conf
    assert "return 444" not in conf
    if not shutil.which("nginx") and not servers.Path(servers.NGINX).exists():
        pytest.skip("nginx is not installed")
    (tmp_path / "tmp").mkdir()
    path = tmp_path / "nginx.conf"
    path.write_text(conf)
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [servers.NGINX, "-t", "-q", "-p", str(tmp_path), "-c", str(path)],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
