"""robots.txt and sitemap.xml, per hotel domain."""

from urllib.parse import urlsplit

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.http import HttpResponse
from django.urls import reverse

from innkeeper.hotels.models import RoomType
from innkeeper.web import sites
from innkeeper.web.middleware import offered_languages


def robots(request):
    lines = ["User-agent: *", "Disallow: /api/", "Disallow: /*/book/details/", "Disallow: /*/book/pay/",
             "Disallow: /*/book/done/", "Disallow: /*/manage/", "",
             f"Sitemap: {sites.absolute_url(request, '/sitemap.xml')}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


class HotelSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True

    def __init__(self, request):
        self.hotel = request.hotel
        self.languages = offered_languages(self.hotel)
        self.base = urlsplit(sites.absolute_url(request, "/"))  # the primary domain, as canonical links use

    def get_protocol(self, protocol=None):
        return self.base.scheme

    def get_domain(self, site=None):
        return self.base.netloc

    def items(self):
        pages = [("home", {}), ("rooms", {}), ("about", {}), ("contact", {}), ("book", {})]
        room_types = RoomType.objects.filter(hotel=self.hotel, is_active=True)
        return pages + [("room", {"slug": rt.slug}) for rt in room_types]

    def location(self, item):
        name, kwargs = item
        return reverse(name, kwargs=kwargs)

    def get_languages_for_item(self, item):
        return self.languages


def sitemap(request):
    return sitemap_view(request, {"pages": HotelSitemap(request)})
