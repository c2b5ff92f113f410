"""Connect a hotel to its PMS from a shell: check the credentials, store the account, run the first sync.

    manage.py pms_connect HOTEL PROVIDER --url URL --key KEY [--option name=value ...]
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_scopes import scope

from innkeeper.core import providers
from innkeeper.core.errors import InvalidInput
from innkeeper.journey import pms
from innkeeper.journey.management.commands.pms_sync import hotel_named, report
from innkeeper.pms import services as sync


def _field(cls, wanted: tuple[str, ...], fallback) -> str | None:
    names = [f.name for f in cls.fields]
    for name in wanted:
        if name in names:
            return name
    return next((f.name for f in cls.fields if fallback(f)), None)


class Command(BaseCommand):
    help = "Connect a hotel's PMS: verify the credentials, store the account and run the first sync."

    def add_arguments(self, parser):
        parser.add_argument("hotel", help="the hotel's slug")
        parser.add_argument("provider", help=f"one of: {', '.join(providers.names('pms')) or 'none installed'}")
        parser.add_argument("--url", default="", help="the PMS's address")
        parser.add_argument("--key", default="", help="the PMS's API key")
        parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                            help="another setting of the provider (repeat for more)")
        parser.add_argument("--no-sync", action="store_true", help="store the account without the first sync")

    def handle(self, *args, **options):
        hotel = hotel_named(options["hotel"])
        try:
            cls = providers.get("pms", options["provider"])
        except KeyError:
            raise CommandError(f"Unknown PMS {options['provider']!r}; known: "
                               f"{', '.join(providers.names('pms'))}.") from None
        config = {}
        for given in options["option"]:
            name, sep, value = given.partition("=")
            if not sep:
                raise CommandError(f"--option takes NAME=VALUE, not {given!r}.")
            config[name.strip()] = value
        url_name = _field(cls, ("url", "base_url"), lambda f: f.url)
        key_name = _field(cls, ("key", "api_key"), lambda f: f.secret)
        for name, value in ((url_name, options["url"]), (key_name, options["key"])):
            if value and name is None:
                raise CommandError(f"{cls.name} takes no such setting; use --option.")
            if value:
                config[name] = value
        try:
            config = cls.clean_config(config)
            message = cls.verify(config, hotel=hotel)
        except InvalidInput as exc:
            raise CommandError(f"{exc.field}: {exc}") from None
        except providers.VerifyFailed as exc:
            raise CommandError(f"The PMS refused the connection: {exc.message}") from None
        self.stdout.write(message)
        with scope(hotel=hotel), transaction.atomic():
            account = sync.account_connect(hotel=hotel, actor=None, provider=cls.registry_name or cls.name,
                                           config=config)
        self.stdout.write(f"Connected {hotel.slug} to {account.provider} (account {account.pk}); "
                          f"its webhook address is /hooks/pms/{account.provider}/{account.pk}.")
        if not options["no_sync"]:
            state = pms.pms_sync(account=account)
            self.stdout.write(report(state))
