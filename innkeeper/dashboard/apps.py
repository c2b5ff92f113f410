from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "innkeeper.dashboard"
    label = "dashboard"
