"""举报 (reader reports): the form readers fill in and the decisions editors take on them.

Deciding a report records who decided and when; unpublishing or retracting goes through
the publishing services (permissions, revision history, cache invalidation) and closes
every open report on that article with the same decision.
"""

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Report
from articles.services import publishing

Status = Report.Status


class ReportForm(forms.ModelForm):
    class Meta:
        model = Report
        fields = ["reason", "detail"]
        widgets = {
            "reason": forms.RadioSelect,
            "detail": forms.Textarea(attrs={"rows": 4, "maxlength": 1000}),
        }
        help_texts = {"detail": _("选填，最多1000字。")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A radio list without the empty "---------" choice.
        self.fields["reason"].choices = Report.Reason.choices

    def clean_detail(self):
        return " ".join((self.cleaned_data.get("detail") or "").split())[:1000]


def file_report(article, visitor_key, reason, detail=""):
    """Open a report, unless this visitor already has the same one open (a resubmit)."""
    report, _created = Report.objects.get_or_create(
        article=article,
        visitor_key=visitor_key,
        reason=reason,
        status=Status.OPEN,
        defaults={"detail": detail},
    )
    return report


def _close(reports, status, user):
    return reports.filter(status=Status.OPEN).update(
        status=status, decided_by=user, decided_at=timezone.now()
    )


def dismiss(reports, user):
    """The article stays up; the reports are closed as dismissed. Returns how many."""
    return _close(reports, Status.DISMISSED, user)


def unpublish_reported(article, user):
    """Take the article off the site and close all its open reports."""
    with transaction.atomic():
        article = publishing.unpublish(article, user)
        closed = _close(article.reports.all(), Status.UNPUBLISHED, user)
    return article, closed


def retract_reported(article, user, reason):
    """Retract the article with a public reason and close all its open reports."""
    with transaction.atomic():
        article = publishing.retract(article, user, reason)
        closed = _close(article.reports.all(), Status.RETRACTED, user)
    return article, closed
