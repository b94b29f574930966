from django.urls import path

from . import views

urlpatterns = [
    path("messages/unsubscribe/<str:token>/", views.unsubscribe, name="message_unsubscribe"),
]

# The messages page: each adult's channels, language and number; a guardian's children's too.
urlpatterns += [
    path("messages/settings/", views.message_preferences, name="message_preferences"),
]
