"""Articles and what hangs off them: bylines, inline photos and public corrections.

`ArticleQuerySet.published()` is the one definition of what a reader may see; every
public view, feed, sitemap, template tag, search and command starts from it.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_prose_editor.fields import ProseEditorField
from simple_history.models import HistoricalRecords
from taggit.managers import TaggableManager

from articles.links import reverse
from articles.models.tags import TaggedArticle
from articles.sanitize import sanitize_body

SLUG_LENGTH = 60
# An instance's publish time as last saved, when not known (deferred, or never loaded).
_UNKNOWN = object()


class ArticleQuerySet(models.QuerySet):
    def published(self, at=None):
        """What a reader may open: published, its time reached, not expired.

        Retracted articles stay in here (they keep their URL and show a notice);
        use `listed()` for lists, feeds, search and hot picks.
        """
        now = at or timezone.now()
        return self.filter(status=Article.Status.PUBLISHED, publish_at__lte=now).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )

    def listed(self, at=None):
        """Published and not retracted: what lists, feeds, search and sidebars show."""
        return self.published(at).filter(retracted_at__isnull=True)

    def scheduled(self, at=None):
        now = at or timezone.now()
        return self.filter(status=Article.Status.PUBLISHED, publish_at__gt=now)

    def newest_first(self):
        return self.order_by("-publish_at", "-id")

    def for_cards(self):
        """What a list card shows, fetched in a fixed number of queries."""
        return self.select_related(
            "dateline_region", "lead_photo", "lead_photo__photographer"
        ).defer("body")


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        REVIEW = "review", _("待审")
        PUBLISHED = "published", _("已发布")
        UNPUBLISHED = "unpublished", _("已撤下")

    title = models.CharField(_("标题"), max_length=200)
    slug = models.SlugField(
        _("网址名"),
        max_length=SLUG_LENGTH,
        allow_unicode=True,
        blank=True,
        help_text=_("留空则由标题生成。改动后旧链接仍会跳转到新地址。"),
    )
    subtitle = models.CharField(_("副标题"), max_length=200, blank=True)
    summary = models.TextField(
        _("导语"), blank=True, help_text=_("列表和搜索引擎摘要使用；留空则取正文开头。")
    )
    body = ProseEditorField(
        _("正文"),
        extensions={
            "Bold": True,
            "Italic": True,
            "Heading": {"levels": [2, 3]},
            "BulletList": True,
            "OrderedList": True,
            "ListItem": True,
            "Blockquote": True,
            "Link": {"enableTarget": False},
            "HardBreak": True,
        },
        sanitize=sanitize_body,
        blank=True,
        help_text=_("电头、(完)和编辑署名由系统生成，无需在正文中输入。"),
    )
    source = models.CharField(
        _("来源"), max_length=40, default="", blank=True, help_text=_("如中新网、中新社。")
    )
    dateline_region = models.ForeignKey(
        "articles.Region",
        verbose_name=_("电头地点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
    )
    # Denormalised from dateline_region so a province page is one index range scan.
    province = models.ForeignKey(
        "articles.Region",
        verbose_name=_("省份"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="province_articles",
    )
    dateline_date = models.DateField(
        _("电头日期"), null=True, blank=True, help_text=_("发稿日期，可与发布时间不同。")
    )
    authors = models.ManyToManyField(
        "articles.Author", through="articles.Byline", related_name="articles", blank=True
    )
    editor = models.ForeignKey(
        "articles.Author",
        verbose_name=_("责任编辑"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="edited_articles",
    )
    lead_photo = models.ForeignKey(
        "articles.Photo",
        verbose_name=_("题图"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lead_of",
    )
    tags = TaggableManager(_("标签"), through=TaggedArticle, blank=True)

    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    publish_at = models.DateTimeField(
        _("发布时间"),
        null=True,
        blank=True,
        help_text=_("定时发布：设为将来的时间，到点自动出现在网站上。"),
    )
    expires_at = models.DateTimeField(
        _("下线时间"), null=True, blank=True, help_text=_("到点后读者将看不到这篇稿件。")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建者"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="created_articles",
    )
    recommended_until = models.DateTimeField(
        _("推荐截止"), null=True, blank=True, help_text=_("在此之前出现在“热点推荐”。")
    )
    view_count = models.PositiveBigIntegerField(_("阅读"), default=0, editable=False)
    like_count = models.PositiveIntegerField(_("支持"), default=0, editable=False)
    # Optimistic locking: a save that started from an older version is refused.
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    is_reprint = models.BooleanField(_("转载"), default=False)
    original_source = models.CharField(_("原始来源"), max_length=100, blank=True)
    original_title = models.CharField(_("原标题"), max_length=200, blank=True)
    original_author = models.CharField(_("原作者"), max_length=100, blank=True)
    original_url = models.URLField(_("原文链接"), max_length=500, blank=True)
    origin_key = models.CharField(
        _("导入来源键"),
        max_length=255,
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text=_("导入时的原始网址或内容指纹，用于重复导入时更新而非新建。"),
    )

    retracted_at = models.DateTimeField(_("撤稿时间"), null=True, blank=True, editable=False)
    retraction_reason = models.TextField(_("撤稿原因"), blank=True)
    retracted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤稿人"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ArticleQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["view_count", "like_count", "updated_at"])

    class Meta:
        verbose_name = _("文章")
        verbose_name_plural = pgettext_lazy("plural", "文章")
        ordering = ["-publish_at", "-id"]
        permissions = [
            ("publish_article", _("可以发布、定时发布和撤下文章")),
            ("retract_article", _("可以撤稿")),
            ("recommend_article", _("可以设置热点推荐")),
            ("edit_any_article", _("可以编辑任何人的文章")),
        ]
        indexes = [
            models.Index(
                F("publish_at").desc(),
                F("id").desc(),
                name="article_published_time_idx",
                condition=Q(status="published"),
            ),
            models.Index(
                "dateline_region",
                F("publish_at").desc(),
                name="article_region_time_idx",
                condition=Q(status="published"),
            ),
            models.Index(
                "province",
                F("publish_at").desc(),
                name="article_province_time_idx",
                condition=Q(status="published"),
            ),
            models.Index(
                "recommended_until",
                name="article_recommended_idx",
                condition=Q(recommended_until__isnull=False),
            ),
            models.Index(fields=["status", "-updated_at"], name="article_status_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(publish_at__isnull=False),
                name="article_published_has_time",
            ),
            models.CheckConstraint(
                condition=Q(retracted_at__isnull=True) | ~Q(retraction_reason=""),
                name="article_retraction_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(is_reprint=False) | (~Q(original_source="") & ~Q(original_url="")),
                name="article_reprint_has_provenance",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True)
                | Q(publish_at__isnull=True)
                | Q(expires_at__gt=F("publish_at")),
                name="article_expires_after_publish",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.title, allow_unicode=True)[:SLUG_LENGTH].strip("-")
        if not self.source:
            self.source = settings.DEFAULT_ARTICLE_SOURCE
        self.province_id = self._province_id_for(self.dateline_region)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "dateline_region" in update_fields:
            kwargs["update_fields"] = {*update_fields, "province"}
        writes_time = update_fields is None or "publish_at" in update_fields
        moved = self.pk is not None and self.publish_at != getattr(
            self, "_saved_publish_at", _UNKNOWN
        )
        super().save(*args, **kwargs)
        if writes_time:
            if moved:
                # Tag and author pages walk copies of it (TaggedArticle and Byline.publish_at).
                self.tagged_items.update(publish_at=self.publish_at)
                self.bylines.update(publish_at=self.publish_at)
            self._saved_publish_at = self.publish_at

    def get_absolute_url(self):
        if self.slug:
            return reverse("articles:detail", kwargs={"pk": self.pk, "slug": self.slug})
        return reverse("articles:detail_short", kwargs={"pk": self.pk})

    @classmethod
    def from_db(cls, db, field_names, values):
        article = super().from_db(db, field_names, values)
        # Unknown when deferred: then a save that writes publish_at copies it.
        article._saved_publish_at = article.__dict__.get("publish_at", _UNKNOWN)
        return article

    @staticmethod
    def _province_id_for(region):
        if region is None:
            return None
        return region.parent_id or region.pk

    def is_published(self, at=None):
        """The row-level twin of `ArticleQuerySet.published()`."""
        now = at or timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= now
            and (self.expires_at is None or self.expires_at > now)
        )

    @property
    def is_retracted(self):
        return self.retracted_at is not None

    @property
    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at > timezone.now()
        )


class BylineQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """Bulk-created bylines (imports, the demo) get their article's publish time too."""
        objs = list(objs)
        for byline in objs:
            byline.publish_at = byline.article.publish_at
        return super().bulk_create(objs, *args, **kwargs)


