"""Chinese full-text search over listed articles.

text.py normalises and segments, query.py turns input into a safe query, documents.py and
signals.py keep one SearchDocument per searchable article, engine.py matches and ranks
(PostgreSQL tsvector + GIN, or LIKE on other databases), snippets.py highlights, and
views.py serves /search/.
"""
