"""Photos: upload validation, renditions, metadata prefill, storage hygiene and image tags."""

import io
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.contrib import admin as django_admin
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.template import engines
from django.test import RequestFactory
from django.urls import path
from PIL import Image

from articles.models import Photo
from articles.photos import pending
from articles.photos.forms import PhotoForm
from articles.photos.media import serve_media
from articles.photos.services import create_photo, make_renditions, photo_file_names
from tests import photo_files as files
from tests.factories import AuthorFactory, PhotoFactory, PhotographerFactory

pytestmark = pytest.mark.django_db


def media_files():
    root = Path(django_settings.MEDIA_ROOT)
    if not root.exists():
        return set()
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def open_stored(name):
    with default_storage.open(name, "rb") as stored:
        return Image.open(io.BytesIO(stored.read()))


def stored_bytes(name):
    with default_storage.open(name, "rb") as stored:
        return stored.read()


@pytest.fixture
def photographer():
    return PhotographerFactory(name="王斌")


def submit(upload=None, photographer=None, instance=None, **data):
    fields = {"caption": "西湖边的清晨。", "alt_text": "湖面上的小船"}
    if photographer is not None:
        fields["photographer"] = str(photographer.pk)
    fields.update(data)
    return PhotoForm(data=fields, files={"upload": upload} if upload else {}, instance=instance)


def save_upload(data, photographer, name="photo.jpg"):
    form = submit(files.upload(data, name), photographer)
    assert form.is_valid(), form.errors
    return form.save()


def assert_nothing_stored():
    assert Photo.objects.count() == 0
    assert media_files() == set()


# --- the happy path -------------------------------------------------------------------------


def test_upload_makes_every_rendition_under_names_we_choose(photographer):
    """A camera JPEG gets WebP and JPEG renditions at 320/640/1024/1600 and a random name."""
    photo = save_upload(files.jpeg((3000, 2000)), photographer, name="../../我的照片.jpg")

    assert photo.image.name.startswith("photos/")
    assert "我的照片" not in photo.image.name and ".." not in photo.image.name
    assert (photo.width, photo.height) == (3000, 2000)
    for kind, image_format in (("jpeg", "JPEG"), ("webp", "WEBP")):
        assert sorted(map(int, photo.renditions[kind])) == [320, 640, 1024, 1600]
        rendition = open_stored(photo.renditions[kind]["640"])
        assert (rendition.format, rendition.size) == (image_format, (640, 427))
    assert media_files() == set(photo_file_names(photo))


def test_small_photos_are_never_upscaled(photographer):
    """A 500px-wide upload gets 320 and 500 renditions, nothing wider than itself."""
    photo = save_upload(files.jpeg((500, 400)), photographer)

    assert sorted(map(int, photo.renditions["jpeg"])) == [320, 500]
    assert open_stored(photo.renditions["webp"]["500"]).size == (500, 400)


def test_renditions_and_original_carry_no_personal_metadata(photographer):
    """GPS, the camera serial number and the owner's name never reach a stored file."""
    photo = save_upload(files.exif_jpeg(), photographer)

    for name in photo_file_names(photo):
        data = stored_bytes(name)
        assert b"SN-9988776655" not in data and b"Owner Zhang" not in data
        image = Image.open(io.BytesIO(data))
        assert not image.getexif()
        assert not {"exif", "xmp", "icc_profile", "photoshop"} & set(image.info)


def test_exif_orientation_is_applied(photographer):
    """A portrait shot stored sideways (orientation 6) comes out upright."""
    photo = save_upload(files.exif_jpeg(orientation=6, size=(800, 600)), photographer)

    assert (photo.width, photo.height) == (600, 800)
    rendition = open_stored(photo.renditions["jpeg"]["320"]).convert("RGB")
    assert rendition.size == (320, 427)
    top, bottom = rendition.getpixel((160, 10)), rendition.getpixel((160, 416))
    assert top[0] > 150 > top[2]  # the red left half is now on top
    assert bottom[2] > 150 > bottom[0]


def test_embedded_icc_profile_is_converted_to_srgb(photographer):
    """Colours are converted through the file's ICC profile, which is then dropped."""
    photo = save_upload(files.icc_jpeg(), photographer)

    rendition = open_stored(photo.renditions["jpeg"]["320"])
    red, green, _blue = rendition.convert("RGB").getpixel((100, 100))
    assert green > 200 and red < 60
    assert "icc_profile" not in rendition.info


