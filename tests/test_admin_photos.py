"""The photo admin: validated uploads with caption, alt text and photographer; thumbnails."""

import pytest
from django.urls import reverse

from articles.models import Photo
from tests.factories import PhotoFactory, PhotographerFactory, uploaded_jpeg

pytestmark = pytest.mark.django_db

ADD = "admin:articles_photo_add"


def test_reporter_uploads_a_photo_with_its_credit(client, reporter):
    """A reporter's upload is stored with renditions and records who uploaded it."""
    photographer = PhotographerFactory(name="王斌")
    client.force_login(reporter)
    response = client.post(
        reverse(ADD),
        {
            "upload": uploaded_jpeg(width=800, height=600),
            "caption": "中国(温州)数安港一景。",
            "alt_text": "园区大楼外景",
            "photographer": photographer.pk,
        },
    )
    assert response.status_code == 302
    photo = Photo.objects.get()
    assert photo.uploaded_by == reporter
    assert photo.credit == "王斌 摄"
    smallest = photo.renditions["jpeg"][min(photo.renditions["jpeg"], key=int)]
    listing = client.get(reverse("admin:articles_photo_changelist")).content.decode()
    assert smallest in listing  # the list shows the small rendition, not the original


@pytest.mark.parametrize("missing", ["caption", "alt_text", "photographer"])
def test_caption_alt_text_and_photographer_are_required(client, editor, missing):
    """Leaving out the caption, the alt text or the photographer is a form error."""
    data = {
        "upload": uploaded_jpeg(width=800, height=600),
        "caption": "说明",
        "alt_text": "画面",
        "photographer": PhotographerFactory().pk,
    }
    del data[missing]
    client.force_login(editor)
    response = client.post(reverse(ADD), data)
    assert response.status_code == 200
    assert missing in response.context["adminform"].form.errors
    assert not Photo.objects.exists()


def test_photo_list_shows_thumbnails(client, editor):
    """Each row of the photo list carries a small image with its alt text."""
    photo = PhotoFactory(alt_text="西湖晨景")
    client.force_login(editor)
    html = client.get(reverse("admin:articles_photo_changelist")).content.decode()
    assert 'alt="西湖晨景"' in html
    assert photo.image.url in html


def test_photo_autocomplete_finds_by_caption(client, reporter):
    """The lead-photo box on the article form searches photo captions."""
    PhotoFactory(caption="数安港夜景。")
    PhotoFactory(caption="西湖晨景。")
    client.force_login(reporter)
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "articles",
            "model_name": "article",
            "field_name": "lead_photo",
            "term": "数安港",
        },
    )
    assert [r["text"] for r in response.json()["results"]] == ["数安港夜景。"]
