"""Training materials: documents only, size-limited, checked by their content and not only by
their name, so that a renamed program or web page is refused."""

import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class DocumentType:
    content_type: str
    # For a zip container: a member it must hold, and (for OpenDocument) what `mimetype` says.
    member: str = ""
    mimetype: str = ""


OOXML = "application/vnd.openxmlformats-officedocument."
ODF = "application/vnd.oasis.opendocument."
DOCUMENT_TYPES = {
    "pdf": DocumentType("application/pdf"),
    "docx": DocumentType(OOXML + "wordprocessingml.document", member="word/document.xml"),
    "xlsx": DocumentType(OOXML + "spreadsheetml.sheet", member="xl/workbook.xml"),
    "pptx": DocumentType(OOXML + "presentationml.presentation", member="ppt/presentation.xml"),
    "odt": DocumentType(ODF + "text", member="content.xml", mimetype=ODF + "text"),
    "ods": DocumentType(ODF + "spreadsheet", member="content.xml", mimetype=ODF + "spreadsheet"),
    "odp": DocumentType(ODF + "presentation", member="content.xml", mimetype=ODF + "presentation"),
    "txt": DocumentType("text/plain; charset=utf-8"),
}


def _refuse(name):
    return ValidationError(
        _(
            "%(name)s cannot be attached: choose a PDF, Word, Excel, PowerPoint, "
            "OpenDocument or plain-text file."
        )
        % {"name": name}
    )


def _is_zip_with(upload, kind: DocumentType) -> bool:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if kind.member not in names:
                return False
            if kind.mimetype:
                return archive.read("mimetype").decode("ascii", "replace").strip() == kind.mimetype
            # Word, Excel and PowerPoint files with macros declare vbaProject parts: refused.
            return not any(name.endswith("vbaProject.bin") for name in names)
    except (zipfile.BadZipFile, KeyError, OSError):
        return False


def _is_text(upload) -> bool:
    data = upload.read()
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data


def clean_document(upload) -> tuple[str, str]:
    """Return (a safe file name, the content type to serve it with), or raise ValidationError."""
    name = get_valid_filename(upload.name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])[-120:] or "file"
    limit = settings.TRAINING_MATERIAL_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("%(name)s is too big (%(size)s). Choose a file of at most %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = DOCUMENT_TYPES.get(extension)
    if kind is None:
        raise _refuse(name)
    upload.seek(0)
    if extension == "pdf":
        ok = upload.read(5) == b"%PDF-"
    elif extension == "txt":
        ok = _is_text(upload)
    else:
        ok = _is_zip_with(upload, kind)
    upload.seek(0)
    if not ok:
        raise _refuse(name)
    return name, kind.content_type
