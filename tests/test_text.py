"""Chinese text helpers: excerpts by characters, reading time, 万 counts, Beijing dates."""

from datetime import UTC, date, datetime

import pytest

from articles import text


def test_excerpt_cuts_at_the_last_sentence_end_that_fits():
    """Chinese has no spaces: the cut is by characters, after a full sentence."""
    story = (
        "人工智能是浙江发展的重要一笔。该省核心产业营收增长明显！这背后有何缘由？后面还有很多内容"
    )
    assert text.excerpt(story, 30) == "人工智能是浙江发展的重要一笔。该省核心产业营收增长明显！"
    assert len(text.excerpt(story, 30)) <= 30


def test_excerpt_keeps_a_closing_quote_with_its_sentence():
    story = "他说：“港口是名片。”随后又谈到了更多关于航运、物流和数字技术的话题"
    assert text.excerpt(story, 14) == "他说：“港口是名片。”"


def test_excerpt_without_a_sentence_end_is_cut_hard_with_an_ellipsis():
    story = "没有句号的一段很长很长的文字" * 5
    cut = text.excerpt(story, 20)
    assert cut.endswith("…") and len(cut) == 20


def test_short_text_is_left_whole():
    assert text.excerpt("短句。", 120) == "短句。"


def test_plain_text_strips_tags_entities_and_a_cut_off_tag():
    assert text.plain_text("<p>甲&amp;乙</p><p>丙\n 丁</p><p cla") == "甲&乙丙 丁"


@pytest.mark.parametrize(
    ("characters", "minutes"), [(0, 1), (450, 1), (451, 2), (2000, 5)], ids=str
)
def test_reading_time_counts_characters_at_450_a_minute(characters, minutes):
    assert text.reading_minutes("字" * characters + " \n ") == minutes


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        (0, "0"),
        (95, "95"),
        (9_999, "9999"),
        (10_000, "1万"),
        (12_345, "1.2万"),
        (7_298_663, "729.9万"),
        (99_949_999, "9995万"),
        (99_999_999, "1亿"),
        (123_000_000, "1.2亿"),
        (None, "0"),
    ],
    ids=str,
)
def test_counts_past_ten_thousand_are_shown_in_wan(number, shown):
    assert text.short_count(number) == shown


def test_dates_are_printed_in_beijing_time():
    """10:39 UTC is 18:39 in Beijing, whatever the server's zone."""
    assert (
        text.chinese_datetime(datetime(2026, 1, 16, 10, 39, tzinfo=UTC)) == "2026年01月16日 18:39"
    )
    assert text.chinese_datetime(None) == ""


def test_machine_readable_times_are_to_the_second_in_beijing_time():
    """HTML's datetime attribute allows at most three decimals; we give none."""
    moment = datetime(2026, 1, 16, 10, 39, 5, 123456, tzinfo=UTC)
    assert text.iso_datetime(moment) == "2026-01-16T18:39:05+08:00"


def test_dateline_days_have_no_leading_zeros():
    assert text.month_day(date(2026, 1, 6)) == "1月6日"
