"""Structured data for search engines and share cards: JSON-LD built as plain dicts.

`json_ld` in the news template library turns these into a safe <script> data block.
"""

from articles.text import iso_datetime


def absolute(base, url):
    """`url` made absolute against `base` (the site's root URL) unless it already is."""
    if not url or url.startswith(("http://", "https://", "//")):
        return url
    return f"{base}{url}"


def breadcrumb_list(crumbs, base):
    """BreadcrumbList from [(name, url), ...], root first."""
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": str(name), "item": absolute(base, url)}
            for i, (name, url) in enumerate(crumbs, start=1)
        ],
    }


def item_list(articles, base):
    """ItemList of article URLs, in page order."""
    return {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "url": absolute(base, a.get_absolute_url())}
            for i, a in enumerate(articles, start=1)
        ],
    }


def news_article(article, *, url, site, writers, description, image_url, dateline):
    """NewsArticle for the article page."""
    publisher = {"@type": "Organization", "name": site["publisher_name"], "url": site["url"]}
    if site.get("publisher_logo_url"):
        publisher["logo"] = {
            "@type": "ImageObject",
            "url": absolute(site["url"], site["publisher_logo_url"]),
        }
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": url,
        "url": url,
        "headline": article.title[:110],
        "description": description,
        "datePublished": iso_datetime(article.publish_at),
        "dateModified": iso_datetime(max(article.updated_at, article.publish_at)),
        "author": [
            {"@type": "Person", "name": a.name, "url": absolute(site["url"], a.get_absolute_url())}
            for a in writers
        ]
        or [{"@type": "Organization", "name": article.source or site["name"]}],
        "publisher": publisher,
        "inLanguage": "zh-Hans",
        "isAccessibleForFree": True,
    }
    if dateline:
        data["dateline"] = dateline
    if image_url:
        data["image"] = [image_url]
    if article.subtitle:
        data["alternativeHeadline"] = article.subtitle
    return data