def test_storage_is_chosen_by_settings_alone(settings, photographer):
    """With another STORAGES backend (as MEDIA_STORAGE=s3 sets), files go there, not to disk."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }

    photo = save_upload(files.jpeg((1200, 800)), photographer)

    assert media_files() == set()
    for name in photo_file_names(photo):
        assert photo.image.storage.exists(name)
    assert "InMemoryStorage" in type(photo.image.storage._wrapped).__name__


# --- hostile and broken uploads -------------------------------------------------------------

REFUSED = [
    ("not an image", b"just some text, not a picture\n" * 20, "notes.jpg", "not_an_image"),
    ("truncated JPEG", files.truncated_jpeg(), "cut.jpg", "corrupt"),
    ("50,000x50,000 PNG bomb", files.png_bomb(), "bomb.png", "too_many_pixels"),
    ("9,000x9,000 PNG over our limit", files.png_bomb(9000, 9000), "big.png", "too_many_pixels"),
    ("SVG with script", files.svg(script=True), "logo.svg", "svg"),
    ("SVG without script", files.svg(), "logo.svg", "svg"),
    ("SVG named .png", files.svg(script=True), "logo.png", "svg"),
    ("BMP named .png", files.bmp(), "bitmap.png", "not_an_image"),
    ("HTML named .jpg", files.HTML_PAYLOAD, "page.jpg", "not_an_image"),
    ("empty file", b"", "empty.jpg", "empty"),
]


@pytest.mark.parametrize(
    ("data", "name", "code"), [case[1:] for case in REFUSED], ids=[case[0] for case in REFUSED]
)
def test_refused_uploads_give_a_form_error_and_store_nothing(photographer, data, name, code):
    """Each broken or hostile file is a clear error on the file field, and nothing is kept."""
    form = submit(files.upload(data, name), photographer)

    assert not form.is_valid()
    assert form.has_error("upload", code)
    assert form.errors["upload"][0]
    assert_nothing_stored()


def test_files_over_the_size_limit_are_refused(settings, photographer):
    """The upload limit comes from settings (30 MB by default) and is checked first."""
    assert django_settings.PHOTO_MAX_UPLOAD_BYTES == 30 * 1024 * 1024
    settings.PHOTO_MAX_UPLOAD_BYTES = 50_000
    data = files.noise_jpeg((400, 400))
    assert len(data) > 50_000

    form = submit(files.upload(data), photographer)

    assert form.has_error("upload", "too_large")
    assert "48.8" in form.errors["upload"][0]
    assert_nothing_stored()


ACCEPTED = [
    ("GIF/JS polyglot", files.gif_js_polyglot(), "funny.gif"),
    ("JPEG/HTML polyglot", files.jpeg_html_polyglot(), "photo.jpg"),
    ("CMYK JPEG", files.cmyk_jpeg(), "print.jpg"),
    ("16-bit PNG", files.sixteen_bit_png(), "scan.png"),
    ("palette PNG with transparency", files.palette_png(), "chart.png"),
    ("animated GIF", files.animated_gif(), "anim.gif"),
    ("PNG named .jpg", files.encode(Image.new("RGB", (400, 300), "red"), "PNG"), "lie.jpg"),
    ("JPEG named .gif", files.jpeg((400, 300)), "lie.gif"),
    ("WebP", files.encode(Image.new("RGB", (400, 300), "red"), "WEBP"), "photo.webp"),
]


@pytest.mark.parametrize(
    ("data", "name"), [case[1:] for case in ACCEPTED], ids=[case[0] for case in ACCEPTED]
)
def test_odd_but_real_images_get_clean_renditions(photographer, data, name):
    """Files that really are images become freshly encoded renditions, payloads dropped."""
    photo = save_upload(data, photographer, name=name)

    assert media_files() == set(photo_file_names(photo))
    for stored in photo_file_names(photo):
        raw = stored_bytes(stored)
        assert b"alert(" not in raw and b"<script" not in raw
        image = Image.open(io.BytesIO(raw))
        image.load()
        assert image.format in {"JPEG", "WEBP", "PNG"}
        assert image.mode in {"RGB", "RGBA"}
        assert (
            stored.rsplit(".", 1)[1] == {"JPEG": "jpg", "WEBP": "webp", "PNG": "png"}[image.format]
        )


def rendition_pixel(photo, kind="jpeg", at=(10, 10)):
    width = min(photo.renditions[kind], key=int)
    return open_stored(photo.renditions[kind][width]).convert("RGBA").getpixel(at)


def test_cmyk_becomes_rgb_with_the_right_colour(photographer):
    """Red ink in a CMYK JPEG is red on screen, not inverted or grey."""
    red, green, blue, _alpha = rendition_pixel(save_upload(files.cmyk_jpeg(), photographer))
    assert red > 180 and green < 90 and blue < 90


def test_sixteen_bit_greyscale_keeps_its_tones(photographer):
    """Half intensity in 16 bits is mid-grey in 8 bits, not clipped to white."""
    red, green, blue, _alpha = rendition_pixel(save_upload(files.sixteen_bit_png(), photographer))
    assert 110 < red < 145 and red == green == blue


def test_transparent_palette_image_keeps_alpha_in_webp_and_white_in_jpeg(photographer):
    """Transparency survives in WebP; JPEG (no alpha) shows it as the page's white."""
    photo = save_upload(files.palette_png(), photographer)

    assert rendition_pixel(photo, "webp")[3] == 0
    assert rendition_pixel(photo, "jpeg")[:3] >= (245, 245, 245)
    assert photo.image.name.endswith(".png")


