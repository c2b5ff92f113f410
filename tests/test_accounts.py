"""Staff accounts: one hotel per person, invitations, sign-in with throttling, password reset, and who
may open which panel page."""

import re
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core import mail
from django.db import IntegrityError
from django.utils import timezone

from innkeeper.accounts import services
from innkeeper.accounts.errors import InvitationUnusable, NotAllowed
from innkeeper.accounts.models import Invitation, Membership, User
from innkeeper.core.activity import Actor
from innkeeper.core.errors import Conflict
from innkeeper.core.models import ActivityLog
from tests import factories
from tests.factories import PASSWORD


@pytest.fixture
def owner(hotel):
    return factories.make_member(hotel, "OWNER", "owner@moscow.example")


@pytest.fixture
def staff(hotel):
    return factories.make_member(hotel, "STAFF", "staff@moscow.example")


def sign_in(client, user):
    r = client.post("/panel/sign-in/", {"username": user.email, "password": PASSWORD})
    assert r.status_code == 302, r.content[:500]
    return r


def invite(client, email="new@example.com", role="STAFF"):
    r = client.post("/panel/team/", {"email": email, "role": role})
    assert r.status_code == 302, r.content.decode()[:800]
    return re.search(r"http://testserver(/panel/join/[^/\s]+/)", mail.outbox[-1].body).group(1)


# One hotel per person ------------------------------------------------------------------------------

def test_a_person_belongs_to_one_hotel_by_database_constraint(hotel, other_hotel, staff):
    with pytest.raises(IntegrityError):
        Membership.objects.create(user=staff, hotel=other_hotel, role="STAFF")


def test_emails_are_one_account_whatever_their_case(db):
    User.objects.create_user("Anna@Example.com", PASSWORD)
    with pytest.raises(IntegrityError):
        User.objects.create_user("anna@example.COM", PASSWORD)


# Invitations ---------------------------------------------------------------------------------------

def test_an_invited_person_signs_up_with_the_invited_email_and_becomes_staff(client, hotel, owner):
    sign_in(client, owner)
    link = invite(client)
    assert mail.outbox[-1].to == ["new@example.com"] and hotel.name in mail.outbox[-1].subject
    client.post("/panel/sign-out/")
    page = client.get(link)
    assert page.status_code == 200 and 'value="new@example.com" readonly' in page.content.decode()
    r = client.post(link, {"name": "Nina New", "password": "another long passphrase",
                           "email": "someone-else@example.com"})  # the address is the invitation's, not the form's
    assert r.status_code == 302 and r["Location"] == "/panel/"
    user = User.objects.get(email="new@example.com")
    assert (user.membership.hotel, user.membership.role, user.name) == (hotel, "STAFF", "Nina New")
    assert not User.objects.filter(email="someone-else@example.com").exists()
    assert client.get("/panel/").status_code == 200  # signed in by signing up
    again = client.post(link, {"name": "X", "password": "another long passphrase"})
    assert again.status_code == 410 and "already been used" in again.content.decode()


def test_a_weak_password_is_refused_and_nothing_is_created(client, hotel, owner):
    sign_in(client, owner)
    link = invite(client)
    client.post("/panel/sign-out/")
    r = client.post(link, {"name": "Nina", "password": "12345"})
    assert r.status_code == 400 and "too short" in r.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()
    assert Invitation.objects.get().accepted_at is None


def test_resend_kills_the_old_link_and_revoke_kills_the_new_one(client, hotel, owner):
    sign_in(client, owner)
    first = invite(client)
    invitation = Invitation.objects.get()
    client.post(f"/panel/team/invitations/{invitation.pk}/resend/")
    second = re.search(r"http://testserver(/panel/join/[^/\s]+/)", mail.outbox[-1].body).group(1)
    assert second != first and len(mail.outbox) == 2
    client.post("/panel/sign-out/")
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    sign_in(client, owner)
    client.post(f"/panel/team/invitations/{invitation.pk}/revoke/")
    client.post("/panel/sign-out/")
    r = client.get(second)
    assert r.status_code == 410 and "withdrawn" in r.content.decode()


def test_an_invitation_expires_after_seven_days(hotel, owner):
    invitation, token = services.invitation_create(hotel=hotel, actor=owner, email="late@example.com")
    services.invitation_for_token(token, now=timezone.now() + timedelta(days=6, hours=23))
    with pytest.raises(InvitationUnusable) as late:
        services.invitation_for_token(token, now=timezone.now() + timedelta(days=7, minutes=1))
    assert late.value.state == "expired"


def test_an_existing_person_signs_in_and_accepts(client, hotel, owner):
    loner = factories.make_member(None, email="loner@example.com")
    _invitation, token = services.invitation_create(hotel=hotel, actor=owner, email="Loner@Example.com")
    sign_in(client, loner)
    assert "Accept the invitation" in client.get(f"/panel/join/{token}/").content.decode()
    assert client.post(f"/panel/join/{token}/").status_code == 302
    assert Membership.objects.get(user=loner).hotel == hotel


