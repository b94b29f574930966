from django.urls import path

from .views import activities, calendar, directory, recording, training

urlpatterns = [
    # Training sessions of the municipal group's sub-teams.
    path("sub-teams/<int:pk>/training/", training.sub_team_training, name="sub_team_training"),
    path("sub-teams/<int:pk>/training/new/", training.training_new, name="training_new"),
    path("training/<int:pk>/edit/", training.training_edit, name="training_edit"),
    path(
        "children/<int:pk>/participation/",
        activities.child_participation,
        name="child_participation",
    ),
    path("training/materials/<int:pk>/", activities.training_material, name="training_material"),
    # Activities of every kind.
    path("activities/", activities.activity_list, name="activity_list"),
    path("activities/<int:pk>/", activities.activity_detail, name="activity_detail"),
    path("groups/<int:pk>/activities/new/", activities.activity_new, name="activity_new"),
    path("activities/<int:pk>/edit/", activities.activity_edit, name="activity_edit"),
    path(
        "activities/<int:pk>/photos/new/", activities.activity_photo_new, name="activity_photo_new"
    ),
    path("activities/photos/<int:pk>/", activities.activity_photo, name="activity_photo"),
    # Suggestions the children made there, entered on their behalf.
    path(
        "activities/<int:pk>/suggestions/record/",
        recording.activity_suggestions_record,
        name="activity_suggestions_record",
    ),
    # Calendars, and the feed a phone subscribes to (a secret address, no login).
    path("groups/<int:pk>/calendar/", calendar.group_calendar, name="group_calendar"),
    path("sub-teams/<int:pk>/calendar/", calendar.sub_team_calendar, name="sub_team_calendar"),
    path("calendar/<str:token>.ics", calendar.sub_team_feed, name="sub_team_feed"),
    # The directory: practice bases, programmes and brands, discussion topics.
    path("practice-bases/", directory.practice_base_list, name="practice_base_list"),
    path("programmes/", directory.programme_list, name="programme_list"),
    path("programmes/<int:pk>/", directory.programme_detail, name="programme_detail"),
    path("discussion-topics/", directory.topic_list, name="topic_list"),
    path("groups/<int:pk>/discussion-topics/new/", activities.topic_new, name="topic_new"),
    path("discussion-topics/<int:pk>/edit/", activities.topic_edit, name="topic_edit"),
]
