"""Reading a wire-style article out of the lines of a saved page.

A saved page is page furniture, then the title, the dateline ("中新网杭州1月16日电(记者 张三
李四)"), paragraphs with photo captions ("…一景。 王斌 摄") between them, the end marker
"(完)" and the editor line "【编辑:付子豪】", then more furniture and sometimes injected spam.
`parse_lines` keeps the article and accounts for every line it drops, so the importer can
report both. The lines come from `pages.py`, which reads text and HTML files.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.models import Byline
from articles.spam_guard import END_MARKER

SOURCES = (
    "中国新闻网",
    "中新网",
    "中新社",
    "新华社",
    "新华网",
    "人民网",
    "人民日报",
    "央视网",
    "央视新闻",
    "中国日报网",
    "光明网",
    "环球网",
    "中国网",
)
_SOURCE_RE = "|".join(sorted(SOURCES, key=len, reverse=True))
DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
DATELINE = re.compile(
    rf"^(?P<source>{_SOURCE_RE})(?:客户端)?"
    r"(?P<place>[\u4e00-\u9fff·]{0,12}?)\s*"
    r"(?:(?P<year>\d{4})年)?(?P<month>\d{1,2})月(?P<day>\d{1,2})日\s*[电讯]"
    r"\s*(?:[(（](?P<byline>[^()（）]{0,80})[)）])?\s*"
)
NAME = r"[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,8}(?:·[\u4e00-\u9fff]{1,8})+"
CAPTION = re.compile(
    rf"^(?P<caption>.*?\S)(?:\s+|(?<=[。！？”」）)]))"
    rf"(?:(?:{_SOURCE_RE})?(?:记者|通讯员|特约摄影师?|实习生|摄影)\s*)?"
    rf"(?P<names>(?:{NAME})(?:[\s、]+(?:{NAME})){{0,3}})\s*摄\s*$"
)
EDITOR = re.compile(
    r"^[【\[(（]?\s*(?:责任)?编辑\s*[:：]\s*(?P<name>[^】\])）]{1,30}?)\s*[】\])）]?$"
)
# Lines that end the article region when no "(完)" is found, and are dropped anywhere.
STOP = re.compile(
    r"^(?:分享(?:到|成功|至)?|直接打开|打开.{0,8}APP|安装应用|下载.{0,6}客户端|热门导读|热点推荐|"
    r"热门推荐|相关新闻|相关阅读|相关报道|推荐阅读|延伸阅读|版权所有|举报|返回顶部|上一篇|下一篇|"
    r"支持楼主|阅读原文|查看更多|责任编辑)",
    re.IGNORECASE,
)
# Furniture that may also sit inside the story (ads between paragraphs): dropped, not an end.
INLINE_FURNITURE = re.compile(
    r"^(?:扫码|扫一扫|点击(?:查看|进入|阅读)|【点击|展开(?:全文)?$|收起$|字号|打印|纠错|"
    r"参与互动|评论\s*\d*$|点赞|收藏$|本文来自|免责声明|关注我们|首页$|返回首页)",
    re.IGNORECASE,
)
COUNTER = re.compile(
    r"^(?:\d[\d,.万]*\s*人?\s*(?:支持|点赞|评论|阅读|浏览|参与)|(?:阅读|浏览|评论|点赞)\s*[\d,.万]+)"
)
BULLET = re.compile(r"^[•·●▪■◆★☆›»]\s")
BULLET_LENGTH = 60
DATETIME = re.compile(
    r"(?P<year>\d{4})\s*[-年/.]\s*(?P<month>\d{1,2})\s*[-月/.]\s*(?P<day>\d{1,2})\s*日?"
    r"(?:\s*(?P<hour>\d{1,2})[:：](?P<minute>\d{2})(?:[:：](?P<second>\d{2}))?)?"
)
META = re.compile(
    r"来源\s*[:：]|发布时间|作者\s*[:：]|原标题\s*[:：]|字号|分享到|参与互动|打印|纠错"
)
URL_LINE = re.compile(r"^https?://\S+$")
FURNITURE_LENGTH = 40
TITLE_LENGTH = (4, 120)

ROLE_WORDS = {
    "见习记者": Byline.Role.REPORTER,
    "特约记者": Byline.Role.REPORTER,
    "实习记者": Byline.Role.REPORTER,
    "记者": Byline.Role.REPORTER,
    "实习生": Byline.Role.REPORTER,
    "通讯员": Byline.Role.CORRESPONDENT,
    "摄影记者": Byline.Role.PHOTOGRAPHER,
    "摄影": Byline.Role.PHOTOGRAPHER,
}
BYLINE_NAME = re.compile(rf"^(?:{NAME}|[A-Za-z][A-Za-z.'-]{{1,30}})$")


class ParseError(ValueError):
    """The file holds no wire article we can recognise; the message says why."""


@dataclass
class Line:
    """One block of page text; `image` is the src of an image standing at this point."""

    text: str
    image: str = ""


@dataclass
class Dropped:
    """A piece of the page that is not imported. `kind` says why (see DROPPED_KINDS)."""

    kind: str
    text: str


DROPPED_KINDS = {
    "before": gettext_lazy("标题前的页面内容"),
    "meta": gettext_lazy("标题与电头之间的页面信息"),
    "furniture": gettext_lazy("页面杂项（分享、热门、计数、推广等）"),
    "after": gettext_lazy("文末之后的其他内容（疑似注入）"),
    "hidden": gettext_lazy("隐藏元素"),
    "junk": gettext_lazy("空的杂乱标签"),
    "byline": gettext_lazy("无法识别的署名"),
}


@dataclass
class PhotoRef:
    """A photo as the page prints it: caption, credit, and where it stands in the text."""

    caption: str
    photographers: list
    after_paragraph: int
    image: str = ""

    @property
    def credit(self):
        return _("%(name)s 摄") % {"name": " ".join(self.photographers)}


@dataclass
class WirePage:
    title: str
    source: str
    place: str
    dateline_date: date
    bylines: list = field(default_factory=list)  # (name, Byline.Role) in page order
    editor: str = ""
    paragraphs: list = field(default_factory=list)
    photos: list = field(default_factory=list)
    origin_url: str = ""
    published_at: datetime | None = None
    has_end_marker: bool = False
    dropped: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def origin_key(self):
        if not self.origin_url:
            return content_fingerprint(self.source, self.place, self.dateline_date, self.title)
        if len(self.origin_url) <= 255:
            return self.origin_url
        return "url:" + hashlib.sha256(self.origin_url.encode()).hexdigest()


def content_fingerprint(source, place, day, title):
    """A stable key for an article without a URL: source, place, date and title.

    Spacing and full/half-width forms are ignored, so re-saving a page keeps its key.
    """
    title = "".join(unicodedata.normalize("NFKC", title).split())
    key = f"{source}|{place}|{day.isoformat() if day else ''}|{title}"
    return "fp:" + hashlib.sha256(key.encode()).hexdigest()[:40]


def parse_lines(lines, *, origin_url="", published_at=None, today=None):
    """The WirePage in `lines` (a list of Line); ParseError when there is no article."""
    lines = [line for line in lines if line.text or line.image]
    start = _find_dateline(lines)
    if start is None:
        raise ParseError(_("找不到电头（如“中新网杭州1月16日电(记者 张三)”），不是通讯稿页面。"))
    match = DATELINE.match(lines[start].text.translate(DIGITS))
    title_at, dropped, meta = _find_title(lines, start)
    origin_url = origin_url or _url_before(lines[:title_at])
    published_at = published_at or _published_at(meta)
    page = WirePage(
        title=lines[title_at].text,
        source=match["source"],
        place=match["place"],
        dateline_date=None,
        origin_url=origin_url,
        published_at=published_at,
        dropped=dropped,
    )
    page.dateline_date = _dateline_date(match, published_at, today, page.notes)
    page.bylines = _bylines(match["byline"] or "", page)
    first = lines[start].text[match.end() :].strip()
    body = [Line(first, lines[start].image), *lines[start + 1 :]]
    _read_body(body, page)
    return page


def _find_dateline(lines):
    for index, line in enumerate(lines):
        if DATELINE.match(line.text.translate(DIGITS)):
            return index
    return None


def _is_furniture(text):
    if BULLET.match(text) and len(text) <= BULLET_LENGTH:
        return True  # an item of a hot list or related links; stories have no bullets
    if len(text) > FURNITURE_LENGTH:
        return False
    return bool(
        STOP.match(text)
        or INLINE_FURNITURE.match(text)
        or COUNTER.match(text)
        or DATETIME.fullmatch(text)
    )


def _find_title(lines, start):
    """Index of the title (the nearest real line above the dateline) and what was dropped."""
    dropped, meta = [], []
    for index in range(start - 1, -1, -1):
        text = lines[index].text
        if lines[index].image or _is_furniture(text):
            dropped.append(Dropped("meta", text or lines[index].image))
        elif len(text) <= 80 and (META.search(text) or DATETIME.search(text)):
            dropped.append(Dropped("meta", text))
            meta.append(text)
        elif TITLE_LENGTH[0] <= len(text) <= TITLE_LENGTH[1]:
            before = [Dropped("before", line.text or line.image) for line in lines[:index]]
            return index, before + dropped[::-1], meta
        else:
            break
    raise ParseError(_("电头前找不到标题。"))


def _url_before(lines):
    for line in lines:
        if URL_LINE.match(line.text):
            return line.text
    return ""


def _published_at(meta):
    for text in meta:
        found = DATETIME.search(text.translate(DIGITS))
        if found and found["hour"]:
            try:
                naive = datetime(
                    int(found["year"]),
                    int(found["month"]),
                    int(found["day"]),
                    int(found["hour"]),
                    int(found["minute"]),
                    int(found["second"] or 0),
                )
            except ValueError:
                continue
            return timezone.make_aware(naive)
    return None


def _dateline_date(match, published_at, today, notes):
    """The dateline's date; its year comes from the page when printed, else is inferred."""
    month, day = int(match["month"]), int(match["day"])
    try:
        if match["year"]:
            return date(int(match["year"]), month, day)
        if published_at is not None:
            anchor = timezone.localtime(published_at).date()
            years = (anchor.year - 1, anchor.year, anchor.year + 1)
            candidates = [d for year in years if (d := _date_or_none(year, month, day))]
            return min(candidates, key=lambda d: abs(d - anchor))
        today = today or timezone.localdate()
        notes.append(_("电头未写年份，按导入日期推断。"))
        this_year = _date_or_none(today.year, month, day)
        if this_year and this_year <= today + timedelta(days=1):
            return this_year
        return date(today.year - 1, month, day)
    except ValueError as exc:
        raise ParseError(
            _("电头日期无效：%(month)s月%(day)s日") % {"month": month, "day": day}
        ) from exc


