import sys

import django_countries.fields
from django.db import migrations
from django_countries import countries


def country_codes(apps, schema_editor):
    """Upper-case the hotels' countries; a value that is no ISO 3166-1 code becomes blank, and we say so."""
    Hotel = apps.get_model("hotels", "Hotel")
    for pk, name, value in Hotel.objects.exclude(country="").values_list("pk", "name", "country"):
        code = value.strip().upper()
        if code not in countries:
            sys.stdout.write(f"\n  Hotel {pk} ({name}): country {value!r} is not an ISO 3166-1 code; "
                             "it is now blank, choose it again in the panel settings.")
            code = ""
        if code != value:
            Hotel.objects.filter(pk=pk).update(country=code)


class Migration(migrations.Migration):

    dependencies = [
        ("hotels", "0006_room_lock_account"),
    ]

    operations = [
        migrations.RunPython(country_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="hotel",
            name="country",
            field=django_countries.fields.CountryField(blank=True, max_length=2),
        ),
    ]
