import logging
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from . import selectors, services
from .exports import FORMATS, file_name
from .figures import valid_year
from .forms import ExportForm, YearForm
from .models import ReportExport
from .streaming import csv_lines

logger = logging.getLogger(__name__)


def _year(request) -> tuple[YearForm, int]:
    form = YearForm(request.GET or None, initial={"year": timezone.localdate().year})
    year = form.cleaned_data["year"] if form.is_bound and form.is_valid() else None
    return form, year or timezone.localdate().year


def _charts(figures) -> list[dict]:
    """Each table with the data its chart draws, as JSON for js/charts.js."""
    charts = []
    for table in figures.tables:
        labels, series = table.chart_series()
        if table.chart and labels:
            data = {
                "type": table.chart,
                "labels": labels,
                "series": [{"label": label, "values": values} for label, values in series],
            }
        else:
            data = None
        charts.append(
            {
                "table": table,
                "chart": data,
                "id": f"chart-{table.key}",
                "rows": list(zip(table.rows, _row_links(table, figures.year), strict=True)),
            }
        )
    return charts


def _row_links(table, year) -> list[str | None]:
    """Each row's link to its part of the list behind the figures, where there is one."""
    if not (table.link and table.row_query and len(table.row_keys) == len(table.rows)):
        return [None] * len(table.rows)
    page = reverse(table.link)
    return [
        f"{page}?{table.row_query.format(key=quote(str(key)), year=year)}" for key in table.row_keys
    ]


@login_required
@permission_required("reports.see_dashboard", raise_exception=True)
def dashboard(request):
    year_form, year = _year(request)
    figures = selectors.figures_of_year(year)
    services.report_exports_fail_stale()
    exports = ReportExport.objects.filter(year=year).select_related("requested_by")[:12]
    return render(
        request,
        "reports/dashboard.html",
        {
            "year": year,
            "year_form": year_form,
            "figures": figures,
            "charts": _charts(figures),
            "export_form": ExportForm(
                initial={"year": year, "format": "xlsx", "language": translation.get_language()}
            ),
            "exports": exports,
            "refresh": any(export.active for export in exports),
        },
    )


@login_required
@require_POST
@permission_required("reports.export_annual_report", raise_exception=True)
def export_request(request):
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a year, a format and a language, then ask again."))
        return redirect("report_dashboard")
    try:
        export, started = services.report_export_request(
            user=request.user,
            year=form.cleaned_data["year"],
            fmt=form.cleaned_data["format"],
            language=form.cleaned_data["language"],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("report_dashboard")
    if started:
        messages.success(request, _("The report is being made. This page shows how far it is."))
    else:
        messages.info(request, _("This report is already being made: here is how far it is."))
    return redirect(f"{reverse('report_dashboard')}?year={export.year}")


@login_required
@permission_required("reports.export_annual_report", raise_exception=True)
def export_download(request, pk):
    export = get_object_or_404(ReportExport, pk=pk)
    if not export.file:
        raise Http404
    try:
        handle = export.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    services.export_download_record(user=request.user, export=export)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=file_name(export.year, export.format, export.language),
        content_type=FORMATS[export.format][1],
    )


def public_figures(request):
    """The year's figures for everyone: a subset, with no figure about fewer than 5
    children."""
    year_form, year = _year(request)
    figures = selectors.figures_of_year(year, public=True)
    return render(
        request,
        "reports/public.html",
        {"year": year, "year_form": year_form, "figures": figures, "charts": _charts(figures)},
    )


@login_required
@permission_required("reports.export_annual_report", raise_exception=True)
def suggestions_csv(request, year):
    """The year's suggestions, one anonymised row each, streamed (any size of year)."""
    if not valid_year(year):
        raise Http404
    logger.info("suggestions of %s exported by user %s", year, request.user.pk)
    services.suggestions_csv_download_record(user=request.user, year=year)
    response = StreamingHttpResponse(csv_lines(year), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="suggestions-{year}.csv"'
    return response
