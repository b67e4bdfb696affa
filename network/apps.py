from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Norec Network")

    def ready(self) -> None:
        # Bounces and complaints reported by a mail provider's webhooks (django-anymail)
        # mark the address bad, like a 5xx at sending does.
        from anymail.signals import tracking

        from .services.bounces import on_tracking_event

        tracking.connect(on_tracking_event, dispatch_uid="network.bad_address_from_tracking")

        # What the network holds about people: export, erasure, retention.
        from . import privacy

        privacy.register()

        # Accepted resource persons appear on training sessions and programmes.
        from trainings import contributors

        from .services.resources import contributors_for, withdraw_for_cancelled

        contributors.register(contributors_for)
        contributors.register_cancel_listener(withdraw_for_cancelled)
