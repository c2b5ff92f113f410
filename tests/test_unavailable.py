"""A database that refuses new connections (every slot taken) answers 503 with Retry-After, never 500:
hotel sites, the panel and the JSON API alike. The server really refuses: the app connects as a role that
PostgreSQL allows no connection at all (CONNECTION LIMIT 0) and answers "too many connections"."""

import os

import psycopg
import pytest
from django.db import connection
from django.test import Client

from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def owner(hotel, other_hotel) -> Client:
    """The hotel's owner, signed in; a real server's client (an error becomes a response, not an exception)."""
    client = Client(raise_request_exception=False)
    client.force_login(factories.make_member(hotel, "OWNER", "owner@moscow.example"))
    return client


@pytest.fixture
def refusing(owner):
    """From here on the server refuses the app's next connection, as it does when no slot is free."""
    role = f"innkeeper_refused_{os.getpid()}"  # roles belong to the cluster, shared with other test databases
    with connection.cursor() as cursor:
        cursor.execute(f'DROP ROLE IF EXISTS "{role}"')
        cursor.execute(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 0')
    settings_dict = connection.settings_dict
    with pytest.raises(psycopg.OperationalError, match="too many connections for role"):
        psycopg.connect(host=settings_dict["HOST"] or None, port=settings_dict["PORT"] or None,
                        dbname=settings_dict["NAME"], user=role).close()
    user = settings_dict["USER"]
    connection.close()
    settings_dict["USER"] = role
    try:
        yield
    finally:
        connection.close()
        settings_dict["USER"] = user
        with connection.cursor() as cursor:
            cursor.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.mark.parametrize("path, host", [("/panel/", "localhost"), ("/panel/rates/", "localhost"),
                                        ("/en/", "moscow.localhost"), ("/en/rooms/", "other.localhost")])
def test_pages_answer_503_with_retry_after(owner, refusing, path, host):
    r = owner.get(path, HTTP_HOST=host)
    assert (r.status_code, r["Retry-After"]) == (503, "5")
    assert "Please try again in a moment" in r.content.decode()


@pytest.mark.parametrize("method, path", [("get", "/api/v1/staff/bookings"), ("post", "/api/v1/staff/rates"),
                                          ("get", "/api/v1/hotels/moscow/availability?check_in=2030-01-01&check_out=2030-01-02")])
def test_the_api_answers_503_with_retry_after_in_its_problem_shape(owner, refusing, method, path):
    r = getattr(owner, method)(path, content_type="application/json")
    assert (r.status_code, r["Retry-After"]) == (503, "5")
    assert r.json() == {"detail": "The service is very busy right now. Please try again in a moment.",
                        "code": "unavailable"}

