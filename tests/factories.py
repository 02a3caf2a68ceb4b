"""factory_boy factories for the newsroom's models, shared by every test module."""

import io
from datetime import timedelta

import factory
from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from articles import roles
from articles.models import (
    Article,
    ArticlePhoto,
    Author,
    Byline,
    Correction,
    DailyReads,
    Photo,
    Region,
    Tag,
)


def jpeg_bytes(width=64, height=48, color=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "JPEG")
    return buffer.getvalue()


def uploaded_jpeg(name="photo.jpg", **kwargs):
    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True
    password = factory.django.Password("correct-horse-battery-staple")

    # Subclasses name a default group with `role__default`; `role=` on a call overrides it.
    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        name = extracted or kwargs.get("default")
        if create and name:
            if not Group.objects.filter(name=name).exists():
                # A transactional test's flush removed the groups the migration made.
                roles.sync_role_groups(Group, Permission)
            self.groups.add(Group.objects.get(name=name))


class ReporterFactory(UserFactory):
    role__default = roles.REPORTER


class EditorFactory(UserFactory):
    role__default = roles.EDITOR


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"测试省{n}")
    full_name = factory.LazyAttribute(lambda r: f"{r.name}省")
    slug = factory.Sequence(lambda n: f"test-province-{n}")
    kind = Region.Kind.PROVINCE


class CityFactory(RegionFactory):
    name = factory.Sequence(lambda n: f"测试市{n}")
    full_name = factory.LazyAttribute(lambda r: f"{r.name}市")
    slug = factory.Sequence(lambda n: f"test-city-{n}")
    kind = Region.Kind.CITY
    parent = factory.SubFactory(RegionFactory)


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"记者{n}")
    slug = factory.Sequence(lambda n: f"author-{n}")
    is_reporter = True


class PhotographerFactory(AuthorFactory):
    is_reporter = False
    is_photographer = True


class PhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Photo

    image = factory.LazyFunction(uploaded_jpeg)
    caption = factory.Sequence(lambda n: f"测试图片说明{n}。")
    alt_text = "测试画面"
    photographer = factory.SubFactory(PhotographerFactory)


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"标签{n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published article, one hour old, with one reporter byline."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"测试新闻标题{n}")
    summary = "这是一条测试新闻的导语。"
    body = "<p>第一段正文内容。</p><p>第二段正文内容。</p>"
    source = "新闻网"
    dateline_region = factory.SubFactory(CityFactory)
    dateline_date = factory.LazyFunction(lambda: timezone.localdate())
    status = Article.Status.PUBLISHED
    publish_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))

    @factory.post_generation
    def bylines(self, create, extracted, **kwargs):
        if not create:
            return
        authors = extracted if extracted is not None else [AuthorFactory()]
        for position, author in enumerate(authors):
            Byline.objects.create(article=self, author=author, position=position)

    @factory.post_generation
    def tag_names(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)


class DraftFactory(ArticleFactory):
    status = Article.Status.DRAFT
    publish_at = None


class CorrectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Correction

    article = factory.SubFactory(ArticleFactory)
    text = "本文第二段的数据有误，已更正。"


class ArticlePhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArticlePhoto

    article = factory.SubFactory(ArticleFactory)
    photo = factory.SubFactory(PhotoFactory)
    after_paragraph = 1


class DailyReadsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DailyReads

    article = factory.SubFactory(ArticleFactory)
    day = factory.LazyFunction(lambda: timezone.localdate())
    count = 100
