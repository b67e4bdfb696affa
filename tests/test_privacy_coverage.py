"""Every model of the portal that holds personal data is covered by a privacy source
(``norec_portal.privacy``): exported with the person's data, anonymised on erasure.

A model counts as personal when it points at a person record or a login (foreign key,
one-to-one or many-to-many) or has fields that name a person (email, phone, names, date
of birth). A new model like that fails this test until an app's ``privacy.py`` covers it,
or it is added below with the reason it holds nothing about anyone.
"""

from __future__ import annotations

import re

from django.apps import apps
from django.conf import settings

from norec_portal import privacy

PROJECT_APPS = ("norec_portal", "partnerships", "trainings", "network")
PERSONAL_NAME = re.compile(
    r"(^|_)(emails?|phone|first_name|last_name|full_name|date_of_birth)(_|$)"
)

# model label → why it holds no personal data although it looks as if it might.
EXCLUDED: dict[str, str] = {
    "trainings.EvaluationAnswer": "anonymous by design: session, kind, language, ratings, "
    "comment and a date; no column leads to an invitation, enrolment or person",
}

# Models that personal records point at many-to-many (a member's languages, their
# expertise) are personal too when people type new rows into them: such a row may be all
# that is left of someone after an erasure. The ones below are closed lists Norec keeps.
# model label → why nobody's own words end up in it.
SHARED_VOCABULARIES: dict[str, str] = {
    "network.Language": "a fixed list of languages kept by Norec; members only pick from it",
    "partnerships.PartnerOrganisation": "institutions Norec registers; the people linked to "
    "them never type new ones",
}


def person_model():
    return apps.get_model("partnerships", "Person")


def is_personal(model) -> bool:
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    for field in model._meta.get_fields():
        if field.auto_created and not field.concrete:
            continue  # reverse relations belong to the other model
        if field.is_relation and field.related_model in (person_model(), user_model):
            return True
        if PERSONAL_NAME.search(field.name):
            return True
    return False


def project_models():
    for label in PROJECT_APPS:
        yield from apps.get_app_config(label).get_models()


def test_every_model_with_personal_data_is_covered():
    covered = privacy.covered_models()
    missing = [
        model._meta.label
        for model in project_models()
        if is_personal(model) and model not in covered and model._meta.label not in EXCLUDED
    ]
    assert not missing, (
        "These models hold personal data but no privacy source exports and anonymises "
        f"them (register them in the app's privacy.py): {missing}"
    )


def test_what_people_type_into_shared_lists_is_covered():
    """Security review, finding 11: expertise tags a member typed survived erasure."""
    covered = privacy.covered_models()
    targets = {
        field.related_model
        for model in project_models() if is_personal(model)
        for field in model._meta.many_to_many
        if field.related_model._meta.app_label in PROJECT_APPS
    }  # fmt: skip
    missing = [
        model._meta.label for model in targets
        if model not in covered and model._meta.label not in SHARED_VOCABULARIES
        and not is_personal(model)
    ]  # fmt: skip
    assert not missing, (
        f"People's records link to {missing} many-to-many: cover them in a privacy source "
        "(erase what only the erased person typed) or list them in SHARED_VOCABULARIES"
    )
    for label in SHARED_VOCABULARIES:
        assert label in {m._meta.label for m in targets}, f"{label} is no longer a target"


def test_the_detector_sees_the_obvious_cases():
    personal = {m._meta.label for m in project_models() if is_personal(m)}
    assert {"partnerships.Person", "partnerships.Participant", "norec_portal.User",
            "norec_portal.OutboxEmail", "network.InvitationRequest"} <= personal  # fmt: skip
    assert "trainings.Venue" not in personal and "network.Language" not in personal


def test_exclusions_are_still_needed_and_justified():
    labels = {m._meta.label for m in project_models()}
    for label, reason in EXCLUDED.items():
        assert label in labels, f"{label} no longer exists"
        assert len(reason) > 20, f"say why {label} holds no personal data"


def test_every_app_with_people_registers_a_source():
    assert {source.app for source in privacy.sources()} == set(PROJECT_APPS)
    for source in privacy.sources():
        assert all(model._meta.app_label == source.app for model in source.covers), source.app