def test_an_invitation_cannot_be_accepted_by_another_account_or_by_a_member_elsewhere(
        client, hotel, other_hotel, owner):
    _invitation, token = services.invitation_create(hotel=hotel, actor=owner, email="right@example.com")
    wrong = factories.make_member(None, email="wrong@example.com")
    sign_in(client, wrong)
    r = client.post(f"/panel/join/{token}/")
    assert r.status_code == 400 and "sent to right@example.com" in r.content.decode()
    elsewhere = factories.make_member(other_hotel, email="busy@example.com")
    with pytest.raises(Conflict) as refused:
        services.invitation_create(hotel=hotel, actor=owner, email=elsewhere.email)
    assert refused.value.code == "member_elsewhere"
    assert not Membership.objects.filter(user=wrong).exists()


def test_staff_cannot_invite_and_an_owner_cannot_remove_themselves(hotel, owner, staff):
    with pytest.raises(NotAllowed):
        services.invitation_create(hotel=hotel, actor=staff, email="x@example.com")
    with pytest.raises(NotAllowed):
        services.member_remove(membership=owner.membership, actor=owner)
    services.member_remove(membership=staff.membership, actor=owner)
    assert not Membership.objects.filter(user=staff).exists() and User.objects.filter(pk=staff.pk).exists()


def test_team_changes_are_audited_with_who_what_and_before_after(hotel, owner, staff):
    invitation, _token = services.invitation_create(hotel=hotel, actor=owner, email="a@example.com", role="STAFF")
    removed = staff.membership.pk
    services.member_remove(membership=staff.membership, actor=owner)
    entries = [(e.actor, e.verb, e.subject_id, e.before, e.after)
               for e in ActivityLog.objects.filter(hotel=hotel).order_by("id")]
    by_owner = Actor("staff", str(owner.pk), owner.name)
    assert entries == [
        (by_owner, "invitation.create", str(invitation.pk), {}, {"email": "a@example.com", "role": "STAFF"}),
        (by_owner, "membership.remove", str(removed),
         {"email": "staff@moscow.example", "role": "STAFF"}, {}),
    ]


# Signing in ----------------------------------------------------------------------------------------

def test_sign_in_sets_an_http_only_same_site_session_cookie(client, staff):
    r = sign_in(client, staff)
    cookie = r.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert client.get("/panel/").status_code == 200


def test_repeated_failures_lock_the_sign_in_with_a_clear_message(client, staff):
    for n in range(4):  # the address's case does not matter to the count
        r = client.post("/panel/sign-in/", {"username": staff.email.upper() if n % 2 else staff.email,
                                            "password": "wrong"})
        assert r.status_code == 200 and "is not right" in r.content.decode()
    r = client.post("/panel/sign-in/", {"username": staff.email, "password": "wrong"})
    assert r.status_code == 429 and "Try again in 15 minutes" in r.content.decode()
    locked = client.post("/panel/sign-in/", {"username": staff.email, "password": PASSWORD})
    assert locked.status_code == 429 and "_auth_user_id" not in client.session


def test_a_staff_sign_in_lasts_twelve_hours(client, staff, other_hotel):
    signed_in_at = timezone.now()
    with time_machine.travel(signed_in_at, tick=False):
        r = sign_in(client, staff)
    assert int(r.cookies["sessionid"]["max-age"]) == 12 * 3600
    with time_machine.travel(signed_in_at + timedelta(hours=11, minutes=50), tick=False):
        assert client.get("/panel/").status_code == 200
    with time_machine.travel(signed_in_at + timedelta(hours=12, minutes=1), tick=False):
        later = client.get("/panel/")
    assert later.status_code == 302 and later["Location"].startswith("/panel/sign-in/")


def _fail_sign_in(client, user, forwarded):
    return client.post("/panel/sign-in/", {"username": user.email, "password": "wrong"},
                       HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="198.51.100.9")


def test_a_forged_x_forwarded_for_cannot_dodge_the_sign_in_lockout(client, staff, other_hotel, settings):
    settings.TRUSTED_PROXY_COUNT = 0  # no proxy in front: the header is the client's own words
    for n in range(4):
        assert _fail_sign_in(client, staff, f"203.0.113.{n}").status_code == 200
    assert _fail_sign_in(client, staff, "203.0.113.50").status_code == 429
    locked = client.post("/panel/sign-in/", {"username": staff.email, "password": PASSWORD},
                         HTTP_X_FORWARDED_FOR="203.0.113.77", REMOTE_ADDR="198.51.100.9")
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.9"}


