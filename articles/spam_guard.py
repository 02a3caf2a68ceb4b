"""The spam guard: warnings about an article that may carry injected spam.

Scraped or pasted pages bring junk along with the story: text after the end marker "(完)",
elements hidden from readers (kept for search robots), and links to spam domains. The
importer runs every page through `check_article`, and the admin runs an editor's save
through it before publishing. It only reports; removing junk is `sanitize.py`'s job.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from selectolax.lexbor import LexborHTMLParser

from articles.sanitize import is_hidden

END_MARKER = re.compile(r"[(（]\s*完\s*[)）]")
# The editor line legitimately follows "(完)": 【编辑:张三】, 【责任编辑：张三】, (责任编辑：张三).
EDITOR_LINE = re.compile(r"[【(（\[]\s*(?:责任)?编辑\s*[:：][^】)）\]]{1,30}[】)）\]]")
LINK_ATTRIBUTES = ("href", "src", "action", "data-href", "data-url")
EXCERPT_LENGTH = 40


@dataclass(frozen=True)
class SpamWarning:
    """One finding: `code` is "after_end", "hidden" or "blocked_link"; `message` is for people."""

    code: str
    message: str
    excerpt: str = ""

    def __str__(self):
        return self.message


def check_article(body, *, title="", summary="", blocklist=None):
    """Warnings about `body` (HTML, or plain text) and the optional `title` and `summary`.

    `blocklist` defaults to settings.SPAM_LINK_BLOCKLIST; a listed domain also covers its
    subdomains. Returns a list of SpamWarning, empty when nothing looks injected.
    """
    tree = LexborHTMLParser(body or "")
    root = tree.body or tree.root
    warnings = []
    text = root.text(separator="\n") if root is not None else ""
    if found := _text_after_end(text):
        warnings.append(
            SpamWarning(
                "after_end",
                _("结束标记“(完)”之后还有 %(count)d 个字：%(excerpt)s")
                % {"count": len(found), "excerpt": _excerpt(found)},
                _excerpt(found),
            )
        )
    for hidden in _hidden_elements(root):
        warnings.append(
            SpamWarning(
                "hidden",
                _("隐藏元素 <%(tag)s>：%(excerpt)s")
                % {"tag": hidden.tag, "excerpt": _excerpt(hidden.text()) or _("（无文字）")},
                _excerpt(hidden.text()),
            )
        )
    domains = [d.strip().lower().strip(".") for d in (blocklist or _blocklist()) if d.strip()]
    if domains:
        haystack = "\n".join([title, summary, text, *_link_targets(root)])
        for domain in domains:
            if _mentions(haystack, domain):
                warnings.append(
                    SpamWarning(
                        "blocked_link",
                        _("链接或网址指向黑名单域名 %(domain)s") % {"domain": domain},
                        domain,
                    )
                )
    return warnings


def _blocklist():
    return getattr(settings, "SPAM_LINK_BLOCKLIST", ())


def _excerpt(text):
    text = " ".join((text or "").split())
    return text if len(text) <= EXCERPT_LENGTH else text[:EXCERPT_LENGTH] + "…"


def _text_after_end(text):
    """Visible text after the first end marker, the editor line aside."""
    match = END_MARKER.search(text)
    if match is None:
        return ""
    rest = EDITOR_LINE.sub("", text[match.end() :])
    return " ".join(rest.split())


def _hidden_elements(root):
    """Outermost hidden elements, in document order (their children are not listed again)."""
    found, stack = [], [root] if root is not None else []
    while stack:
        node = stack.pop()
        if node.tag.startswith("-"):
            continue
        if node is not root and is_hidden(node.attributes):
            found.append(node)
            continue
        stack.extend(reversed(list(node.iter())))
    return found


def _link_targets(root):
    if root is None:
        return []
    return [
        value
        for node in root.traverse()
        for name, value in node.attributes.items()
        if name in LINK_ATTRIBUTES and value
    ]


def _mentions(haystack, domain):
    # The domain or a subdomain of it, not a longer name that merely ends the same way.
    pattern = rf"(?<![A-Za-z0-9-]){re.escape(domain)}(?![A-Za-z0-9-]|\.[A-Za-z0-9])"
    return re.search(pattern, haystack, re.IGNORECASE) is not None
