"""A hotel's domain is the hotel's only once a DNS TXT record proves it: until then it does not route, links
and sitemaps do not name it and mail does not come from it. The checks ask a local DNS server over UDP
(tests.fakes.dns), as they would ask a real resolver."""

import importlib
import re
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from innkeeper.core.errors import InvalidInput
from innkeeper.hotels import services
from innkeeper.hotels.links import hotel_url
from innkeeper.hotels.models import HotelDomain
from innkeeper.messaging.models import MessageStatus
from tests import factories
from tests.messaging_helpers import confirmed_booking, deliver, rows
from tests.test_panel_catalogue import as_member


def claim(hotel, name, primary=False) -> HotelDomain:
    with scope(hotel=hotel):
        return services.domain_add(hotel=hotel, domain=name, primary=primary)


def check(row: HotelDomain) -> HotelDomain:
    with scope(hotel=row.hotel):
        return services.domain_verify(hotel=row.hotel, domain=row)


def publish(fake_dns, row: HotelDomain, token: str | None = None) -> None:
    fake_dns.publish(f"_innkeeper.{row.domain}", f"innkeeper-verify={token or row.verification_token}")


def page(client, host, path="/en/"):
    return client.get(path, HTTP_HOST=host)


@pytest.fixture
def sites(hotel, other_hotel):
    factories.make_room_type(hotel, slug="std", name="Standard", rooms=1)
    factories.make_room_type(other_hotel, slug="penthouse", name="Penthouse", rooms=1)
    return hotel, other_hotel


def test_a_pending_domain_does_not_route_until_its_record_is_published_and_checked(client, sites, fake_dns):
    hotel, other_hotel = sites
    mine = claim(hotel, "www.moscow-inn.example")
    theirs = claim(other_hotel, "other-inn.example")
    assert page(client, "www.moscow-inn.example").status_code == 404
    publish(fake_dns, mine)
    assert page(client, "www.moscow-inn.example").status_code == 404  # published, not yet checked

    from innkeeper.hotels.tasks import domains_verify_pending_task
    domains_verify_pending_task()  # the beat's periodic check
    assert {name for name, _type in fake_dns.queries} == {"_innkeeper.www.moscow-inn.example",
                                                          "_innkeeper.other-inn.example"}
    r = page(client, "www.moscow-inn.example")
    assert r.status_code == 200 and "Moscow Inn" in r.content.decode()
    assert "Other Inn" not in r.content.decode()
    with scopes_disabled():
        mine, theirs = HotelDomain.objects.get(pk=mine.pk), HotelDomain.objects.get(pk=theirs.pk)
    assert mine.verified_at is not None and theirs.verified_at is None
    assert theirs.check_result == (
        "No record _innkeeper.other-inn.example was found: the name does not exist in DNS yet. Create the "
        "TXT record, then check again (a new record can take up to an hour to be seen).")
    assert page(client, "other-inn.example").status_code == 404
    assert page(client, "other.localhost").status_code == 200  # its own name needs no proof


def check_now(client, worker, fake_dns, row, **headers) -> str:
    """Press "Check now": the answer comes before any DNS lookup and shows the domain as being checked; then
    a worker's turn; then the domains page as it is now."""
    asked = len(fake_dns.queries)
    answer = client.post(f"/panel/domains/{row.pk}/check/", follow=True, **headers).content.decode()
    assert f'id="domain-{row.pk}" data-waiting="/panel/domains/">' in answer and len(fake_dns.queries) == asked
    assert worker.run("hotels.domain_check") == ["hotels.domain_check"]
    assert len(fake_dns.queries) == asked + 1
    return client.get("/panel/domains/", **headers).content.decode()


def test_check_now_shows_what_was_found_and_a_wrong_token_does_not_verify(client, sites, fake_dns, worker):
    hotel, other_hotel = sites
    as_member(client, hotel, "OWNER", "owner@moscow.example")
    added = client.post("/panel/settings/domains/", {"domain-domain": "moscow-inn.example"}, follow=True)
    assert "Create the DNS record shown for it" in added.content.decode()
    with scopes_disabled():
        row = HotelDomain.objects.get(hotel=hotel, domain="moscow-inn.example")
        claim(other_hotel, "other-inn.example")
    listed = client.get("/panel/domains/").content.decode()
    assert "<code>_innkeeper.moscow-inn.example</code>" in listed
    assert f"<code>innkeeper-verify={row.verification_token}</code>" in listed
    assert f'action="/panel/domains/{row.pk}/check/"' in listed and "other-inn" not in listed
    assert re.fullmatch(r"[0-9a-f]{32}", row.verification_token)

    publish(fake_dns, row, token="0" * 32)
    wrong = check_now(client, worker, fake_dns, row)
    assert "moscow-inn.example · <strong data-pending>not verified</strong>" in wrong
    assert (f"Last check (just now): The TXT record _innkeeper.moscow-inn.example holds "
            f"&quot;innkeeper-verify={'0' * 32}&quot;, "
            f"not innkeeper-verify={row.verification_token}.") in wrong
    assert page(client, "moscow-inn.example").status_code == 404

    publish(fake_dns, row)
    right = check_now(client, worker, fake_dns, row)
    assert "moscow-inn.example · verified" in right
    assert f"<code>innkeeper-verify={row.verification_token}</code>" not in right  # nothing left to publish
    assert page(client, "moscow-inn.example").status_code == 200
    with scopes_disabled():
        assert HotelDomain.objects.get(domain="other-inn.example").verified_at is None


