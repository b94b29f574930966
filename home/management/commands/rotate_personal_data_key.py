"""Re-encrypt children's personal data (groups/) and the secrets of waiting messages
(messaging/) with the first key of PERSONAL_DATA_KEYS. It lives at the top (home/) because it
writes to both apps.

Put the new key first in PERSONAL_DATA_KEYS (keeping the old one after it), run this, then drop
the old key.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from groups.models import ChildPersonalData
from messaging.models import WAITING, Message, MessageState, Preferences


class Command(BaseCommand):
    help = "Re-encrypt children's personal data with the first key of PERSONAL_DATA_KEYS."

    def handle(self, *args, **options):
        count = 0
        with transaction.atomic():
            for record in ChildPersonalData.objects.select_for_update().iterator(chunk_size=500):
                # Read with any key, written with the first.
                record.save(update_fields=["real_name", "contact_phone", "address"])
                count += 1
            # Mobile numbers for SMS are personal data too.
            # (An encrypted column cannot be filtered on: the empty ones are skipped here.)
            for preferences in Preferences.objects.select_for_update().iterator(chunk_size=500):
                if preferences.phone:
                    preferences.save(update_fields=["phone"])
            waiting = Message.objects.select_for_update().filter(
                state__in=[*WAITING, MessageState.SENDING]
            )
            for message in waiting.exclude(sealed_secret="").only("sealed_secret"):
                message.seal(message.secret())
                message.save(update_fields=["sealed_secret"])
        self.stdout.write(f"{count} records re-encrypted.")
