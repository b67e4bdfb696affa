from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingsConfig(AppConfig):
    name = "trainings"
    verbose_name = _("Trainings")

    def ready(self) -> None:
        from partnerships import readiness

        from .readiness import training_status

        readiness.register(training_status, domains=["trainings"])

        from . import privacy

        privacy.register()