def test_another_hotels_token_for_the_same_name_does_not_verify_this_hotel(client, sites, fake_dns):
    hotel, other_hotel = sites
    # nobody's while pending: both may claim it
    mine, theirs = claim(hotel, "shared.example"), claim(other_hotel, "shared.example")
    assert mine.verification_token != theirs.verification_token
    publish(fake_dns, theirs)
    assert check(mine).verified_at is None
    assert check(theirs).verified_at is not None
    r = page(client, "shared.example")
    assert r.status_code == 200 and "Other Inn" in r.content.decode()
    publish(fake_dns, mine)  # too late: the name is another hotel's now
    assert check(mine).check_result == "shared.example already belongs to another hotel."
    assert "Other Inn" in page(client, "shared.example").content.decode()
    with scope(hotel=hotel), pytest.raises(InvalidInput) as err:
        services.domain_add(hotel=hotel, domain="shared.example")
    assert err.value.code == "taken"
    with scopes_disabled(), pytest.raises(IntegrityError), transaction.atomic():  # the database says so too
        HotelDomain.objects.filter(pk=mine.pk).update(verified_at=timezone.now())


@pytest.mark.parametrize("setup, found", [
    (lambda dns, name: dns.silent.add(name),
     "The DNS servers did not answer within 1 seconds; the domain will be checked again later."),
    (lambda dns, name: dns.failing.add(name),
     "The DNS servers for slow.example answered with an error, so the record could not be read; the domain "
     "will be checked again later."),
    (lambda dns, name: dns.other.add(name),
     "The name _innkeeper.slow.example exists in DNS but has no TXT record. Create the TXT record, then "
     "check again."),
])
def test_a_failed_lookup_says_what_happened_in_words(hotel, other_hotel, fake_dns, setup, found):
    row = claim(hotel, "slow.example")
    setup(fake_dns, "_innkeeper.slow.example")
    row = check(row)
    assert (row.verified_at, row.check_result) == (None, found)
    assert row.checked_at is not None


def test_names_no_record_could_make_a_hotels_are_refused_and_its_own_names_need_no_proof(
        client, sites, settings, fake_dns):
    hotel, other_hotel = sites
    settings.PLATFORM_DOMAIN = "innkeeper.example"
    settings.INNKEEPER_PLATFORM_HOSTS = [*settings.INNKEEPER_PLATFORM_HOSTS, "www.innkeeper.example"]
    platform = "is the platform's own address; give your hotel's own domain."
    suffix = ("is a public suffix, under which anyone registers names; give the hotel's own domain under it, "
              "e.g. yourhotel.")
    refused = {
        "innkeeper.example": f"innkeeper.example {platform}",
        "www.innkeeper.example": f"www.innkeeper.example {platform}",
        "other.innkeeper.example": "Under innkeeper.example the hotel's own address is "
                                   "moscow.innkeeper.example; no other name there can be its.",
        "other.localhost": "Under localhost the hotel's own address is moscow.localhost; no other name there "
                           "can be its.",
        "com": "com is not a valid domain name.",
        "uk.com": f"uk.com {suffix}uk.com.",
        "co.uk": f"co.uk {suffix}co.uk.",
        "github.io": f"github.io {suffix}github.io.",
    }
    for name, message in refused.items():
        with scope(hotel=hotel), pytest.raises(InvalidInput) as err:
            services.domain_add(hotel=hotel, domain=name)
        assert (str(err.value), err.value.field) == (message, "domain")
    with scopes_disabled():
        assert not HotelDomain.objects.filter(hotel=hotel).exists()
    assert claim(hotel, "www.com").verified_at is None  # a registrable name: pending until proven
    own = claim(hotel, "moscow.innkeeper.example", primary=True)
    assert own.verified_at is not None and claim(hotel, "moscow.localhost").verified_at is not None
    assert fake_dns.queries == []
    assert hotel_url(hotel, "home", "en").startswith("http://moscow.innkeeper.example:")
    # every hotel answers on its name under the platform's domain, no row needed
    assert "Other Inn" in page(client, "other.innkeeper.example").content.decode()
    assert "Moscow Inn" in page(client, "moscow.innkeeper.example").content.decode()
    assert page(client, "nobody.innkeeper.example").status_code == 404


