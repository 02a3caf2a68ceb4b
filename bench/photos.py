"""Photo pipeline benchmark: rendition time and memory for a 24 MP JPEG, and page weight.

    .venv/bin/python -m bench.photos [--runs 3] [--megapixels 24]

Prints (1) the time to validate, decode, normalise and write the original plus all eight
renditions of a synthetic 24-megapixel camera JPEG, by stage, median of --runs; (2) the
peak memory of doing it once, measured in a fresh child process (peak RSS above the
process's own baseline, and tracemalloc's Python-side peak); (3) the bytes a phone
downloads for an article page's photos versus the bytes of the uploads, by parsing the
real article page's <picture> markup and choosing from srcset/sizes like a browser.

Runs against a throw-away SQLite database and media directory; touches nothing else.
"""

import argparse
import atexit
import contextlib
import io
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from html.parser import HTMLParser
from pathlib import Path

WORKDIR = Path(tempfile.mkdtemp(prefix="bench-photos-"))
atexit.register(shutil.rmtree, WORKDIR, ignore_errors=True)
os.environ.update(
    DJANGO_SETTINGS_MODULE="newsportal.settings",
    DATABASE_URL=f"sqlite:///{WORKDIR / 'bench.sqlite3'}",
    MEDIA_ROOT=str(WORKDIR / "media"),
    REDIS_URL="",
    LOG_LEVEL="WARNING",
)

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from PIL import Image, ImageFilter  # noqa: E402

from articles.photos.normalise import to_display_image  # noqa: E402
from articles.photos.renditions import encode_original, encode_renditions  # noqa: E402
from articles.photos.services import photo_storage, write_files  # noqa: E402
from articles.photos.validation import inspect_upload  # noqa: E402

# Phones the page weight is reported for: (label, CSS viewport width, device pixel ratio).
WRITE_FILES = "write_files: original + renditions + storage"
PHONES = [("360 CSS px @2x (common Android)", 360, 2), ("390 CSS px @3x (iPhone)", 390, 3)]


def camera_jpeg(megapixels=24, seed=0):
    """A synthetic camera JPEG: smooth sky, structure at several scales, sensor grain, GPS."""
    width = round((megapixels * 1_000_000 * 3 / 2) ** 0.5)
    height = width * 2 // 3
    small = Image.effect_mandelbrot((width // 8, height // 8), (-2.0 + seed, -1.0, 1.0, 1.0), 120)
    base = Image.merge(
        "RGB",
        (
            small,
            Image.linear_gradient("L").resize(small.size),
            small.filter(ImageFilter.GaussianBlur(6)),
        ),
    ).resize((width, height), Image.Resampling.BICUBIC)
    # Texture at several scales (foliage, fabric, crowds) and sensor grain, so that both the
    # upload (~6-8 MB at q92, like a camera's own JPEG) and the small renditions weigh
    # about what real photos do; flat test images would make every figure look too good.
    layers = [
        Image.effect_noise((width // div, height // div), sigma).resize(
            (width, height), Image.Resampling.BICUBIC
        )
        for div, sigma in ((2, 50), (5, 70), (12, 70))
    ]
    grain = Image.effect_noise((width, height), 28)
    texture = Image.merge(
        "RGB",
        (
            Image.blend(layers[0], layers[1], 0.5),
            Image.blend(grain, layers[2], 0.5),
            Image.blend(layers[2], layers[0], 0.5),
        ),
    )
    photo = Image.blend(base, texture, 0.35)
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (30.0, 15.0, 1.5), 3: "E", 4: (120.0, 10.0, 2.0)})
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=92, exif=exif)
    return buffer.getvalue()


class Stopwatch:
    """Wall-clock and CPU seconds of a block: on a busy machine CPU time is the steadier."""

    def __init__(self, timings, stage):
        self.timings, self.stage = timings, stage

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def __exit__(self, *exc):
        wall, cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
        self.timings[self.stage] = (wall, cpu)


def run_pipeline(data):
    """One upload through every stage; returns {stage: (wall s, cpu s)} and the files."""
    from articles.photos.services import PreparedPhoto

    timings = {}
    with Stopwatch(timings, "validate + full decode"):
        inspected = inspect_upload(SimpleUploadedFile("camera.jpg", data))
    with Stopwatch(timings, "orient + sRGB + strip"):
        image = to_display_image(inspected.image)
    with Stopwatch(timings, "encode original (JPEG q92)"):
        encode_original(image, inspected.format)
    with Stopwatch(timings, "8 renditions (4 widths x WebP/JPEG)"):
        list(encode_renditions(image))
    with Stopwatch(timings, WRITE_FILES):
        files = write_files(PreparedPhoto(image, inspected.format))
    return timings, files


