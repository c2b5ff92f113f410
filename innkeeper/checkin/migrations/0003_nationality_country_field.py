import django_countries.fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("checkin", "0002_nationality_country_codes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="guestidentity",
            name="nationality",
            field=django_countries.fields.CountryField(blank=True, max_length=2),
        ),
    ]
