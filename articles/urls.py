"""Public URLs of the reader site. Article URLs carry a stable id; the slug is cosmetic."""

from django.urls import path

from articles import views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("a/<int:pk>/", views.article_detail, name="detail_short"),
    path("a/<int:pk>/<str:slug>/", views.article_detail, name="detail"),
    path("region/<slug:slug>/", views.region, name="region"),
    path("tag/<str:slug>/", views.tag, name="tag"),
    path("author/<slug:slug>/", views.author, name="author"),
]
