"""URLs of a hotel's own site (chosen by SiteMiddleware from the request's host)."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import path

from innkeeper.api import api
from innkeeper.web.views import booking, calendar, checkin, crawl, feedback, icons, manage, pages, webkey

urlpatterns = [
    path("api/", api.urls),
    path("robots.txt", crawl.robots, name="robots"),
    path("sitemap.xml", crawl.sitemap, name="sitemap"),
    path("logo/<str:name>", pages.logo, name="logo"),
    path("calendar/<str:token>.ics", calendar.feed, name="calendar_feed"),  # no language: channels fetch it
    path("favicon.svg", icons.hotel_favicon, name="favicon"),
    path("favicon.ico", icons.favicon_ico),
]
urlpatterns += i18n_patterns(
    path("", pages.home, name="home"),
    path("rooms/", pages.rooms, name="rooms"),
    path("rooms/<slug:slug>/", pages.room, name="room"),
    path("about/", pages.about, name="about"),
    path("contact/", pages.contact, name="contact"),
    path("book/", booking.search, name="book"),
    path("book/details/", booking.details, name="book_details"),
    path("book/pay/<str:token>/", booking.pay, name="book_pay"),
    path("book/done/<str:token>/", booking.done, name="book_done"),
    path("manage/", manage.lookup, name="manage"),
    path("manage/<str:token>/", manage.detail, name="manage_booking"),
    path("manage/<str:token>/cancel/", manage.cancel, name="manage_cancel"),
    path("manage/<str:token>/stay.ics", manage.calendar, name="manage_calendar"),
    path("check-in/", checkin.check_in, name="check_in"),
    path("webkey/", webkey.webkey, name="webkey"),
    path("feedback/", feedback.feedback, name="feedback"),
    path("demo/keypad/<str:number>/", webkey.keypad, name="demo_keypad"),
)
handler404 = "innkeeper.web.views.pages.not_found"
handler500 = "innkeeper.handlers.server_error"
