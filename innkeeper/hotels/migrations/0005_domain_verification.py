"""Hotel domains are proven by a DNS TXT record before they route (hotels.verification).

Domains that exist when this runs are marked verified: an operator set them before this rule, the demo's
and the seed's ``<slug>.localhost`` rows among them, and marking them pending would take every existing
site off its own domain until someone published a record. Each gets a token of its own all the same,
so that a record can be published for it later. A name stays verified for one hotel only; while pending,
several hotels may claim it (each with its own token).
"""

import secrets

from django.db import migrations, models
from django.utils import timezone

import innkeeper.hotels.models


def existing_domains_verified(apps, schema_editor):
    HotelDomain = apps.get_model("hotels", "HotelDomain")
    now = timezone.now()
    for row in HotelDomain.objects.all().only("pk"):
        HotelDomain.objects.filter(pk=row.pk).update(
            verification_token=secrets.token_hex(16), verified_at=now, checked_at=now,
            check_result="Verified when domain verification was introduced: set by an operator before it.")


class Migration(migrations.Migration):

    dependencies = [
        ('hotels', '0004_hotel_logo'),
    ]

    operations = [
        migrations.AddField(
            model_name='hoteldomain',
            name='check_result',
            field=models.TextField(blank=True, help_text='What the last DNS check found, in words.'),
        ),
        migrations.AddField(
            model_name='hoteldomain',
            name='checked_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='hoteldomain',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, null=True),
        ),
        migrations.AddField(
            model_name='hoteldomain',
            name='verification_token',
            field=models.CharField(default=innkeeper.hotels.models.new_verification_token, max_length=64),
        ),
        migrations.AddField(
            model_name='hoteldomain',
            name='verified_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='hoteldomain',
            name='domain',
            field=models.CharField(db_index=True, max_length=253),
        ),
        migrations.AddConstraint(
            model_name='hoteldomain',
            constraint=models.UniqueConstraint(fields=('hotel', 'domain'), name='hoteldomain_once_per_hotel'),
        ),
        migrations.AddConstraint(
            model_name='hoteldomain',
            constraint=models.UniqueConstraint(condition=models.Q(('verified_at__isnull', False)), fields=('domain',), name='hoteldomain_verified_by_one_hotel'),
        ),
        # Last, after every change of the table: PostgreSQL refuses to alter a table with pending updates.
        migrations.RunPython(existing_domains_verified, migrations.RunPython.noop),
    ]
