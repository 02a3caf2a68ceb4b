"""URL converters for the reader site."""

from django.urls.converters import StringConverter


class TextConverter(StringConverter):
    """Any text without "/" or NUL: Chinese tag slugs and region names fit, and a %00 in a
    URL answers 404 before it reaches PostgreSQL (whose text cannot hold NUL) as a 500."""

    regex = "[^/\x00]+"
