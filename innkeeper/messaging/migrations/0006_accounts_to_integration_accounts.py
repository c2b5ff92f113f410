"""Every hotel's MessagingAccount becomes IntegrationAccount rows: one of kind "whatsapp" (when it chose a
provider) with the chosen provider's settings and secrets, one of kind "email" (when it set a sender).
The old table stays, unused."""

from django.db import migrations

WHATSAPP = {
    "waha": {"base_url": "waha_base_url", "api_key": "waha_api_key", "session": "waha_session",
             "webhook_hmac_key": "waha_webhook_hmac_key"},
    "cloud": {"access_token": "cloud_access_token", "phone_number_id": "cloud_phone_number_id",
              "app_secret": "cloud_app_secret", "verify_token": "cloud_verify_token"},
    "twilio": {"account_sid": "twilio_account_sid", "auth_token": "twilio_auth_token",
               "from_number": "twilio_from_number", "messaging_service_sid": "twilio_messaging_service_sid",
               "content_sids": "twilio_content_sids"},
}
EMAIL = {"from_name": "email_from_name", "from_address": "email_from_address", "reply_to": "email_reply_to"}


def forwards(apps, schema_editor):
    old = apps.get_model("messaging", "MessagingAccount")
    new = apps.get_model("core", "IntegrationAccount")
    for account in old.objects.all():
        status = "active" if account.is_active else "disabled"
        if account.whatsapp_provider:
            columns = WHATSAPP.get(account.whatsapp_provider, {})
            config = {key: getattr(account, column) or ({} if key == "content_sids" else "")
                      for key, column in columns.items()}
            new.objects.update_or_create(hotel_id=account.hotel_id, kind="whatsapp", defaults={
                "provider": account.whatsapp_provider, "config": config, "status": status})
        if any(getattr(account, column) for column in EMAIL.values()):
            new.objects.update_or_create(hotel_id=account.hotel_id, kind="email", defaults={
                "provider": "smtp", "config": {key: getattr(account, column) for key, column in EMAIL.items()},
                "status": status})


def backwards(apps, schema_editor):
    apps.get_model("core", "IntegrationAccount").objects.filter(kind__in=("whatsapp", "email")).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0005_simulatedmessage_guest"),
        ("core", "0005_integration_account"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
