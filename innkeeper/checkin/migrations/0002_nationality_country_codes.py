"""Nationality becomes an ISO 3166-1 code. What guests typed is mapped where it names a country (in
English or Russian) or is a code; otherwise the nationality is left blank and the text is kept, word for
word, in nationality_text, so nothing is lost and staff still see it."""

import django_countries.fields
from django.db import migrations, models
from django_countries import countries


def country_code(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        return ""
    return (countries.alpha2(text) if len(text) <= 3 else "") \
        or countries.by_name(text, language="en") or countries.by_name(text, language="ru")


def nationality_codes(apps, schema_editor):
    GuestIdentity = apps.get_model("checkin", "GuestIdentity")
    for pk, text in GuestIdentity.objects.values_list("pk", "nationality"):
        code = country_code(text or "")
        if code:
            GuestIdentity.objects.filter(pk=pk).update(nationality=code)
        else:
            GuestIdentity.objects.filter(pk=pk).update(nationality="", nationality_text=text or "")


def nationality_texts(apps, schema_editor):
    GuestIdentity = apps.get_model("checkin", "GuestIdentity")
    GuestIdentity.objects.exclude(nationality_text="").update(nationality=models.F("nationality_text"))


class Migration(migrations.Migration):

    dependencies = [
        ("checkin", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="guestidentity",
            name="nationality_text",
            field=models.CharField(blank=True, max_length=60),
        ),
        migrations.RunPython(nationality_codes, nationality_texts),
    ]