def test_behind_a_trusted_proxy_the_lockout_is_per_client(client, staff, other_hotel, settings):
    settings.TRUSTED_PROXY_COUNT = 1  # the proxy (198.51.100.9) appends the address it saw
    for _ in range(5):
        _fail_sign_in(client, staff, "1.2.3.4, 203.0.113.5")
    assert _fail_sign_in(client, staff, "203.0.113.5").status_code == 429
    # Someone else behind the same proxy still signs in: the lockout is the attacker's alone.
    ok = client.post("/panel/sign-in/", {"username": staff.email, "password": PASSWORD},
                     HTTP_X_FORWARDED_FOR="203.0.113.6", REMOTE_ADDR="198.51.100.9")
    assert ok.status_code == 302 and "_auth_user_id" in client.session
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}


def test_password_reset_by_email(client, staff):
    r = client.post("/panel/password-reset/", {"email": "STAFF@moscow.example"})
    assert r.status_code == 302
    link = re.search(r"http://testserver(/panel/password-reset/[^/\s]+/[^/\s]+/)", mail.outbox[-1].body).group(1)
    form = client.get(link, follow=True)
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"})
    assert done.status_code == 302
    assert client.post("/panel/sign-in/", {"username": staff.email, "password": "a brand new passphrase"}
                       ).status_code == 302
    assert client.get(link, follow=True).context["validlink"] is False  # the link worked once


# Who may open what ---------------------------------------------------------------------------------

@pytest.fixture
def people(hotel, other_hotel, owner, staff):
    return {"anonymous": None, "staff": staff, "owner": owner,
            "other_staff": factories.make_member(other_hotel, "OWNER", "boss@other.example"),
            "no_hotel": factories.make_member(None, email="nobody@example.com")}


def invitation_of(hotel, owner):
    return services.invitation_create(hotel=hotel, actor=owner, email="target@example.com")[0]


PAGES = [  # method, path, who -> expected status (302 to sign-in for anonymous everywhere)
    ("get", "/panel/", {"staff": 200, "owner": 200, "other_staff": 200, "no_hotel": 403}),
    ("get", "/panel/team/", {"staff": 403, "owner": 200, "other_staff": 200, "no_hotel": 403}),
    ("post", "/panel/team/invitations/{inv}/resend/", {"staff": 403, "owner": 302, "other_staff": 404,
                                                       "no_hotel": 403}),
    ("post", "/panel/team/invitations/{inv}/revoke/", {"staff": 403, "owner": 302, "other_staff": 404,
                                                       "no_hotel": 403}),
    ("post", "/panel/team/members/{member}/remove/", {"staff": 403, "owner": 302, "other_staff": 404,
                                                      "no_hotel": 403}),
]


@pytest.mark.parametrize("method, path, expected", PAGES)
@pytest.mark.parametrize("who", ["anonymous", "staff", "owner", "other_staff", "no_hotel"])
def test_permission_matrix(client, hotel, people, method, path, expected, who):
    inv = invitation_of(hotel, people["owner"])
    target = factories.make_member(hotel, "STAFF", "removable@example.com")
    url = path.format(inv=inv.pk, member=target.membership.pk)
    if people[who]:
        sign_in(client, people[who])
    r = getattr(client, method)(url)
    if who == "anonymous":
        assert r.status_code == 302 and r["Location"].startswith("/panel/sign-in/?next=")
    else:
        assert r.status_code == expected[who]
    changed = (Invitation.objects.get(pk=inv.pk).revoked_at is not None,
               Membership.objects.filter(pk=target.membership.pk).exists())
    if expected.get(who) != 302 or who == "anonymous":
        assert changed == (False, True)  # refused: nothing happened


def test_when_the_mail_server_is_down_the_owner_gets_the_link_to_pass_on(client, hotel, owner, settings):
    import socket
    with socket.socket() as s:  # a port nobody listens on: the SMTP connection is refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    sign_in(client, owner)
    r = client.post("/panel/team/", {"email": "new@example.com", "role": "STAFF"})
    page = r.content.decode()
    assert r.status_code == 200 and "could not be sent" in page
    link = re.search(r"http://testserver(/panel/join/[^/\s<]+/)", page).group(1)
    client.post("/panel/sign-out/")
    assert client.get(link).status_code == 200  # the link shown works


def test_the_invitations_page_and_another_hotels_are_not_counted(client, hotel, other_hotel, owner):
    now = timezone.now()
    for n, h in [(n, hotel) for n in range(55)] + [(n, other_hotel) for n in range(3)]:
        Invitation.objects.create(hotel=h, email=f"guest{n}@{h.slug}.example", token_hash=f"{h.slug}{n}",
                                  created_at=now - timedelta(minutes=n), expires_at=now + timedelta(days=1))
    sign_in(client, owner)
    first = client.get("/panel/team/").content.decode()
    assert "55 in all" in first and "Page 1 of 2" in first and "guest0@moscow.example" in first
    assert "guest54@moscow.example" not in first and "other.example" not in first
    last = client.get("/panel/team/", {"page": "2"}).content.decode()
    assert "guest54@moscow.example" in last and "guest0@moscow.example" not in last
    assert client.get("/panel/team/", {"page": "x"}).status_code == 200
