from django.urls import path

from .views import coordinator, imports, privacy, staff

app_name = "partnerships"

urlpatterns = [
    # Norec staff
    path("staff/partnerships/", staff.partnership_list, name="staff_partnerships"),
    path("staff/partnerships/new/", staff.partnership_create, name="staff_partnership_create"),
    path("staff/partnerships/<int:pk>/", staff.partnership_detail, name="staff_partnership"),
    path(
        "staff/partnerships/<int:pk>/phase/",
        staff.partnership_phase,
        name="staff_partnership_phase",
    ),
    path("staff/organisations/", staff.organisation_list, name="staff_organisations"),
    path("staff/organisations/<int:pk>/", staff.organisation_detail, name="staff_organisation"),
    path(
        "staff/contacts/<int:pk>/portal-access/",
        staff.contact_grant_access,
        name="staff_contact_access",
    ),
    path("staff/participants/", staff.participant_list, name="staff_participants"),
    path(
        "staff/participants/held/", staff.held_registrations, name="staff_held_registrations"
    ),  # fmt: skip
    path(
        "staff/participants/held/<int:pk>/close/",
        staff.held_registration_close,
        name="staff_held_registration_close",
    ),  # fmt: skip
    # One person's personal data (partnerships/views/privacy.py)
    path("staff/people/<int:pk>/export/", privacy.person_export, name="staff_person_export"),
    path(
        "staff/people/<int:pk>/anonymise/",
        privacy.person_anonymise,
        name="staff_person_anonymise",
    ),
    # Partner coordinators
    path("portal/", coordinator.dashboard, name="coordinator_dashboard"),
    path("portal/participants/", coordinator.participant_list, name="coordinator_participants"),
    path(
        "portal/participants/new/",
        coordinator.participant_create,
        name="coordinator_participant_create",
    ),
    path(
        "portal/participants/<int:pk>/",
        coordinator.participant_detail,
        name="coordinator_participant",
    ),
    path(
        "portal/participants/<int:pk>/edit/",
        coordinator.participant_edit,
        name="coordinator_participant_edit",
    ),
    path("portal/host-organisations/", coordinator.host_options, name="coordinator_host_options"),
    # Spreadsheet import and export (partnerships/views/imports.py)
    path("portal/import/", imports.import_upload, name="coordinator_import"),
    path("portal/import/<int:pk>/", imports.import_preview, name="coordinator_import_preview"),
    path(
        "portal/import/<int:pk>/confirm/",
        imports.import_confirm,
        name="coordinator_import_confirm",
    ),
    path(
        "portal/import/<int:pk>/discard/",
        imports.import_discard,
        name="coordinator_import_discard",
    ),
    path("portal/import/template.csv", imports.import_template, name="coordinator_import_template"),
    path("portal/participants/export/", imports.participant_export, name="coordinator_export"),
]
