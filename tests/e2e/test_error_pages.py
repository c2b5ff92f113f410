"""The error pages in a real browser on a phone: they fit the screen and keep to the Content-Security-Policy
(the page fixture fails on any style it refused)."""

from django_scopes import scopes_disabled

from innkeeper.hotels.models import Hotel
from tests import factories

FITS = "document.documentElement.scrollWidth <= window.innerWidth"
PRIMARY = "getComputedStyle(document.documentElement).getPropertyValue('--primary').trim()"


def test_404_and_500_pages_fit_a_phone_under_the_policy(page, hotel, other_hotel):
    hotel.theme, hotel.phone = {"primary": "#7a2e3a"}, "+7 495 000-00-00"
    hotel.save()
    broken = factories.make_hotel(name="Broken Inn", slug="broken", theme={"primary": "#123456"},
                                  phone="+995 32 200 00 00")
    with scopes_disabled():  # a time zone that does not exist: every page of its site fails
        Hotel.objects.filter(pk=broken.pk).update(time_zone="Mars/Olympus")
    port = page.port
    for url, status, heading in ((f"http://moscow.localhost:{port}/en/nowhere/", 404, "Page not found"),
                                 (f"http://localhost:{port}/nowhere/", 404, "Page not found"),
                                 (f"http://broken.localhost:{port}/en/", 500, "Something went wrong on our side")):
        assert page.goto(url).status == status
        page.get_by_role("heading", name=heading).wait_for()
        assert page.evaluate(FITS), url
    assert page.evaluate(PRIMARY) == "#123456"  # the failed hotel's own colour, by a nonce'd style
    page.get_by_role("link", name="Call the hotel: +995 32 200 00 00").wait_for()
    page.goto(f"http://moscow.localhost:{port}/en/nowhere/")
    assert page.evaluate(PRIMARY) == "#7a2e3a"
    page.get_by_role("link", name="Search for a room and book a stay").click()
    page.wait_for_url("**/en/book/")
