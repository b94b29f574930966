from django.urls import path

from . import views

urlpatterns = [
    path("messages/unsubscribe/<str:token>/", views.unsubscribe, name="message_unsubscribe"),
    path("messages/wechat/link/", views.wechat_link, name="wechat_link"),
    path("messages/wechat/callback/", views.wechat_callback, name="wechat_callback"),
    path("messages/wechat/unlink/", views.wechat_unlink, name="wechat_unlink"),
]

# The messages page: each adult's channels, language and number; a guardian's children's too.
urlpatterns += [
    path("messages/settings/", views.message_preferences, name="message_preferences"),
]
