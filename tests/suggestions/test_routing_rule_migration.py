"""The migration that moves routing rules from district organisations to divisions: each rule
keeps its district, by name; one whose district is no Hangzhou district stops it, named."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# Transactional: the migrations run as they do on a server. The divisions the flush after each
# test empties come back for the next (places/apps.py loads them after every flush).
pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("suggestions", "0008_routing_rule_division")]
AFTER = [("suggestions", "0010_routing_rule_without_district")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_rules():
    """The schema before the data step, with two district rules and a city-wide one; the
    latest schema again afterwards."""
    apps = migrate(BEFORE)
    Organisation = apps.get_model("groups", "Organisation")
    FocusArea = apps.get_model("groups", "FocusArea")
    RoutingRule = apps.get_model("suggestions", "RoutingRule")
    department = Organisation.objects.create(code="metro", kind="department", name="杭州市地铁集团")
    transport = FocusArea.objects.create(code="transport", name="交通出行")
    parks = FocusArea.objects.create(code="parks", name="公园绿地")

    def rule(focus_area, district_name=None):
        district = None
        if district_name:
            district, _ = Organisation.objects.get_or_create(
                code=f"d-{district_name}", kind="district", name=district_name
            )
        return RoutingRule.objects.create(
            focus_area=focus_area, district=district, department=department
        )

    yield apps, rule, transport, parks
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_each_rule_keeps_its_district_as_a_division(old_rules):
    _apps, rule, transport, parks = old_rules
    rule(transport, "西湖区")
    rule(parks, "滨江区")
    rule(transport)

    apps = migrate(AFTER)

    RoutingRule = apps.get_model("suggestions", "RoutingRule")
    assert set(
        RoutingRule.objects.values_list("focus_area__code", "division__name", "division__level")
    ) == {
        ("parks", "滨江区", "district"),
        ("transport", "西湖区", "district"),
        ("transport", None, None),
    }


def test_a_rule_whose_district_is_not_a_division_stops_the_migration_and_is_named(old_rules):
    _apps, rule, transport, parks = old_rules
    rule(transport, "西湖区")
    unknown = rule(parks, "西湖新区")

    with pytest.raises(Exception, match="西湖新区") as stopped:
        migrate(AFTER)

    assert f"rule {unknown.pk} (parks, 西湖新区 → metro)" in str(stopped.value)
    assert "Nothing was changed" in str(stopped.value)
    apps = migrate(BEFORE)  # where it stopped: the rules as they were
    RoutingRule = apps.get_model("suggestions", "RoutingRule")
    assert not RoutingRule.objects.filter(division__isnull=False).exists()
    assert RoutingRule.objects.count() == 2
    RoutingRule.objects.filter(pk=unknown.pk).delete()  # so that the latest schema comes back


def test_a_server_migrating_before_its_divisions_are_loaded_loads_them_for_its_rules(old_rules):
    """On a server the divisions come after the migrations (places/apps.py): a rule's district
    is mapped all the same, and every division is there afterwards."""
    apps, rule, transport, _parks = old_rules
    divisions = apps.get_model("places", "Division").objects
    for level in ("community", "street", "district"):
        divisions.filter(level=level).delete()
    rule(transport, "西湖区")

    apps = migrate(AFTER)

    RoutingRule = apps.get_model("suggestions", "RoutingRule")
    assert RoutingRule.objects.get().division.code == "330106"
    assert apps.get_model("places", "Division").objects.count() > 3000