def memory_status(field):
    """VmRSS / VmHWM of this process in MiB (Linux). Unlike ru_maxrss, VmHWM is not
    inherited from the parent across fork+exec, so a child starts from its own baseline."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak():
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def memory_child(path, use_tracemalloc):
    """Runs in a fresh process: one upload read from `path`, peak memory printed."""
    data = Path(path).read_bytes()
    baseline = memory_status("VmRSS")
    reset_peak()
    if use_tracemalloc:
        tracemalloc.start()
    inspected = inspect_upload(SimpleUploadedFile("camera.jpg", data))
    from articles.photos.services import PreparedPhoto

    image = to_display_image(inspected.image)
    files = write_files(PreparedPhoto(image, inspected.format))
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if use_tracemalloc else 0.0
    print(f"{baseline:.1f} {memory_status('VmHWM'):.1f} {traced:.1f} {len(files.names)}")


def measure_memory(path):
    results = {}
    for use_tracemalloc in (False, True):
        output = subprocess.run(  # noqa: S603 - our own interpreter and temp file
            [sys.executable, "-m", "bench.photos", "--memory-child", str(path)]
            + (["--tracemalloc"] if use_tracemalloc else []),
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        ).stdout.split()
        results[use_tracemalloc] = [float(value) for value in output]
    return results


# --- page weight ----------------------------------------------------------------------------


class PictureParser(HTMLParser):
    """Collects each <picture>'s sources (type, srcset, sizes) and its <img>."""

    def __init__(self):
        super().__init__()
        self.pictures, self._current = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "picture":
            self._current = {"sources": [], "img": None}
        elif tag == "source" and self._current is not None:
            self._current["sources"].append(attrs)
        elif tag == "img" and self._current is not None:
            self._current["img"] = attrs

    def handle_endtag(self, tag):
        if tag == "picture" and self._current is not None:
            self.pictures.append(self._current)
            self._current = None


def slot_width(sizes, viewport):
    """The CSS pixel width a `sizes` attribute gives at this viewport (min/max-width only)."""
    for entry in (part.strip() for part in (sizes or "100vw").split(",")):
        match = re.match(r"\((min|max)-width:\s*([\d.]+)(px|em|rem)\)\s+(.+)", entry)
        if match:
            kind, amount, unit, length = match.groups()
            limit = float(amount) * (16 if unit in ("em", "rem") else 1)
            if (viewport >= limit) if kind == "min" else (viewport <= limit):
                return css_length(length, viewport)
        elif not entry.startswith("("):
            return css_length(entry, viewport)
    return viewport


def css_length(length, viewport):
    number, unit = re.match(r"([\d.]+)(vw|px|rem|em)", length.strip()).groups()
    return float(number) * {"vw": viewport / 100, "px": 1, "rem": 16, "em": 16}[unit]


def pick(srcset, needed_px):
    """Like a browser: the narrowest candidate at least `needed_px` wide, else the widest."""
    candidates = sorted(
        (int(width), url) for url, width in re.findall(r"(\S+)\s+(\d+)w", srcset or "")
    )
    for width, url in candidates:
        if width >= needed_px:
            return url
    return candidates[-1][1] if candidates else None


def media_bytes(url):
    from django.conf import settings

    return photo_storage().size(url.removeprefix(settings.MEDIA_URL))


