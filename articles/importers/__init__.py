"""Bringing articles in: wire-style pages (text or HTML) and our own NDJSON export.

- `pages` reads a saved page (text or HTML) into lines, `wire` finds the article in them
  and accounts for everything it drops (page furniture, hidden elements, injected spam).
- `records` is the one dict shape shared by export, import and the change report.
- `store` writes a record in one transaction per article, matching authors (`people`),
  tags and regions before creating new ones.
- `sources` walks files, folders and stdin; `report` words the per-file report.

Photos: a photo row needs an image file. A caption whose image file sits next to an HTML
page becomes a Photo; a caption without a file (every text page) stays in the body as an
italic paragraph with its credit, where the photo stood, and the report says so.
"""
