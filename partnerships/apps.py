from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "partnerships"

    def ready(self) -> None:
        from . import privacy

        privacy.register()

        from django.db.models.signals import post_save

        from norec_portal.models import User

        from .signals import copy_language_to_person

        post_save.connect(
            copy_language_to_person, sender=User, dispatch_uid="partnerships.person_language"
        )
