"""Photos a child attaches: images only, size-limited, re-encoded without metadata.

Re-encoding drops EXIF (and with it the GPS position where the photo was taken), as well as
anything else hidden in the file; the image is also shrunk to a sensible size.
"""

from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 2000
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
NOT_A_PHOTO = gettext_lazy("This file is not a photo. Choose a JPEG, PNG or WebP image.")
# Said on the form as soon as the child chooses a photo over the limit (static/js/), and by
# the server after the upload if the script did not run.
TOO_BIG = gettext_lazy("This photo is too big. Choose one of %(limit)s or less.")


def photo_limit() -> str:
    """The photo limit as people say it: "15 MB", not "15.0 MB"."""
    limit = settings.SUGGESTIONS_PHOTO_MAX_BYTES
    megabytes, rest = divmod(limit, 1024 * 1024)
    return f"{megabytes}\xa0MB" if megabytes and not rest else filesizeformat(limit)


def clean_photo(upload) -> SimpleUploadedFile:
    """Return the photo re-encoded without metadata, or raise ValidationError saying why not."""
    if upload.size > settings.SUGGESTIONS_PHOTO_MAX_BYTES:
        raise ValidationError(
            _("The photo is too big (%(size)s). Choose one of %(limit)s or less.")
            % {"size": filesizeformat(upload.size), "limit": photo_limit()}
        )
    try:
        image = Image.open(upload)
        image.verify()
        upload.seek(0)
        image = Image.open(upload)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise ValidationError(NOT_A_PHOTO) from error
    if image.format not in FORMATS:
        raise ValidationError(NOT_A_PHOTO)
    image_format = image.format
    extension, content_type = FORMATS[image_format]
    # Turn the picture the way the camera meant before the orientation tag is dropped.
    image = ImageOps.exif_transpose(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    if image_format == "JPEG":
        image = image.convert("RGB")
    out = BytesIO()
    # Saving without `exif=` or `pnginfo=` writes no metadata.
    image.save(out, format=image_format)
    return SimpleUploadedFile(f"photo.{extension}", out.getvalue(), content_type=content_type)


# --- Scans of suggestions written on paper --------------------------------------------------

NOT_A_SCAN = gettext_lazy(
    "This file is not a photo or a PDF. Choose a JPEG, PNG or WebP photo, or a PDF scan."
)
# What every PDF begins with (within its first kilobyte, by the PDF standard).
PDF_SIGNATURE = b"%PDF-"


def clean_scan(upload) -> SimpleUploadedFile:
    """A scan or photo of a page written on paper: a photo is re-encoded like a child's (no
    metadata, no GPS position); a PDF is kept as it is. Judged by what the file holds, never by
    its name or the type the browser claims. ValidationError saying why not."""
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    if PDF_SIGNATURE not in head:
        try:
            return clean_photo(upload)
        except ValidationError as error:
            if error.messages == [str(NOT_A_PHOTO)]:
                raise ValidationError(NOT_A_SCAN) from error
            raise
    if upload.size > settings.SUGGESTIONS_PHOTO_MAX_BYTES:
        raise ValidationError(TOO_BIG % {"limit": photo_limit()})
    return SimpleUploadedFile("scan.pdf", upload.read(), content_type="application/pdf")
