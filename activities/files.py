"""Files go with their rows. When a training material or an activity photo is deleted (by a
correction, in the admin, or with its session or activity), its file is removed once the
transaction has committed: a photo of a child must not outlive its record."""

from django.db.models.signals import post_delete

from hangzhou_cfc.effects import after_commit

from .models import ActivityPhoto, TrainingMaterial

FILE_FIELDS = {TrainingMaterial: "file", ActivityPhoto: "image"}


def _remove_file_after_commit(sender, instance, **kwargs):
    field_file = getattr(instance, FILE_FIELDS[sender])
    if field_file:
        after_commit(field_file.delete, save=False)


def connect() -> None:
    for model in FILE_FIELDS:
        post_delete.connect(
            _remove_file_after_commit, sender=model, dispatch_uid=f"remove-file-{model.__name__}"
        )
