"""Benchmark: importing a city's spreadsheets into PostgreSQL, against a bare bulk_create.

    make bench PYTEST_ARGS="-k imports"     (needs DATABASE_URL=postgres://…)

2,000 organisations, 5,000 staff and 50,000 children, as the .xlsx files an office would
upload. Side by side in one run, each in a transaction rolled back after it:

- bare: `bulk_create` of the very rows the import writes (organisations; staff logins and
  their staff records; children's closed logins, guardians' logins, guardians, children and
  guardianships), built in Python with nothing read or checked;
- import: the three imports as the confirm button runs them: read the file, plan every row
  against the database, write the plan.

Then the memory: a process of its own (as `manage.py import_<kind> --commit` runs) imports the
three files into the test database, and its peak resident memory is read from the kernel.

Fails if the import takes more than 3× the bare writes, or if that process's peak memory
reaches 500 MB. Prints the figures.
"""

import gc
import io
import os
import subprocess
import sys
import time

import pytest
import xlsxwriter
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from groups.models import (
    AgeBand,
    Child,
    Guardian,
    Guardianship,
    Organisation,
    Role,
    StaffMember,
)
from imports import children, organisations, staff
from imports.tabular import header_text

# Committed for real: the process that measures the memory reads what the test wrote.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DISTRICTS, COMMUNITIES, SCHOOLS, DEPARTMENTS = 10, 600, 1_000, 390  # 2,000 organisations
STAFF = 5_000
CHILDREN = 50_000
SIBLINGS = 10  # every 10th child shares a guardian with the child before
RATIO = 3
PEAK_MB = 500


def organisation_rows():
    rows = []
    for n in range(DISTRICTS):
        rows.append({"code": f"d{n}", "kind": "district", "name": f"区{n}"})
    for n in range(COMMUNITIES):
        rows.append(
            {"code": f"c{n}", "kind": "community", "name": f"社区{n}", "district": f"d{n % 10}"}
        )
    for n in range(SCHOOLS):
        rows.append(
            {
                "code": f"s{n}",
                "kind": "school",
                "name": f"学校{n}",
                "name_en": f"School {n}",
                "district": f"d{n % 10}",
                "community": f"c{n % COMMUNITIES}",
            }
        )
    for n in range(DEPARTMENTS):
        rows.append({"code": f"dep{n}", "kind": "department", "name": f"部门{n}"})
    return rows


def staff_rows():
    roles = [("school", "s", SCHOOLS), ("community", "c", COMMUNITIES), ("department", "dep", 390)]
    rows = []
    for n in range(STAFF):
        role, prefix, count = roles[n % 3]
        rows.append(
            {
                "email": f"staff{n}@example.org",
                "name": f"工作人员{n}",
                "organisation": f"{prefix}{n % count}",
                "role": role,
                "title": "联络员",
            }
        )
    return rows


def child_rows():
    bands = AgeBand.values
    rows = []
    for n in range(CHILDREN):
        guardian = n - 1 if n % SIBLINGS == 1 else n
        rows.append(
            {
                "roster_number": f"HZ{n:06d}",
                "pseudonym": f"观察员{n}" if n % 2 else "",
                "age_band": bands[n % len(bands)],
                "school": f"s{n % SCHOOLS}",
                "guardian_email": f"parent{guardian}@example.org",
                "relationship": "mother",
            }
        )
    return rows


def xlsx(importer, rows):
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"constant_memory": True, "in_memory": True})
    sheet = book.add_worksheet()
    for c, column in enumerate(importer.columns):
        sheet.write_string(0, c, header_text(column))
    for r, row in enumerate(rows, start=1):
        for c, column in enumerate(importer.columns):
            if row.get(column.key):
                sheet.write_string(r, c, row[column.key])
    book.close()
    return output.getvalue()


