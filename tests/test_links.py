"""The models' links come from a remembered reverse() that must agree with Django's."""

import pytest
from django.urls import reverse as django_reverse
from django.urls import set_script_prefix
from django.utils import translation

from articles.links import reverse


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_links_match_djangos_reverse_in_each_language(language):
    cases = [
        ("articles:detail", {"pk": 7, "slug": "人工智能-应用"}),
        ("articles:detail_short", {"pk": 7}),
        ("articles:tag", {"slug": "港口"}),
    ]
    with translation.override(language):
        for name, kwargs in cases * 2:  # the second time from the memo
            assert reverse(name, kwargs=kwargs) == django_reverse(name, kwargs=kwargs)


def test_a_script_prefix_is_part_of_the_memo():
    """A site served under /news/ links under /news/, even after a link was remembered."""
    kwargs = {"slug": "港口"}
    assert reverse("articles:tag", kwargs=kwargs).startswith("/tag/")
    set_script_prefix("/news/")
    try:
        assert reverse("articles:tag", kwargs=kwargs).startswith("/news/tag/")
    finally:
        set_script_prefix("/")
