from django.urls import path

from innkeeper.dashboard import booking_views, catalogue_views, views

app_name = "panel"

urlpatterns = [
    path("", booking_views.dashboard, name="home"),
    path("bookings/", booking_views.bookings, name="bookings"),
    path("bookings/new/", booking_views.booking_new, name="booking_new"),
    path("bookings/<str:reference>/", booking_views.booking_detail, name="booking"),
    path("bookings/<str:reference>/status/", booking_views.booking_status, name="booking_status"),
    path("bookings/<str:reference>/move/", booking_views.booking_move, name="booking_move"),
    path("bookings/<str:reference>/keys/issue/", booking_views.booking_keys, {"action": "issue"},
         name="keys_issue"),
    path("bookings/<str:reference>/keys/revoke/", booking_views.booking_keys, {"action": "revoke"},
         name="keys_revoke"),
    path("bookings/<str:reference>/keys/<int:pk>/retry/", booking_views.key_retry, name="key_retry"),
    path("tape/", booking_views.tape, name="tape"),
    path("rooms/", catalogue_views.rooms, name="rooms"),
    path("rooms/<int:pk>/", catalogue_views.room_edit, name="room"),
    path("room-types/new/", catalogue_views.room_type_edit, name="room_type_new"),
    path("room-types/<int:pk>/", catalogue_views.room_type_edit, name="room_type"),
    path("rates/", catalogue_views.rates, name="rates"),
    path("extras/", catalogue_views.add_ons, name="add_ons"),
    path("extras/<int:pk>/", catalogue_views.add_on_edit, name="add_on"),
    path("settings/", catalogue_views.settings_page, name="settings"),
    path("settings/domains/", catalogue_views.domain_add, name="domain_add"),
    path("audit/", catalogue_views.audit_log, name="audit"),
    path("sign-in/", views.SignIn.as_view(), name="login"),
    path("sign-out/", views.SignOut.as_view(), name="logout"),
    path("password-reset/", views.PasswordReset.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDone.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", views.PasswordResetConfirm.as_view(), name="password_reset_confirm"),
    path("password-reset/done/", views.PasswordResetComplete.as_view(), name="password_reset_complete"),
    path("team/", views.team, name="team"),
    path("team/invitations/<int:pk>/resend/", views.invitation_action, {"action": "resend"},
         name="invitation_resend"),
    path("team/invitations/<int:pk>/revoke/", views.invitation_action, {"action": "revoke"},
         name="invitation_revoke"),
    path("team/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("join/<str:token>/", views.join, name="join"),
]
