"""Training materials: documents only, size-limited, checked by their content and not only by
their name, so that a renamed program or web page is refused."""

import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
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
            # Documents with macros are refused: Office keeps them in vbaProject parts,
            # OpenDocument under Basic/ or Scripts/.
            if any(
                name.endswith("vbaProject.bin") or name.startswith(("Basic/", "Scripts/"))
                for name in names
            ):
                return False
            if kind.mimetype:
                # The mimetype member is a few bytes; a bigger one is not a real document.
                info = archive.getinfo("mimetype")
                if info.file_size > 100:
                    return False
                return archive.read(info).decode("ascii", "replace").strip() == kind.mimetype
            return True
    except (zipfile.BadZipFile, KeyError, OSError):
        return False


def _is_text(upload) -> bool:
    data = upload.read()
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data


def _safe_name(raw: str) -> str:
    """The file's own name, made safe to show and to send back in a download; a name with
    nothing usable in it (say "###.pdf") becomes "file.pdf"."""
    raw = raw.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    extension = raw.rsplit(".", 1)[-1].lower() if "." in raw else ""
    try:
        name = get_valid_filename(raw)
    except SuspiciousFileOperation:
        name = ""
    if not name or name.startswith("."):
        name = f"file.{extension}" if extension else "file"
    return name[-120:]


def clean_document(upload) -> tuple[str, str]:
    """Return (a safe file name, the content type to serve it with), or raise ValidationError."""
    name = _safe_name(upload.name)
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
