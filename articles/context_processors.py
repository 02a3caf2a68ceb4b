"""Template context shared by every page: the site's name, footer licences and publisher."""

from articles.models import SiteSettings


def site(request):
    return {"site": SiteSettings.current()}
