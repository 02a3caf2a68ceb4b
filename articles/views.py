"""Placeholder reader views; the reader-site work replaces them."""

from django.http import HttpResponse


def home(request):
    return HttpResponse("新闻网")


def article_detail(request, pk, slug=None):
    return HttpResponse(str(pk))


def region(request, slug):
    return HttpResponse(slug)


def tag(request, slug):
    return HttpResponse(slug)


def author(request, slug):
    return HttpResponse(slug)