def test_animated_gif_becomes_a_still_of_its_first_frame(photographer):
    """Only the first frame is kept; renditions are ordinary stills."""
    red, green, _blue, _alpha = rendition_pixel(save_upload(files.animated_gif(), photographer))
    assert red > 200 and green < 60


# --- never half-saved -----------------------------------------------------------------------


def test_a_failing_row_save_removes_the_written_files(photographer):
    """If the database refuses the row, the renditions already written are deleted."""
    form = submit(files.upload(files.jpeg()), photographer)
    assert form.is_valid()

    with (
        mock.patch.object(Photo, "save", side_effect=IntegrityError("boom")),
        pytest.raises(IntegrityError),
    ):
        form.save()

    assert_nothing_stored()


def test_a_failing_storage_write_removes_the_files_written_before_it(photographer):
    """A storage error halfway through the renditions leaves no file and no row behind."""
    form = submit(files.upload(files.jpeg((2000, 1500))), photographer)
    assert form.is_valid()
    real_save = default_storage.save
    calls = []

    def flaky_save(name, content, **kwargs):
        calls.append(name)
        if len(calls) == 4:
            raise OSError("disk full")
        return real_save(name, content, **kwargs)

    with (
        mock.patch.object(default_storage, "save", side_effect=flaky_save),
        pytest.raises(OSError),
    ):
        form.save()

    assert len(calls) == 4
    assert_nothing_stored()


def test_admin_style_save_then_save_photo_cleans_up_on_failure(photographer):
    """The admin path (save(commit=False), then save_photo) also removes files on failure."""
    form = submit(files.upload(files.jpeg()), photographer)
    assert form.is_valid()
    photo = form.save(commit=False)
    assert photo.pk is None and media_files()

    with (
        mock.patch.object(Photo, "save", side_effect=IntegrityError("boom")),
        pytest.raises(IntegrityError),
    ):
        form.save_photo(uploaded_by=None)

    assert_nothing_stored()


def test_replacing_the_image_deletes_the_old_files_after_commit(
    photographer, django_capture_on_commit_callbacks
):
    """Changing a photo's file swaps in new renditions and removes the old ones."""
    photo = save_upload(files.jpeg((1200, 800)), photographer)
    old = set(photo_file_names(photo))

    form = submit(files.upload(files.jpeg((900, 900))), photographer, instance=photo)
    assert form.is_valid(), form.errors
    with django_capture_on_commit_callbacks(execute=True):
        form.save()

    photo.refresh_from_db()
    assert (photo.width, photo.height) == (900, 900)
    assert media_files() == set(photo_file_names(photo))
    assert not old & media_files()