def test_links_and_sitemaps_name_the_main_domain_only_once_it_is_verified(client, sites, fake_dns):
    hotel, other_hotel = sites
    row = claim(hotel, "www.moscow-inn.example", primary=True)
    claim(other_hotel, "www.other-inn.example", primary=True)
    sitemap = page(client, "moscow.localhost", "/sitemap.xml").content.decode()
    assert "moscow-inn" not in sitemap and "<loc>http://moscow.localhost/en/rooms/std/</loc>" in sitemap
    home = page(client, "moscow.localhost").content.decode()
    assert '<link rel="canonical" href="http://moscow.localhost/en/">' in home
    assert hotel_url(hotel, "home", "en").startswith("http://moscow.localhost:")
    publish(fake_dns, row)
    check(row)
    sitemap = page(client, "moscow.localhost", "/sitemap.xml").content.decode()
    assert "<loc>http://www.moscow-inn.example/en/rooms/std/</loc>" in sitemap
    assert hotel_url(hotel, "home", "en").startswith("http://www.moscow-inn.example:")
    assert hotel_url(other_hotel, "home", "en").startswith("http://other.localhost:")  # still pending


def test_mail_from_an_unverified_domain_goes_from_the_platforms_address_under_the_hotels_name(
        hotel, other_hotel, smtp, fast, fake_dns):
    fast.INNKEEPER_WHATSAPP = {**fast.INNKEEPER_WHATSAPP, "provider": "off"}
    mine = claim(hotel, "moscow-inn.example")
    theirs = claim(other_hotel, "other-inn.example")
    with scopes_disabled():
        factories.make_messaging_account(hotel, email_from_name="Front Desk",
                                        email_from_address="desk@moscow-inn.example")
        factories.make_messaging_account(other_hotel, email_from_name="Other Desk",
                                        email_from_address="desk@other-inn.example",
                                        email_reply_to="replies@other-inn.example")
    assert deliver(rows(confirmed_booking(hotel))["EMAIL"]).status == MessageStatus.SENT
    sent = {m["To"]: m for m in smtp.messages}
    assert sent["anna@example.com"]["From"] == "Moscow Inn <stay@moscow.example>"  # the platform's address
    assert sent["anna@example.com"]["Reply-To"] == "desk@moscow-inn.example"  # replies still reach the hotel
    publish(fake_dns, theirs)
    check(theirs)
    theirs_sent = deliver(rows(confirmed_booking(other_hotel, email="bob@example.com"))["EMAIL"])
    assert theirs_sent.status == MessageStatus.SENT
    sent = {m["To"]: m for m in smtp.messages}
    assert sent["bob@example.com"]["From"] == "Other Desk <desk@other-inn.example>"  # verified: its own From
    assert sent["bob@example.com"]["Reply-To"] == "replies@other-inn.example"

    publish(fake_dns, mine)
    check(mine)
    deliver(rows(confirmed_booking(hotel, email="carl@example.com"))["EMAIL"])
    sent = {m["To"]: m for m in smtp.messages}
    assert sent["carl@example.com"]["From"] == "Front Desk <desk@moscow-inn.example>"
    assert sent["carl@example.com"]["Reply-To"] is None


def test_the_beat_rechecks_recent_pending_domains_and_check_now_works_for_older_ones(
        hotel, other_hotel, fake_dns, settings):
    from celery import current_app

    entry = settings.CELERY_BEAT_SCHEDULE["domains-verify"]
    assert entry["task"] in current_app.tasks and entry["schedule"] == settings.DOMAIN_VERIFY_EVERY_SECONDS
    old, recent = claim(hotel, "old.example"), claim(other_hotel, "recent.example")
    with scopes_disabled():
        HotelDomain.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - timedelta(days=settings.DOMAIN_VERIFY_RECHECK_DAYS, minutes=1))
    publish(fake_dns, old)
    publish(fake_dns, recent)
    assert services.domains_verify_pending() == 1
    assert fake_dns.queries == [("_innkeeper.recent.example", "TXT")]
    assert check(_fresh(old)).verified_at is not None  # "Check now" has no window


def _fresh(row):
    with scopes_disabled():
        return HotelDomain.objects.get(pk=row.pk)


def test_domains_that_existed_before_verification_are_marked_verified_each_with_its_own_token(
        hotel, other_hotel):
    from django.apps import apps

    migration = importlib.import_module("innkeeper.hotels.migrations.0005_domain_verification")
    with scopes_disabled():
        HotelDomain.objects.create(hotel=hotel, domain="moscow-inn.example", verification_token="same")
        HotelDomain.objects.create(hotel=other_hotel, domain="other-inn.example", verification_token="same")
        migration.existing_domains_verified(apps, None)
        rows_ = list(HotelDomain.objects.order_by("domain"))
    assert all(row.verified_at is not None for row in rows_)
    assert len({row.verification_token for row in rows_}) == 2
