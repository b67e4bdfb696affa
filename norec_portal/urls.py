from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from . import mailbox, views

admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Norec Portal administration"
admin.site.site_title = "Norec Portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("staff/", views.staff_dashboard, name="staff_dashboard"),
    path("staff/audit/", views.audit_log, name="audit_log"),
    path("staff/mailbox/", mailbox.mailbox, name="mailbox"),
    path("staff/mailbox/<int:pk>/", mailbox.mailbox_message, name="mailbox_message"),
    path("account/", views.account_settings, name="account_settings"),
    path("accounts/enrolment/", views.staff_enrolment, name="staff_enrolment"),
    path(
        "accounts/enrolment/<str:token>/", views.staff_enrolment_link, name="staff_enrolment_link"
    ),  # fmt: skip
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("", include("partnerships.urls")),
    path("", include("trainings.urls")),
    path("", include("network.urls")),
]

handler403 = "norec_portal.views.error_403"
handler404 = "norec_portal.views.error_404"
handler500 = "norec_portal.views.error_500"