def test_editing_the_caption_keeps_the_image(photographer):
    """A change without a new file only updates the text fields."""
    photo = save_upload(files.jpeg(), photographer)
    before = photo_file_names(photo)

    form = submit(None, photographer, instance=photo, caption="新的说明。")
    assert form.is_valid(), form.errors
    form.save()

    photo.refresh_from_db()
    assert photo.caption == "新的说明。" and sorted(photo_file_names(photo)) == sorted(before)


def test_a_new_photo_needs_a_file(photographer):
    form = submit(None, photographer)
    assert form.has_error("upload", "required")


# --- metadata prefill -----------------------------------------------------------------------


def test_iptc_caption_and_byline_prefill_the_form_for_confirmation(
    photographer, django_capture_on_commit_callbacks
):
    """Empty caption and photographer are filled from IPTC; the editor confirms, then it saves."""
    data = files.iptc_jpeg(caption="杭州西湖一景。", byline="王斌 摄")
    form = submit(files.upload(data), None, caption="")

    assert not form.is_valid()
    assert form.has_error("__all__", "prefilled")
    assert "王斌" in form.non_field_errors()[0]
    assert form["caption"].value() == "杭州西湖一景。"
    assert form["photographer"].value() == str(photographer.pk)
    token = form["pending_upload"].value()
    assert token and Photo.objects.count() == 0

    # The browser re-posts the form as shown: values, hidden token, no file.
    confirmed = PhotoForm(
        data={
            "caption": form["caption"].value(),
            "alt_text": form["alt_text"].value(),
            "photographer": form["photographer"].value(),
            "pending_upload": token,
        }
    )
    assert confirmed.is_valid(), confirmed.errors
    with django_capture_on_commit_callbacks(execute=True):
        photo = confirmed.save()

    assert photo.caption == "杭州西湖一景。" and photo.photographer == photographer
    assert photo.renditions["webp"]
    assert media_files() == set(photo_file_names(photo))  # the parked file is gone


def test_xmp_creator_without_a_matching_author_is_explained(photographer):
    """An XMP credit nobody in the author list has tells the editor what to do."""
    data = files.xmp_jpeg(description="外滩夜景。", creator="李四")
    form = submit(files.upload(data), None, caption="")

    assert not form.is_valid()
    assert form["caption"].value() == "外滩夜景。"
    assert "李四" in form.errors["photographer"][0]


def test_same_name_photographer_is_preferred_over_a_reporter(photographer):
    """A credit matches the photographer when a reporter shares the name."""
    AuthorFactory(name="王斌", is_photographer=False)
    form = submit(files.upload(files.iptc_jpeg(byline="摄影：王斌")), None)

    assert not form.is_valid()
    assert form["photographer"].value() == str(photographer.pk)


def test_what_the_editor_typed_wins_over_metadata(photographer):
    """Metadata only fills empty fields; a typed caption is kept and nothing needs confirming."""
    data = files.iptc_jpeg(caption="来自相机的说明。", byline="王斌")
    photo = save_upload(data, photographer)

    assert photo.caption == "西湖边的清晨。"


def test_a_forged_pending_token_is_refused(photographer):
    """The hidden token is signed: a made-up one cannot point the form at another file."""
    existing = save_upload(files.jpeg(), photographer)
    form = submit(None, photographer, pending_upload=existing.image.name)

    assert form.has_error("upload", "pending_expired")


def test_a_form_error_parks_the_upload_so_it_need_not_be_sent_again(photographer):
    """With another field wrong, the checked image is parked and the form carries a token."""
    form = submit(files.upload(files.jpeg()), photographer, alt_text="")

    assert form.has_error("alt_text")
    name = pending.load(form["pending_upload"].value())[0]
    assert name.startswith("photos/pending/") and media_files() == {name}


# --- re-making ------------------------------------------------------------------------------


def test_make_renditions_is_idempotent(photographer):
    """Running it again writes nothing and leaves the mapping as it was."""
    photo = save_upload(files.jpeg((1800, 1200)), photographer)
    before, stored = dict(photo.renditions), media_files()

    assert make_renditions(photo) == 0
    photo.refresh_from_db()
    assert photo.renditions == before and media_files() == stored


def test_make_renditions_restores_a_deleted_rendition(photographer):
    """A missing rendition file is made again under the same name."""
    photo = save_upload(files.jpeg((1800, 1200)), photographer)
    missing = photo.renditions["webp"]["640"]
    default_storage.delete(missing)

    assert make_renditions(photo) == 1
    assert default_storage.exists(missing)