def bare(org_rows, staff_list, child_list):
    """The same rows, written with bulk_create only."""
    User = get_user_model()
    by_code = {}
    for kinds in (("district",), ("community",), ("school", "department")):
        batch = [
            Organisation(
                code=row["code"],
                kind=row["kind"],
                name=row["name"],
                name_en=row.get("name_en", ""),
                district=by_code.get(row.get("district")),
                community=by_code.get(row.get("community")),
            )
            for row in org_rows
            if row["kind"] in kinds
        ]
        Organisation.objects.bulk_create(batch)
        by_code.update((org.code, org) for org in batch)

    logins = []
    for row in staff_list:
        login = User(
            username=row["email"], email=row["email"], role=row["role"], display_name=row["name"]
        )
        login.set_unusable_password()
        logins.append(login)
    User.objects.bulk_create(logins)
    StaffMember.objects.bulk_create(
        StaffMember(user=login, organisation=by_code[row["organisation"]], title=row["title"])
        for login, row in zip(logins, staff_list, strict=True)
    )

    guardian_logins = {}
    for row in child_list:
        email = row["guardian_email"]
        if email not in guardian_logins:
            login = User(username=email, email=email, role=Role.GUARDIAN, display_name="家长")
            login.set_unusable_password()
            guardian_logins[email] = login
    User.objects.bulk_create(guardian_logins.values())
    guardians = {email: Guardian(user=login) for email, login in guardian_logins.items()}
    Guardian.objects.bulk_create(guardians.values())
    child_logins, kids = [], []
    today = timezone.localdate()
    for n, row in enumerate(child_list):
        login = User(
            username=f"child-{row['roster_number']}".lower(),
            role=Role.CHILD,
            display_name=row["pseudonym"] or f"小蓝鲸{n}",
            is_active=False,
        )
        login.set_unusable_password()
        child_logins.append(login)
        school = by_code[row["school"]]
        kids.append(
            Child(
                roster_number=row["roster_number"],
                pseudonym=login.display_name,
                user=login,
                age_band=row["age_band"],
                school=school,
                community_id=school.community_id,
                joined_on=today,
            )
        )
    User.objects.bulk_create(child_logins)
    Child.objects.bulk_create(kids)
    Guardianship.objects.bulk_create(
        Guardianship(guardian=guardians[row["guardian_email"]], child=kid, relationship="mother")
        for kid, row in zip(kids, child_list, strict=True)
    )


def imported(files, user):
    for importer, data in files:
        importer.apply(importer.read(data), user=user)


def rolled_back(run):
    """Seconds `run` takes, its writes rolled back after."""
    gc.collect()
    with transaction.atomic():
        started = time.perf_counter()
        run()
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds


# Imports the files it is given, in order, and prints its peak resident memory in kB.
MEASURED = """
import resource, sys
import django
django.setup()
from imports.kinds import IMPORTERS
for slug, path in zip(sys.argv[1::2], sys.argv[2::2]):
    importer = IMPORTERS[slug]
    with open(path, "rb") as handle:
        importer.apply(importer.read(handle.read()))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def imported_in_a_process_of_its_own(files, tmp_path):
    """Peak resident memory (MB) of a Python process that imports the files into the test
    database and commits them."""
    from tests.conftest import _database_url_for_subprocess

    arguments = []
    for importer, data in files:
        path = tmp_path / f"{importer.slug}.xlsx"
        path.write_bytes(data)
        arguments += [importer.slug, str(path)]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hangzhou_cfc.settings.test",
        "DATABASE_URL": _database_url_for_subprocess(),
    }
    done = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", MEASURED, *arguments],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert Child.objects.count() == CHILDREN
    return int(done.stdout.split()[-1]) / 1024


def test_importing_2000_organisations_5000_staff_and_50000_children(tmp_path):
    org_rows, staff_list, child_list = organisation_rows(), staff_rows(), child_rows()
    files = [
        (organisations.IMPORTER, xlsx(organisations.IMPORTER, org_rows)),
        (staff.IMPORTER, xlsx(staff.IMPORTER, staff_list)),
        (children.IMPORTER, xlsx(children.IMPORTER, child_list)),
    ]
    office = get_user_model().objects.create(username="office", role=Role.ADMIN)

    # Side by side, twice, the better of each.
    bare_seconds, import_seconds = [], []
    for _round in range(2):
        bare_seconds.append(rolled_back(lambda: bare(org_rows, staff_list, child_list)))
        import_seconds.append(rolled_back(lambda: imported(files, office)))
    bare_best, import_best = min(bare_seconds), min(import_seconds)

    peak_mb = imported_in_a_process_of_its_own(files, tmp_path)

    sizes = ", ".join(f"{importer.slug} {len(data) / 2**20:.1f} MB" for importer, data in files)
    print(
        f"\nfiles: {sizes}"
        f"\nbare bulk_create: {', '.join(f'{s:.2f}' for s in bare_seconds)} s"
        f"\nimport (read, plan, write): {', '.join(f'{s:.2f}' for s in import_seconds)} s"
        f"\nratio (best of each): {import_best / bare_best:.2f}x (limit {RATIO}x)"
        f"\npeak resident memory of a process running the three imports: {peak_mb:.0f} MB"
        f" (limit {PEAK_MB} MB)"
    )
    assert import_best <= RATIO * bare_best
    assert peak_mb < PEAK_MB
