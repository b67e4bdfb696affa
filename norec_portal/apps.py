from django.apps import AppConfig


class NorecPortalConfig(AppConfig):
    name = "norec_portal"
    verbose_name = "Norec Portal"

    def ready(self) -> None:
        from . import generations, privacy

        privacy.register_core()
        # Cached pages and counts end with any write to the data they show.
        generations.connect()
