from django.urls import path

from .views import (
    checkin,
    coordinator,
    evaluation,
    readiness,
    staff,
    staff_documents,
    staff_messages,
    staff_sessions,
    travel,
)

app_name = "trainings"

urlpatterns = [
    # Norec staff: planning
    path("staff/trainings/", staff.year_view, name="staff_year"),
    path("staff/trainings/forecast/", staff.forecast, name="staff_forecast"),
    path(
        "staff/trainings/partner-training/",
        readiness.partner_readiness,
        name="staff_partner_readiness",
    ),
    path("staff/trainings/venues/", staff.venue_list, name="staff_venues"),
    path("staff/trainings/venues/new/", staff.venue_form, name="staff_venue_create"),
    path("staff/trainings/venues/<int:pk>/edit/", staff.venue_form, name="staff_venue_edit"),
    path(
        "staff/trainings/venues/<int:pk>/calendar.ics",
        staff.venue_calendar,
        name="staff_venue_calendar",
    ),
    path("staff/trainings/weeks/new/", staff.week_create, name="staff_week_create"),
    path("staff/trainings/weeks/<int:pk>/", staff.week_detail, name="staff_week"),
    path("staff/trainings/weeks/<int:pk>/online/", staff.week_online, name="staff_week_online"),
    path("staff/trainings/weeks/<int:pk>/cancel/", staff.week_cancel, name="staff_week_cancel"),
    path(
        "staff/trainings/weeks/<int:pk>/signup-call/",
        staff.week_signup_call,
        name="staff_week_signup_call",
    ),
    path(
        "staff/trainings/weeks/<int:pk>/programme.pdf",
        staff.week_programme,
        name="staff_week_programme",
    ),
    path(
        "staff/trainings/weeks/<int:pk>/travel/",
        travel.staff_week_travel,
        name="staff_week_travel",
    ),
    path(
        "staff/trainings/weeks/<int:pk>/messages/",
        staff_messages.week_messages_log,
        name="staff_week_messages",
    ),
    path(
        "staff/trainings/weeks/<int:pk>/messages/new/",
        staff_messages.week_message_compose,
        name="staff_week_message_compose",
    ),
    path(
        "staff/trainings/check-in-worker.js",
        checkin.checkin_worker,
        name="staff_checkin_worker",
    ),
    path(
        "staff/trainings/weeks/<int:pk>/check-in/", checkin.week_checkin, name="staff_week_checkin"
    ),  # fmt: skip
    path(
        "staff/trainings/weeks/<int:pk>/check-in/scan/",
        checkin.week_checkin_scan,
        name="staff_week_checkin_scan",
    ),  # fmt: skip
    # Norec staff: documents for the venue (a week's, or a seminar's)
    path(
        "staff/trainings/weeks/<int:pk>/lists/<slug:which>.<slug:fmt>",
        staff_documents.week_list,
        name="staff_week_list",
    ),
    path(
        "staff/trainings/weeks/<int:pk>/badges.pdf",
        staff_documents.week_badges,
        name="staff_week_badges",
    ),
    path(
        "staff/trainings/sessions/<int:pk>/lists/<slug:which>.<slug:fmt>",
        staff_documents.session_list,
        name="staff_session_list",
    ),
    path(
        "staff/trainings/sessions/<int:pk>/badges.pdf",
        staff_documents.session_badges,
        name="staff_session_badges",
    ),
    path("staff/trainings/seminars/new/", staff.seminar_create, name="staff_seminar_create"),
    # Norec staff: sessions and enrolments
    path("staff/trainings/sessions/<int:pk>/", staff_sessions.session_detail, name="staff_session"),
    path(
        "staff/trainings/sessions/<int:pk>/edit/",
        staff_sessions.session_edit,
        name="staff_session_edit",
    ),
    path(
        "staff/trainings/sessions/<int:pk>/second-group/",
        staff_sessions.session_parallel,
        name="staff_session_parallel",
    ),
    path(
        "staff/trainings/sessions/<int:pk>/import/",
        staff_sessions.session_import,
        name="staff_session_import",
    ),
    path(
        "staff/trainings/sessions/<int:pk>/invite/",
        staff_sessions.session_invite,
        name="staff_session_invite",
    ),
    path(
        "staff/trainings/sessions/<int:pk>/attendance.pdf",
        staff_sessions.session_attendance_list,
        name="staff_session_attendance",
    ),
    path(
        "staff/trainings/sessions/<int:pk>/certificates/",
        staff_sessions.session_certificates,
        name="staff_session_certificates",
    ),
    path(
        "staff/trainings/sessions/<int:pk>/travel/",
        travel.staff_session_travel,
        name="staff_session_travel",
    ),
    path(
        "staff/trainings/sessions/<int:pk>/messages/",
        staff_messages.session_messages_log,
        name="staff_session_messages",
    ),
    path(
        "staff/trainings/sessions/<int:pk>/messages/new/",
        staff_messages.session_message_compose,
        name="staff_session_message_compose",
    ),
    path("staff/trainings/messages/<int:pk>/", staff_messages.message_detail, name="staff_message"),
    path(
        "staff/trainings/sessions/<int:pk>/check-in/",
        checkin.seminar_checkin,
        name="staff_session_checkin",
    ),  # fmt: skip
    path(
        "staff/trainings/sessions/<int:pk>/check-in/scan/",
        checkin.seminar_checkin_scan,
        name="staff_session_checkin_scan",
    ),  # fmt: skip
    path("staff/trainings/batches/<int:pk>/", staff_sessions.batch_detail, name="staff_batch"),
    path(
        "staff/trainings/batches/<int:pk>/status/",
        staff_sessions.batch_status,
        name="staff_batch_status",
    ),
    path(
        "staff/trainings/batches/<int:pk>/download/",
        staff_sessions.batch_download,
        name="staff_batch_download",
    ),
    path(
        "staff/trainings/enrolments/<int:pk>/cancel/",
        staff_sessions.enrolment_cancel,
        name="staff_enrolment_cancel",
    ),
    path(
        "staff/trainings/enrolments/<int:pk>/letter.pdf",
        staff_sessions.enrolment_letter,
        name="staff_enrolment_letter",
    ),
    path(
        "staff/trainings/enrolments/<int:pk>/certificate.pdf",
        staff_sessions.enrolment_certificate,
        name="staff_enrolment_certificate",
    ),
    path("staff/trainings/enrolments/<int:pk>/travel/", travel.staff_travel, name="staff_travel"),
    path(
        "staff/trainings/enrolments/<int:pk>/travel/link/",
        travel.staff_travel_link,
        name="staff_travel_link",
    ),
    path(
        "staff/trainings/enrolments/<int:pk>/<slug:action>/",
        staff_sessions.enrolment_action,
        name="staff_enrolment_action",
    ),
    path(
        "staff/trainings/people/<int:pk>/calendar.ics",
        staff_sessions.person_calendar,
        name="staff_person_calendar",
    ),
    # Norec staff: the evaluation after a session
    path(
        "staff/trainings/sessions/<int:pk>/evaluation/",
        evaluation.session_evaluation,
        name="staff_session_evaluation",
    ),
    path(
        "staff/trainings/sessions/<int:pk>/evaluation/send/",
        evaluation.session_evaluation_send,
        name="staff_session_evaluation_send",
    ),
    path(
        "staff/trainings/sessions/<int:pk>/evaluation/slide/",
        evaluation.session_evaluation_slide,
        name="staff_session_evaluation_slide",
    ),
    path("staff/trainings/evaluation/", evaluation.evaluation_year, name="staff_evaluation_year"),
    path(
        "staff/trainings/evaluation/export.xlsx",
        evaluation.evaluation_export,
        name="staff_evaluation_export",
    ),
    # Participants: the evaluation (public, by emailed link or the farewell slide)
    path("trainings/evaluation/", evaluation.evaluation_answer, name="evaluation_answer"),
    path("trainings/evaluation/thanks/", evaluation.evaluation_thanks, name="evaluation_thanks"),
    path(
        "trainings/evaluation/sent/",
        evaluation.evaluation_request_sent,
        name="evaluation_request_sent",
    ),  # fmt: skip
    path(
        "trainings/evaluation/s/<str:code>/",
        evaluation.evaluation_request,
        name="evaluation_request",
    ),  # fmt: skip
    path("trainings/evaluation/<str:token>/", evaluation.evaluation_link, name="evaluation_link"),
    # Partner coordinators
    path("portal/trainings/", coordinator.sessions, name="coordinator_sessions"),
    path(
        "portal/trainings/participants/<int:pk>/",
        coordinator.participant_trainings,
        name="coordinator_participant_trainings",
    ),
    path(
        "portal/trainings/sessions/<int:pk>/nominate/",
        coordinator.nominate,
        name="coordinator_nominate",
    ),
    path(
        "portal/trainings/enrolments/<int:pk>/cancel/",
        coordinator.cancel,
        name="coordinator_cancel",
    ),
    path(
        "portal/trainings/enrolments/<int:pk>/letter.pdf",
        coordinator.letter,
        name="coordinator_letter",
    ),
    path(
        "portal/trainings/enrolments/<int:pk>/certificate.pdf",
        coordinator.certificate,
        name="coordinator_certificate",
    ),
    path(
        "portal/trainings/enrolments/<int:pk>/travel/",
        travel.coordinator_travel,
        name="coordinator_travel",
    ),
    path(
        "portal/trainings/enrolments/<int:pk>/travel/link/",
        travel.coordinator_travel_link,
        name="coordinator_travel_link",
    ),
    path(
        "portal/trainings/people/<int:pk>/calendar.ics",
        coordinator.person_calendar,
        name="coordinator_person_calendar",
    ),
    # The person, from the emailed link (no login)
    path("trainings/travel/saved/", travel.travel_saved, name="travel_saved"),
    path("trainings/travel/", travel.travel_form, name="travel_form"),
    path("trainings/travel/<str:token>/", travel.travel_link, name="travel_link"),
]