def _date_or_none(year, month, day):
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _bylines(text, page):
    """(name, role) pairs from "记者 张三 李四 通讯员 王五", "邵燕飞 周健" and the like."""
    bylines, role = [], Byline.Role.REPORTER
    for token in re.split(r"[\s、，,;；/]+", text.strip()):
        token = re.sub(rf"^(?:{_SOURCE_RE})", "", token)
        for word, word_role in ROLE_WORDS.items():
            if token.startswith(word):
                role, token = word_role, token[len(word) :]
                break
        if not token:
            continue
        if BYLINE_NAME.match(token):
            if (token, role) not in bylines:
                bylines.append((token, role))
        else:
            page.dropped.append(Dropped("byline", token))
    return bylines


def _end_of_article(body, page):
    """Index of the line holding "(完)"; without one, of the first furniture line after the
    story. "(完)" wins when present: sites put "相关阅读" boxes inside stories too."""
    for index, line in enumerate(body):
        if END_MARKER.search(line.text):
            page.has_end_marker = True
            return index
    for index, line in enumerate(body):
        text = line.text
        if index and len(text) <= FURNITURE_LENGTH and (EDITOR.match(text) or STOP.match(text)):
            break
    else:
        index = len(body)
    page.notes.append(_("未找到结束标记“(完)”，正文止于第一处页面杂项。"))
    return index


