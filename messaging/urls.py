from django.urls import path

from . import views

urlpatterns = [
    path("messages/unsubscribe/<str:token>/", views.unsubscribe, name="message_unsubscribe"),
]
