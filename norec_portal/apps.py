from django.apps import AppConfig


class NorecPortalConfig(AppConfig):
    name = "norec_portal"
    verbose_name = "Norec Portal"
