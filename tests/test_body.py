"""The body as readers see it: blocks, inline photos between them, "(完)" at the end."""

from types import SimpleNamespace

from articles.body import compose_body, dateline, split_blocks


def photo_after(n):
    return SimpleNamespace(after_paragraph=n)


def rendered(parts):
    return [
        part.html if part.photo is None else f"[photo {part.photo.after_paragraph}]"
        for part in parts
    ]


def test_blocks_are_split_at_top_level_and_loose_text_becomes_a_paragraph():
    html = (
        "<p>一<strong>二</strong></p>散<em>文</em>"
        "<h2>小标题</h2><ul><li>甲</li><li>乙<br>丙</li></ul>"
    )
    assert split_blocks(html) == [
        "<p>一<strong>二</strong></p>",
        "<p>散<em>文</em></p>",
        "<h2>小标题</h2>",
        "<ul><li>甲</li><li>乙<br>丙</li></ul>",
    ]


def test_the_body_is_sanitised_again_on_the_way_out():
    """A body written straight to the database (not through the form) still cannot run script."""
    blocks = split_blocks(
        '<p onclick="x()">甲<script>alert(1)</script></p><p style="display:none">广告</p>'
    )
    assert blocks == ["<p>甲</p>"]


def test_inline_photos_go_after_their_paragraph_and_the_end_mark_closes_the_story():
    parts = compose_body("<p>一。</p><p>二。</p><p>三。</p>", [photo_after(2), photo_after(0)])
    assert rendered(parts) == [
        "[photo 0]",
        "<p>一。</p>",
        "<p>二。</p>",
        "[photo 2]",
        '<p>三。<span class="end-mark">(完)</span></p>',
    ]


def test_a_photo_past_the_last_paragraph_comes_before_a_standalone_end_mark():
    parts = compose_body("<p>一。</p>", [photo_after(7)])
    assert rendered(parts) == [
        "<p>一。</p>",
        "[photo 7]",
        '<p class="end"><span class="end-mark">(完)</span></p>',
    ]


def test_a_body_ending_in_a_list_gets_the_end_mark_on_its_own():
    parts = compose_body("<p>一。</p><ul><li>甲</li></ul>")
    assert rendered(parts)[-1] == '<p class="end"><span class="end-mark">(完)</span></p>'


def test_dateline_is_source_place_and_date_without_leading_zeros():
    article = SimpleNamespace(
        source="中新网",
        dateline_region_id=1,
        dateline_region=SimpleNamespace(name="杭州"),
        dateline_date=SimpleNamespace(month=1, day=6),
        publish_at=None,
    )
    assert dateline(article) == "中新网杭州1月6日电"
    article.dateline_region_id = None
    assert dateline(article) == "中新网1月6日电"
