from django.apps import AppConfig


class NorecPortalConfig(AppConfig):
    name = "norec_portal"
    verbose_name = "Norec Portal"

    def ready(self) -> None:
        from . import accounts, privacy

        privacy.register_core()
        accounts.connect_signals()
