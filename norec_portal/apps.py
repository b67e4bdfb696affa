from django.apps import AppConfig


class NorecPortalConfig(AppConfig):
    name = "norec_portal"
    verbose_name = "Norec Portal"

    def ready(self) -> None:
        from . import privacy

        privacy.register_core()
