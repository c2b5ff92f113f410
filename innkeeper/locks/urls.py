from django.urls import path

from innkeeper.locks import views

urlpatterns = [
    path("webkey/", views.webkey, name="webkey"),
    path("demo/keypad/<str:number>/", views.keypad, name="demo_keypad"),
]