def page_weight(uploads):
    """Upload photos, publish an article using them, parse its page, weigh what a phone loads."""
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from articles.models import Article, ArticlePhoto, Author
    from articles.photos.services import create_photo

    call_command("migrate", verbosity=0)
    photographer = Author.objects.create(name="王斌", slug="wang-bin", is_photographer=True)
    photos = [
        create_photo(
            SimpleUploadedFile(f"IMG_{n}.jpg", data),
            caption=f"基准测试图片{n}。",
            alt_text="基准测试画面",
            photographer=photographer,
        )
        for n, data in enumerate(uploads)
    ]
    article = Article.objects.create(
        title="图片基准测试稿件",
        body="".join(f"<p>第{n}段正文。</p>" for n in range(6)),
        status=Article.Status.PUBLISHED,
        publish_at=timezone.now() - timezone.timedelta(hours=1),
        lead_photo=photos[0],
    )
    for n, photo in enumerate(photos[1:], start=1):
        ArticlePhoto.objects.create(article=article, photo=photo, after_paragraph=n * 2)
    response = Client().get(article.get_absolute_url(), follow=True)
    html = response.content.decode() if response.status_code == 200 else ""
    parser = PictureParser()
    parser.feed(html)
    source = "the article page"
    if len(parser.pictures) < len(photos):
        # The page could not be rendered here: weigh the figure partial the page uses.
        from django.template.loader import render_to_string

        source = f"the figure partial (article page answered {response.status_code})"
        parser = PictureParser()
        for n, photo in enumerate(photos):
            parser.feed(
                render_to_string("articles/includes/figure.html", {"photo": photo, "eager": n == 0})
            )
    return source, parser.pictures


def weigh(pictures, viewport, dpr, kind):
    total = eager = 0
    for picture in pictures:
        source = next((s for s in picture["sources"] if s.get("type") == f"image/{kind}"), None)
        img = picture["img"] or {}
        sizes = (source or img).get("sizes")
        needed = slot_width(sizes, viewport) * dpr
        url = pick((source or {}).get("srcset") or img.get("srcset"), needed) or img.get("src")
        size = media_bytes(url)
        total += size
        if img.get("loading") != "lazy":
            eager += size
    return total, eager


def kib(size):
    return f"{size / 1024:,.0f} KiB"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--megapixels", type=int, default=24)
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    parser.add_argument("--tracemalloc", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.tracemalloc)
        return

    print(f"Generating a {args.megapixels} MP camera JPEG…", flush=True)
    upload = camera_jpeg(args.megapixels)
    with Image.open(io.BytesIO(upload)) as probe:
        size = probe.size
    path = WORKDIR / "camera.jpg"
    path.write_bytes(upload)
    print(f"  {size[0]}×{size[1]} = {size[0] * size[1] / 1e6:.1f} MP, {kib(len(upload))}\n")

    print(f"Rendition time, median of {args.runs} runs (wall s / CPU s, one thread):")
    runs = [run_pipeline(upload)[0] for _ in range(args.runs)]
    for stage in runs[0]:
        wall = statistics.median(r[stage][0] for r in runs)
        cpu = statistics.median(r[stage][1] for r in runs)
        print(f"  {stage:<52} {wall:6.2f} / {cpu:5.2f}")
    whole = ("validate + full decode", "orient + sRGB + strip", WRITE_FILES)
    wall = statistics.median(sum(r[s][0] for s in whole) for r in runs)
    cpu = statistics.median(sum(r[s][1] for s in whole) for r in runs)
    print(f"  {'upload to stored files (validate+normalise+write)':<52} {wall:6.2f} / {cpu:5.2f}")
    print(f"  (load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)\n")

    memory = measure_memory(path)
    baseline, peak, _traced, _count = memory[False]
    traced = memory[True][2]
    print("Peak memory, one upload in a fresh process:")
    print(f"  process baseline (Django loaded)    {baseline:7.1f} MiB")
    print(f"  peak RSS (VmHWM)                    {peak:7.1f} MiB  (+{peak - baseline:.1f} MiB)")
    print(f"  tracemalloc peak (Python objects)   {traced:7.1f} MiB")
    print("  (pixel buffers live in Pillow's C allocator: peak RSS is the figure that counts)\n")

    print("Generating two more uploads (12 MP) for an article with three photos…", flush=True)
    uploads = [upload, camera_jpeg(12, seed=0.3), camera_jpeg(12, seed=0.6)]
    source, pictures = page_weight(uploads)
    uploaded = sum(len(u) for u in uploads)
    print(f"Page weight of the photos, from {source}:")
    print(f"  uploaded originals: {kib(uploaded)} for {len(uploads)} photos")
    for label, viewport, dpr in PHONES:
        for kind in ("webp", "jpeg"):
            total_bytes, eager_bytes = weigh(pictures, viewport, dpr, kind)
            print(
                f"  {label}, {kind.upper():<4}: all {kib(total_bytes):>9} "
                f"({100 * total_bytes / uploaded:.1f}% of uploads), "
                f"before scrolling {kib(eager_bytes)}"
            )


if __name__ == "__main__":
    main()