class Byline(models.Model):
    class Role(models.TextChoices):
        REPORTER = "reporter", _("记者")
        PHOTOGRAPHER = "photographer", _("摄影")
        CORRESPONDENT = "correspondent", _("通讯员")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(
        "articles.Author", verbose_name=_("作者"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.REPORTER)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    # The article's publish time, copied by save(), bulk_create() and Article.save(), so an
    # author page walks (author, publish time) instead of the whole archive's publish order.
    publish_at = models.DateTimeField(null=True, editable=False)

    objects = BylineQuerySet.as_manager()

    class Meta:
        verbose_name = _("署名")
        verbose_name_plural = pgettext_lazy("plural", "署名")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "author", "role"], name="byline_unique_author_role"
            ),
        ]
        indexes = [
            models.Index(fields=["author", "article"], name="byline_author_article_idx"),
            models.Index(
                fields=["author", "-publish_at", "-article"], name="byline_author_time_idx"
            ),
        ]

    def __str__(self):
        return f"{self.author} ({self.get_role_display()})"

    def save(self, *args, **kwargs):
        self.publish_at = self.article.publish_at
        super().save(*args, **kwargs)


class ArticlePhoto(models.Model):
    """A photo shown inside the body, after the given paragraph."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="inline_photos")
    photo = models.ForeignKey(
        "articles.Photo", verbose_name=_("图片"), on_delete=models.PROTECT, related_name="+"
    )
    after_paragraph = models.PositiveSmallIntegerField(
        _("插在第几段之后"), default=1, help_text=_("0 表示放在正文最前。")
    )

    class Meta:
        verbose_name = _("正文图片")
        verbose_name_plural = pgettext_lazy("plural", "正文图片")
        ordering = ["after_paragraph", "id"]

    def __str__(self):
        return str(self.photo)


class Correction(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    published_at = models.DateTimeField(_("更正时间"), default=timezone.now)
    text = models.TextField(_("更正内容"))

    class Meta:
        verbose_name = _("更正")
        verbose_name_plural = pgettext_lazy("plural", "更正")
        ordering = ["published_at", "id"]

    def __str__(self):
        return self.text[:40]
