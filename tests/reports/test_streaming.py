import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from groups.models import Role
from suggestions.models import Outcome
from tests.groups.factories import AdminFactory, UserFactory
from tests.suggestions.factories import SuggestionFactory

pytestmark = pytest.mark.django_db


def url(year):
    with translation.override("en"):
        return reverse("report_suggestions_csv", kwargs={"year": year})


def rows_of(response):
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def suggestions_with_a_hostile_unit():
    year = timezone.localdate().year
    plain = SuggestionFactory(state="at_school", title="王小明的建议")
    done = SuggestionFactory(state="implemented")
    Outcome.objects.create(
        suggestion=done,
        description="做好了",
        quantity=Decimal(3),
        unit="=1+2",
        completed_on=timezone.localdate(),
    )
    return year, plain, done


def check(rows, plain, done):
    header, *body = rows
    assert header[0] == "written_on" and "outcome_unit" in header
    by_state = {row[header.index("state")]: dict(zip(header, row, strict=True)) for row in body}
    assert set(by_state) == {"at_school", "implemented"}
    assert by_state["implemented"]["outcome_unit"] == "'=1+2", "a formula is defused"
    assert by_state["at_school"]["written_on"] == str(timezone.localdate()), "a day, no time"
    assert str(plain.pk) not in {cell for row in body for cell in row}, "no record number"
    flat = ",".join(",".join(row) for row in rows)
    assert "王小明" not in flat, "no text a child wrote"
    assert plain.child.pseudonym not in flat, "no child"


def test_an_admin_streams_the_years_suggestions_anonymised(client):
    year, plain, done = suggestions_with_a_hostile_unit()
    client.force_login(AdminFactory())

    response = client.get(url(year))

    assert response.streaming
    assert response["Content-Disposition"] == f'attachment; filename="suggestions-{year}.csv"'
    check(rows_of(response), plain, done)


@pytest.mark.postgres
def test_on_postgresql_the_rows_come_from_copy_with_the_same_columns(client):
    from django.db import connection

    assert connection.vendor == "postgresql"
    year, plain, done = suggestions_with_a_hostile_unit()
    client.force_login(AdminFactory())

    check(rows_of(client.get(url(year))), plain, done)


def test_only_admins_export_suggestions_and_only_for_real_years(client):
    client.force_login(UserFactory(role=Role.MENTOR))
    assert client.get(url(2026)).status_code == 403
    client.force_login(AdminFactory())
    assert client.get(url(1999)).status_code == 404
