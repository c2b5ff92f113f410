from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "innkeeper.feedback"
    label = "feedback"
    verbose_name = "Guest feedback"
