"""The patient's web check-in, under short addresses: /c/<token> is what the SMS carries."""

from django.urls import path

from webcheckin import views

app_name = "webcheckin"
urlpatterns = [
    path("c/<str:token>", views.checkin, name="checkin"),
    path("c/<str:token>/recovery", views.my_recovery, name="recovery"),
    path("c/<str:token>/new-link", views.new_link, name="new-link"),
]
