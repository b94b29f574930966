"""The programme office's import pages: upload a file, see what it would do row by row, confirm.

The uploaded file waits, encrypted, in an ImportBatch between the preview and the confirmation;
the confirmation hands it to the worker, which plans it again against the database as it is
then and writes all of it or nothing (imports/services.py). Templates and exports give the
import's own format.
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rules.contrib.views import permission_required

from . import selectors, services, spreadsheets
from .base import Action
from .forms import UploadForm
from .kinds import IMPORTERS
from .models import ImportBatch
from .tabular import FileProblem, header_text

logger = logging.getLogger(__name__)

# The preview lists at most this many rows of each action (refused rows first); the counts
# cover them all.
PREVIEW_ROWS = 500


def _importer(kind):
    try:
        return IMPORTERS[kind]
    except KeyError:
        raise Http404 from None


@login_required
@permission_required("imports.import_records", raise_exception=True)
def index(request):
    kinds = [
        {"importer": importer, "headers": [header_text(column) for column in importer.columns]}
        for importer in IMPORTERS.values()
    ]
    return render(
        request,
        "imports/index.html",
        {"kinds": kinds, "batches": selectors.recent_batches()},
    )


@login_required
@require_http_methods(["GET", "POST"])
@permission_required("imports.import_records", raise_exception=True)
def upload(request, kind):
    importer = _importer(kind)
    posted = request.method == "POST"
    form = UploadForm(
        request.POST if posted else None, request.FILES if posted else None, importer=importer
    )
    if posted and form.is_valid():
        batch = services.batch_upload(
            importer=importer,
            file_name=form.cleaned_data["file"].name,
            data=form.data_bytes,
            user=request.user,
        )
        return redirect("import_batch", pk=batch.pk)
    return render(
        request,
        "imports/upload.html",
        {
            "importer": importer,
            "form": form,
            "headers": [header_text(column) for column in importer.columns],
        },
        status=400 if form.errors else 200,
    )


def _sections(plan, columns):
    """The rows the preview lists: refused, then created, then updated (unchanged rows are
    only counted), each at most PREVIEW_ROWS, as the cells of the file's columns."""
    labels = {column.key: header_text(column) for column in columns}
    sections = []
    for action in (Action.REFUSED, Action.CREATE, Action.UPDATE):
        rows = [row for row in plan.rows if row.action == action]
        shown = [
            {
                "number": row.number,
                "cells": [row.values.get(column.key, "") for column in columns],
                "problems": row.problems,
                "changes": [(labels.get(key, key), old, new) for key, old, new in row.changes],
            }
            for row in rows[:PREVIEW_ROWS]
        ]
        sections.append({"action": action, "rows": shown, "more": max(0, len(rows) - PREVIEW_ROWS)})
    return sections


@login_required
@require_http_methods(["GET", "POST"])
@permission_required("imports.import_records", raise_exception=True)
def batch(request, pk):
    batch = get_object_or_404(selectors.batches(), pk=pk)
    importer = _importer(batch.kind)
    context = {
        "batch": batch,
        "importer": importer,
        "State": ImportBatch.State,
        "Problem": ImportBatch.Problem,
        "Action": Action,
    }
    if request.method == "POST":
        try:
            services.batch_confirm(batch_id=batch.pk, user=request.user)
        except services.BatchClosed:
            batch.refresh_from_db()
            if batch.state == ImportBatch.State.DISCARDED:
                messages.error(request, _("This preview is closed: upload the file again."))
                return redirect("import_upload", kind=batch.kind)
            # Being written, or written: its page says which.
        return redirect("import_batch", pk=batch.pk)
    services.batch_discard_if_stale(batch=batch)
    if batch.state != ImportBatch.State.PENDING and not batch.stalled:
        return render(request, "imports/batch.html", context)
    # Back from the worker (refused when written, or it could not be reached): the preview
    # below, planned against the database as it is now, shows why.
    try:
        plan = importer.plan(importer.read(batch.file_bytes()))
    except FileProblem as problem:
        messages.error(request, problem.args[0])
        return redirect("import_upload", kind=batch.kind)
    return _preview_page(request, context, plan)


def _preview_page(request, context, plan, status=200):
    importer = context["importer"]
    columns = [column for column in importer.columns if column.key in plan.given]
    context |= {
        "plan": plan,
        "counts": plan.counts(),
        "sections": _sections(plan, columns),
        "columns": columns,
    }
    return render(request, "imports/batch.html", context, status=status)


@login_required
@permission_required("imports.import_records", raise_exception=True)
def template(request, kind):
    importer = _importer(kind)
    return _xlsx(spreadsheets.workbook(importer), spreadsheets.file_name(importer, template=True))


@login_required
@permission_required("imports.import_records", raise_exception=True)
def export(request, kind):
    importer = _importer(kind)
    logger.info("records of %s exported by user %s", kind, request.user.pk)
    data = spreadsheets.workbook(importer, importer.export())
    return _xlsx(data, spreadsheets.file_name(importer, template=False))


def _xlsx(data, name):
    response = HttpResponse(data, content_type=spreadsheets.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
