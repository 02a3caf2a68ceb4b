"""The newsroom app: articles, authors, regions, tags, photos and the reader site."""
