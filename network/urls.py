from django.urls import path

from .views import (
    activities,
    bulk_merge,
    dashboard,
    member,
    merges,
    newsletters,
    public,
    queues,
    reachability,
    resources,
    staff,
    tips,
)

app_name = "network"

urlpatterns = [
    # Members (logged-in alumni)
    path("network/me/", member.member_home, name="member_home"),
    path("network/me/start/", member.profile_start, name="profile_start"),
    path("network/me/profile/", member.profile_edit, name="profile_edit"),
    path("network/me/contact/", member.contact_details, name="member_contact"),
    path("network/me/choices/", member.consent_edit, name="consent_edit"),
    path("network/directory/", member.member_directory, name="member_directory"),
    path("network/me/tell-us/", tips.member_tip, name="member_tip"),
    path("network/me/tell-us/sent/", tips.member_tip_sent, name="member_tip_sent"),
    path("network/activities/", activities.member_activities, name="activities"),
    path("network/activities/<int:pk>/", activities.member_activity, name="activity"),
    path("network/activities/<int:pk>/rsvp/", activities.member_rsvp, name="activity_rsvp"),
    path(
        "network/activities/<int:pk>/calendar.ics",
        activities.member_activity_ics,
        name="activity_ics",
    ),
    path("network/me/assignments/", resources.assignments, name="assignments"),
    path(
        "network/me/assignments/<int:pk>/answer/",
        resources.assignment_answer,
        name="assignment_answer",
    ),
    path("network/me/assignments/calendar.ics", resources.assignments_ics, name="assignments_ics"),
    path("network/newsletters/", newsletters.newsletter_archive, name="newsletter_archive"),
    path("network/newsletters/<int:pk>/", newsletters.newsletter_read, name="newsletter_read"),
    # Links from emails and public forms
    path("network/join/", public.join, name="join"),
    path("network/join/<str:token>/", public.join_link, name="join_link"),
    path("network/update-details/", public.update_link_request, name="update_link_request"),
    path("network/update-details/sent/", public.update_link_sent, name="update_link_sent"),
    path("network/update-details/edit/", public.contact_edit, name="contact_edit"),
    path("network/update-details/saved/", public.contact_saved, name="contact_saved"),
    path("network/update-details/<str:token>/", public.contact_link, name="contact_link"),
    path("network/confirm-email/", public.email_confirm, name="email_confirm"),
    path(
        "network/confirm-email/<str:token>/", public.email_confirm_link, name="email_confirm_link"
    ),  # fmt: skip
    path("network/request-invitation/", public.request_invitation, name="request_invitation"),
    path(
        "network/request-invitation/sent/",
        public.request_invitation_sent,
        name="request_invitation_sent",
    ),  # fmt: skip
    path(
        "network/n/<int:newsletter>/<int:link>/",
        newsletters.newsletter_link,
        name="newsletter_link",
    ),
    path("network/unsubscribe/<str:token>/", newsletters.unsubscribe, name="unsubscribe"),
    path(
        "network/email-preferences/<str:token>/",
        newsletters.newsletter_preferences,
        name="newsletter_preferences",
    ),
    # Norec staff
    path("staff/network/", dashboard.dashboard, name="staff_dashboard"),
    path("staff/network/data-quality/", dashboard.data_quality, name="staff_data_quality"),
    path(
        "staff/network/data-quality/<int:pk>/clear/",
        dashboard.bad_address_clear,
        name="staff_bad_address_clear",
    ),
    path("staff/network/reachability/", reachability.overview, name="staff_reachability"),
    path(
        "staff/network/reachability/<str:country>/",
        reachability.worklist,
        name="staff_reachability_country",
    ),
    path(
        "staff/network/addresses/<int:pk>/accept/",
        reachability.accept_suggestion,
        name="staff_raw_address_accept",
    ),
    path(
        "staff/network/addresses/<int:pk>/dismiss/",
        reachability.dismiss_raw_address,
        name="staff_raw_address_dismiss",
    ),
    path("staff/network/newsletters/", newsletters.newsletter_list, name="staff_newsletters"),
    path(
        "staff/network/newsletters/new/",
        newsletters.newsletter_create,
        name="staff_newsletter_create",
    ),
    path(
        "staff/network/newsletters/<int:pk>/",
        newsletters.newsletter_detail,
        name="staff_newsletter",
    ),
    path(
        "staff/network/newsletters/<int:pk>/edit/",
        newsletters.newsletter_edit,
        name="staff_newsletter_edit",
    ),
    path(
        "staff/network/newsletters/<int:pk>/preview/",
        newsletters.newsletter_preview,
        name="staff_newsletter_preview",
    ),
    path(
        "staff/network/newsletters/<int:pk>/progress/",
        newsletters.newsletter_progress,
        name="staff_newsletter_progress",
    ),
    path(
        "staff/network/newsletters/<int:pk>/test/",
        newsletters.newsletter_test,
        name="staff_newsletter_test",
    ),
    path(
        "staff/network/newsletters/<int:pk>/schedule/",
        newsletters.newsletter_schedule,
        name="staff_newsletter_schedule",
    ),
    path(
        "staff/network/newsletters/<int:pk>/<slug:action>/",
        newsletters.newsletter_action,
        name="staff_newsletter_action",
    ),
    path("staff/network/activities/", activities.activity_list, name="staff_activities"),
    path(
        "staff/network/activities/new/",
        activities.activity_create,
        name="staff_activity_create",
    ),
    path("staff/network/activities/<int:pk>/", activities.activity_detail, name="staff_activity"),
    path(
        "staff/network/activities/<int:pk>/edit/",
        activities.activity_edit,
        name="staff_activity_edit",
    ),
    path(
        "staff/network/activities/<int:pk>/cancel/",
        activities.activity_cancel,
        name="staff_activity_cancel",
    ),
    path(
        "staff/network/activities/<int:pk>/preview/",
        activities.activity_preview,
        name="staff_activity_preview",
    ),
    path(
        "staff/network/activities/<int:pk>/publish/",
        activities.activity_publish,
        name="staff_activity_publish",
    ),
    path(
        "staff/network/activities/<int:pk>/announce/",
        activities.activity_announce,
        name="staff_activity_announce",
    ),
    path(
        "staff/network/activities/<int:pk>/calendar.ics",
        activities.staff_activity_ics,
        name="staff_activity_ics",
    ),
    path("staff/network/waves/", staff.wave_list, name="staff_waves"),
    path("staff/network/waves/new/", staff.wave_create, name="staff_wave_create"),
    path("staff/network/waves/<int:pk>/", staff.wave_detail, name="staff_wave"),
    path(
        "staff/network/waves/<int:pk>/progress/", staff.wave_progress, name="staff_wave_progress"
    ),  # fmt: skip
    path(
        "staff/network/waves/<int:pk>/todays-batch/", staff.wave_release, name="staff_wave_release"
    ),  # fmt: skip
    path(
        "staff/network/waves/<int:pk>/<slug:action>/", staff.wave_action, name="staff_wave_action"
    ),  # fmt: skip
    path(
        "staff/network/invitations/<int:pk>/", staff.invitation_detail, name="staff_invitation"
    ),  # fmt: skip
    path("staff/network/people/", staff.people_list, name="staff_people"),
    path("staff/network/people/<int:pk>/", staff.person_detail, name="staff_person"),
    path("staff/network/directory/", staff.staff_directory, name="staff_directory"),
    path(
        "staff/network/resource-persons/", resources.resource_persons, name="staff_resource_persons"
    ),
    path(
        "staff/network/resource-requests/<int:pk>/withdraw/",
        resources.resource_request_withdraw,
        name="staff_resource_withdraw",
    ),
    path(
        "staff/network/directory/export.csv",
        staff.staff_directory_export,
        name="staff_directory_export",
    ),  # fmt: skip
    path("staff/network/requests/", queues.request_list, name="staff_requests"),
    path("staff/network/requests/<int:pk>/", queues.request_detail, name="staff_request"),
    path("staff/network/imports/", queues.import_list, name="staff_imports"),
    path("staff/network/imports/<int:pk>/", queues.import_detail, name="staff_import"),
    path(
        "staff/network/imports/<int:pk>/confirm/",
        queues.import_confirm,
        name="staff_import_confirm",
    ),  # fmt: skip
    path("staff/network/duplicates/", queues.duplicate_list, name="staff_duplicates"),
    path(
        "staff/network/duplicates/high-confidence/",
        bulk_merge.high_confidence,
        name="staff_duplicates_high",
    ),
    path("staff/network/merges/", merges.merge_list, name="staff_merges"),
    path("staff/network/merges/<int:pk>/undo/", merges.merge_undo, name="staff_merge_undo"),
    path("staff/network/duplicates/<int:pk>/", queues.duplicate_detail, name="staff_duplicate"),
]
