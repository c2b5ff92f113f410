"""The Celery app: `celery -A innkeeper worker` and `celery -A innkeeper beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "innkeeper.settings")

app = Celery("innkeeper")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