def test_make_renditions_adopts_an_original_saved_under_the_uploaders_name(
    django_capture_on_commit_callbacks,
):
    """An older photo stored as "photos/…/photo.jpg" with GPS gets a clean, random-named copy."""
    photo = PhotoFactory(image=files.upload(files.exif_jpeg(), "photo.jpg"))
    legacy = photo.image.name
    assert legacy.endswith("photo.jpg")

    with django_capture_on_commit_callbacks(execute=True):
        make_renditions(photo)

    photo.refresh_from_db()
    assert photo.image.name != legacy and not default_storage.exists(legacy)
    assert not open_stored(photo.image.name).getexif()
    assert make_renditions(photo) == 0


def test_create_photo_service_validates_before_writing(photographer):
    """Commands and importers get the same checks as the form."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        create_photo(
            files.upload(files.svg()), caption="x", alt_text="x", photographer=photographer
        )
    assert_nothing_stored()

    photo = create_photo(
        files.upload(files.jpeg()), caption="说明", alt_text="画面", photographer=photographer
    )
    assert photo.pk and photo.renditions["jpeg"]


# --- tags -----------------------------------------------------------------------------------

TAGS = (
    '{% from "articles/includes/picture.html" import picture %}'
    "{{ preload_image(photo) }}|{{ picture(photo) }}|"
    '{{ picture(photo, sizes="100vw", eager=True) }}'
)


def render(source, **context):
    return engines["jinja2"].from_string(source).render(context)


def test_responsive_image_renders_srcsets_sizes_and_lazy_loading(
    photographer, django_assert_num_queries
):
    """The <picture> lists WebP then JPEG renditions, sizes, dimensions and alt text."""
    photo = Photo.objects.get(pk=save_upload(files.jpeg((3000, 2000)), photographer).pk)

    with django_assert_num_queries(0):
        preload, lazy, eager = render(TAGS, photo=photo).split("|")

    webp = photo.image.storage.url(photo.renditions["webp"]["320"])
    assert f'imagesrcset="{webp} 320w' in preload and 'rel="preload"' in preload
    assert lazy.index('type="image/webp"') < lazy.index('type="image/jpeg"')
    assert 'width="1600" height="1067"' in lazy
    assert 'loading="lazy"' in lazy and "fetchpriority" not in lazy
    assert 'alt="湖面上的小船"' in lazy
    assert 'sizes="(max-width: 640px) 100vw, 640px"' in lazy
    assert 'fetchpriority="high"' in eager and "loading=" not in eager
    assert 'sizes="100vw"' in eager


def test_responsive_image_falls_back_to_the_original_before_renditions_exist():
    """A photo without renditions still shows, from its original file."""
    photo = PhotoFactory()

    html = render(TAGS, photo=photo).split("|")[1]

    assert f'src="{photo.image.url}"' in html and "srcset" not in html
    assert 'width="64" height="48"' in html


def test_tags_render_nothing_without_a_photo():
    html = render(TAGS, photo=None)
    assert "".join(html.split()) == "||"


# --- media responses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("a.webp", "image/webp"), ("a.jpg", "image/jpeg"), ("a.html", "application/octet-stream")],
)
def test_dev_media_responses_carry_nosniff_and_a_safe_type(tmp_path, name, content_type):
    """Development media serving sends nosniff, our content type, and downloads non-images."""
    (tmp_path / name).write_bytes(files.HTML_PAYLOAD)

    response = serve_media(RequestFactory().get(f"/media/{name}"), name, document_root=tmp_path)

    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    is_download = "attachment" in response.get("Content-Disposition", "")
    assert is_download == (content_type == "application/octet-stream")


# --- the command and deletion ---------------------------------------------------------------


def test_make_renditions_command_catches_up_and_is_idempotent(
    photographer, django_capture_on_commit_callbacks
):
    """Photos without renditions get them; --dry-run only lists; a second run writes nothing."""
    from django.core.management import call_command

    done = save_upload(files.jpeg(), photographer)
    legacy = PhotoFactory(image=files.upload(files.jpeg((900, 600)), "photo.jpg"))
    out = io.StringIO()

    call_command("make_renditions", "--dry-run", stdout=out)
    assert out.getvalue().split() == [str(legacy.pk), legacy.image.name]

    with django_capture_on_commit_callbacks(execute=True):
        call_command("make_renditions", stdout=io.StringIO())
    legacy.refresh_from_db()
    assert sorted(map(int, legacy.renditions["webp"])) == [320, 640, 900]

    out = io.StringIO()
    call_command("make_renditions", "--all", stdout=out)
    assert "写入 0 个文件" in out.getvalue()
    assert media_files() == set(photo_file_names(done)) | set(photo_file_names(legacy))


def test_make_renditions_command_refuses_unknown_ids():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command("make_renditions", "999999")


def test_delete_photos_removes_rows_and_then_files(
    photographer, django_capture_on_commit_callbacks
):
    """Deleting a photo removes its files once the deletion commits."""
    from articles.photos.services import delete_photos

    photo = save_upload(files.jpeg(), photographer)
    with django_capture_on_commit_callbacks(execute=True):
        delete_photos([photo])

    assert_nothing_stored()


# --- through a ModelAdmin, wired the way PhotoAdmin is meant to be ---------------------------

test_admin_site = django_admin.AdminSite(name="photo_form_admin")


class WiredPhotoAdmin(django_admin.ModelAdmin):
    form = PhotoForm

    def save_model(self, request, obj, form, change):
        form.save_photo(uploaded_by=None if change else request.user)


test_admin_site.register(Photo, WiredPhotoAdmin)
urlpatterns = [path("photo-admin/", test_admin_site.urls)]


@pytest.fixture
def admin_client_for_photos(client, superuser, settings):
    settings.ROOT_URLCONF = "tests.test_photos"
    client.force_login(superuser, backend="django.contrib.auth.backends.ModelBackend")
    return client


ADD_URL = "/photo-admin/articles/photo/add/"


def test_admin_add_shows_a_form_error_for_a_hostile_file(admin_client_for_photos, photographer):
    """An HTML file named .jpg is a form error on the admin page, and nothing is kept."""
    response = admin_client_for_photos.post(
        ADD_URL,
        {
            "upload": files.upload(files.HTML_PAYLOAD, "page.jpg"),
            "caption": "说明",
            "alt_text": "画面",
            "photographer": photographer.pk,
        },
    )

    assert response.status_code == 200
    assert "无法识别的图片文件" in response.content.decode()
    assert_nothing_stored()


def test_admin_add_prefills_then_saves_with_renditions(
    admin_client_for_photos, photographer, superuser, django_capture_on_commit_callbacks
):
    """Through the admin: prefilled for confirmation, then saved with renditions, no re-upload."""
    data = files.iptc_jpeg(caption="杭州西湖一景。", byline="王斌")
    first = admin_client_for_photos.post(
        ADD_URL,
        {"upload": files.upload(data), "caption": "", "alt_text": "湖面", "photographer": ""},
    )
    assert first.status_code == 200
    form = first.context["adminform"].form
    assert form.has_error("__all__", "prefilled")
    html = first.content.decode()
    assert 'name="pending_upload"' in html and "杭州西湖一景。" in html

    with django_capture_on_commit_callbacks(execute=True):
        second = admin_client_for_photos.post(
            ADD_URL,
            {
                "pending_upload": form["pending_upload"].value(),
                "caption": form["caption"].value(),
                "alt_text": "湖面",
                "photographer": form["photographer"].value(),
            },
        )

    assert second.status_code == 302, second.context["adminform"].form.errors
    photo = Photo.objects.get()
    assert photo.uploaded_by == superuser and photo.renditions["jpeg"]
    assert media_files() == set(photo_file_names(photo))


def test_a_new_file_on_the_second_pass_replaces_the_parked_one(
    photographer, django_capture_on_commit_callbacks
):
    """Choosing another file after the form came back discards the parked upload."""
    first = submit(files.upload(files.jpeg()), photographer, alt_text="")
    assert not first.is_valid()
    token = first["pending_upload"].value()

    second = submit(files.upload(files.jpeg((700, 700))), photographer, pending_upload=token)
    assert second.is_valid(), second.errors
    with django_capture_on_commit_callbacks(execute=True):
        photo = second.save()

    assert (photo.width, photo.height) == (700, 700)
    assert media_files() == set(photo_file_names(photo))
