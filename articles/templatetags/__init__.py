"""Template tags of the reader site."""
