from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingsConfig(AppConfig):
    name = "trainings"
    verbose_name = _("Trainings")

    def ready(self) -> None:
        from partnerships import readiness

        from .readiness import partner_training_status, training_status

        readiness.register(training_status, domains=["trainings"])
        readiness.register_contacts(partner_training_status)

        from .dashboard import missing_travel_section

        readiness.register_dashboard(missing_travel_section)

        from . import privacy

        privacy.register()

        from partnerships.signals import phase_entered

        from .services.lifecycle import on_phase_entered

        phase_entered.connect(on_phase_entered, dispatch_uid="trainings.lifecycle")