def _read_body(body, page):
    end = _end_of_article(body, page)
    if page.has_end_marker:
        before, after = END_MARKER.split(body[end].text, maxsplit=1)
        body[end] = Line(before.strip(), body[end].image)
        tail = [Line(after.strip()), *body[end + 1 :]]
        end += 1
    else:
        tail = body[end:]
    pending_image = ""
    for line in body[:end]:
        text = line.text
        if line.image:
            pending_image = line.image
            continue
        if not text:
            continue
        caption = CAPTION.match(text) if len(text) <= 300 else None
        if caption:
            names = caption["names"].replace("、", " ").split()
            page.photos.append(
                PhotoRef(caption["caption"], names, len(page.paragraphs), pending_image)
            )
            pending_image = ""
        elif _is_furniture(text):
            page.dropped.append(Dropped("furniture", text))
        else:
            if pending_image:
                page.dropped.append(Dropped("furniture", _("无说明的图片 %s") % pending_image))
                pending_image = ""
            page.paragraphs.append(" ".join(text.split()))
    _read_tail(tail, page)
    if not page.paragraphs:
        raise ParseError(_("电头之后没有正文。"))


def _read_tail(tail, page):
    """Find the editor line just after the article; everything else is dropped."""
    seen = 0
    for line in tail:
        text = line.text
        if not text and not line.image:
            continue
        editor = EDITOR.match(text)
        if editor and not page.editor and seen < 3:
            page.editor = editor["name"].strip()
        elif line.image:
            page.dropped.append(Dropped("furniture", line.image))
        elif _is_furniture(text):
            page.dropped.append(Dropped("furniture", text))
        else:
            page.dropped.append(Dropped("after", text))
        seen += 1
