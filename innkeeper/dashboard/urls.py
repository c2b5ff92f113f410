from django.urls import path

from innkeeper.dashboard import views

app_name = "panel"

urlpatterns = [
    path("", views.home, name="home"),
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
