"""The year's figures for admins, as the dashboard shows them (not suppressed)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from .figures import valid_year
from .selectors import figures_of_year


class YearFiguresView(APIView):
    @extend_schema(
        responses=inline_serializer(
            "YearFigures",
            {
                "year": serializers.IntegerField(),
                "headline": serializers.DictField(),
                "tables": serializers.ListField(child=serializers.DictField()),
            },
        )
    )
    def get(self, request, year: int):
        if not request.user.has_perm("reports.see_dashboard"):
            raise PermissionDenied
        if not valid_year(year):
            raise NotFound
        figures = figures_of_year(year)
        return Response(
            {
                "year": year,
                "headline": figures.headline,
                "tables": [
                    {
                        "key": t.key,
                        "title": t.title,
                        "columns": t.columns,
                        "rows": t.rows,
                    }
                    for t in figures.tables
                ],
            }
        )
