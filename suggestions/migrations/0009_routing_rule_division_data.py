"""Each rule's district organisation becomes the Hangzhou division of level district with the
same Chinese name. A rule whose district has no such division stops the migration, naming it:
made city-wide silently, it would send suggestions to the wrong department."""

from django.db import migrations

from places.services import divisions_load


class UnmappedRoutingRules(Exception):
    pass


def _rule_line(rule, district_name):
    return f"rule {rule.pk} ({rule.focus_area.code}, {district_name} → {rule.department.code})"


def forwards(apps, schema_editor):
    RoutingRule = apps.get_model("suggestions", "RoutingRule")
    Division = apps.get_model("places", "Division")
    if RoutingRule.objects.filter(district__isnull=False).exists():
        # The divisions are loaded after the migrations (places/apps.py); these rules need
        # them now.
        divisions_load(using=schema_editor.connection.alias, model=Division)
    districts = {
        division.name: division
        for division in Division.objects.filter(level="district")
    }
    unmapped = []
    rules = RoutingRule.objects.filter(district__isnull=False).select_related(
        "district", "focus_area", "department"
    )
    for rule in rules:
        division = districts.get(rule.district.name.strip())
        if division is None:
            unmapped.append(_rule_line(rule, rule.district.name))
            continue
        rule.division = division
        rule.save(update_fields=["division"])
    if unmapped:
        raise UnmappedRoutingRules(
            "These routing rules name a district that is not one of Hangzhou's districts by "
            "its Chinese name: " + "; ".join(unmapped) + ". Rename the district organisation to "
            "the name of its division (places.Division, level district), or delete the rule, "
            "then migrate again. Nothing was changed."
        )


def backwards(apps, schema_editor):
    RoutingRule = apps.get_model("suggestions", "RoutingRule")
    Organisation = apps.get_model("groups", "Organisation")
    districts = {o.name: o for o in Organisation.objects.filter(kind="district")}
    unmapped = []
    rules = RoutingRule.objects.filter(division__isnull=False).select_related(
        "division", "focus_area", "department"
    )
    for rule in rules:
        district = districts.get(rule.division.name) if rule.division.level == "district" else None
        if district is None:
            unmapped.append(_rule_line(rule, rule.division.name))
            continue
        rule.district = district
        rule.save(update_fields=["district"])
    if unmapped:
        raise UnmappedRoutingRules(
            "These routing rules name a division that is no district organisation: "
            + "; ".join(unmapped)
            + ". Delete them, or create the district organisation, then migrate back again."
        )


class Migration(migrations.Migration):

    dependencies = [
        ('groups', '0005_child_roster_number'),
        ('suggestions', '0008_routing_rule_division'),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
