"""The home page: a lead story, the latest articles and blocks by province."""

from datetime import timedelta

from django.db.models import F
from django.db.models.expressions import Window
from django.db.models.functions import FirstValue, RowNumber
from django.utils import timezone
from django.utils.translation import gettext
from django.views.generic import TemplateView

from articles.models import Article
from articles.selectors import card_queryset
from articles.views.mixins import ReaderMixin

# Province blocks on the home page draw from this recent stretch of the archive.
BLOCK_WINDOW = timedelta(days=30)


class HomeView(ReaderMixin, TemplateView):
    """A lead story, the latest articles and blocks by province; each article once."""

    template_name = "articles/home.html"
    latest_count = 12
    block_count = 6
    block_size = 4

    def province_blocks(self, exclude):
        """[(province, [article, ...]), ...]: the provinces with the newest stories first."""
        # Rank narrow rows, then fetch only the shown cards by pk: ranking the wide card rows
        # sorted ~8,500 rows on disk at a million articles (87 ms, now ~10).
        newest = {
            "partition_by": F("province_id"),
            "order_by": (F("publish_at").desc(), F("id").desc()),
        }
        ranked = (
            Article.objects.listed()
            .filter(province__isnull=False, publish_at__gte=timezone.now() - BLOCK_WINDOW)
            .exclude(pk__in=exclude)
            .annotate(
                rank=Window(RowNumber(), **newest),
                # The province's newest story, which places its block (as below).
                top_at=Window(FirstValue("publish_at"), **newest),
                top_id=Window(FirstValue("id"), **newest),
            )
            .filter(rank__lte=self.block_size)
            # The first `block_count` provinces fit in this many rows, whatever their sizes.
            .order_by("-top_at", "-top_id")
            .values("pk")[: self.block_count * self.block_size]
        )
        shown = (
            card_queryset()
            .filter(pk__in=ranked)
            .select_related("province")
            .order_by("-publish_at", "-id")
        )
        blocks = {}
        for article in shown:
            blocks.setdefault(article.province_id, (article.province, []))[1].append(article)
        return list(blocks.values())[: self.block_count]

    def get_context_data(self, **kwargs):
        newest = list(card_queryset().newest_first()[: self.latest_count + 1])
        # The lead is the newest story with a photo; a text-only newest story still leads.
        lead = next((a for a in newest if a.lead_photo_id), newest[0] if newest else None)
        latest = [a for a in newest if a is not lead][: self.latest_count]
        shown = {a.pk for a in [lead, *latest] if a is not None}
        context = super().get_context_data(
            lead=lead,
            latest=latest,
            blocks=self.province_blocks(shown),
            description=gettext("新闻、评论与地方报道"),
            **kwargs,
        )
        context["shown_ids"].update(shown)
        for _province, articles in context["blocks"]:
            context["shown_ids"].update(a.pk for a in articles)
        return context
