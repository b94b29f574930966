"""Where things are: Hangzhou's divisions and the places children name.

Divisions (district → street → community) come from the national statistical division codes,
vendored in places/data/ and loaded after every migrate and flush (services.divisions_load):
reference data, not typed here.
Known places (schools, communities, parks, metro stations …) are what an office adds: each lies
in a division, and may have coordinates. A child may choose either.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from groups.models import BilingualName, Organisation

# Hangzhou's extent, with a margin: coordinates outside it are not in the city.
LATITUDE_RANGE = (Decimal("29.1"), Decimal("30.6"))
LONGITUDE_RANGE = (Decimal("118.3"), Decimal("120.8"))


BOTH_OR_NEITHER = _("Give both the latitude and the longitude, or neither.")


def _coordinate(verbose_name, bounds):
    return models.DecimalField(
        verbose_name,
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(bounds[0]), MaxValueValidator(bounds[1])],
    )


def latitude_field():
    """A point's latitude in the city (known places, and a suggestion's pin)."""
    return _coordinate(_("latitude"), LATITUDE_RANGE)


def longitude_field():
    return _coordinate(_("longitude"), LONGITUDE_RANGE)


def both_coordinates_or_none(name: str) -> models.CheckConstraint:
    """A point has both its coordinates, or none."""
    return models.CheckConstraint(
        condition=Q(latitude__isnull=True, longitude__isnull=True)
        | Q(latitude__isnull=False, longitude__isnull=False),
        name=name,
        violation_error_message=BOTH_OR_NEITHER,
    )


class DivisionLevel(models.TextChoices):
    DISTRICT = "district", _("district or county")
    STREET = "street", _("street or town")
    COMMUNITY = "community", _("community or village")


class Division(BilingualName):
    """One of Hangzhou's districts, streets or communities, by its statistical code."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    level = models.CharField(_("level"), max_length=10, choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("lies in"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    class Meta:
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level=DivisionLevel.DISTRICT, parent__isnull=True)
                | (~Q(level=DivisionLevel.DISTRICT) & Q(parent__isnull=False)),
                name="only_a_district_has_no_parent",
                violation_error_message=_("A street lies in a district, a community in a street."),
            ),
        ]

    def lineage(self) -> list["Division"]:
        """This division and the ones it lies in, the smallest first (uses the parents loaded)."""
        found, division = [], self
        while division is not None:
            found.append(division)
            division = division.parent
        return found

    @property
    def district(self) -> "Division":
        return self.lineage()[-1]

    @property
    def full_name(self) -> str:
        return " · ".join(str(d) for d in reversed(self.lineage()))


class PlaceKind(models.TextChoices):
    SCHOOL = "school", _("School")
    COMMUNITY = "community", _("Community")
    PRACTICE_BASE = "practice_base", _("Practice base")
    PARK = "park", _("Park")
    METRO_STATION = "metro_station", _("Metro station")
    OTHER = "other", _("Other place")


class Place(BilingualName):
    """A place an office knows by name: children find it as they type."""

    kind = models.CharField(_("kind"), max_length=20, choices=PlaceKind.choices)
    division = models.ForeignKey(
        Division,
        verbose_name=_("division"),
        on_delete=models.PROTECT,
        related_name="places",
        help_text=_("The smallest division it lies in: a community, else a street or district."),
    )
    latitude = latitude_field()
    longitude = longitude_field()
    organisation = models.OneToOneField(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="place",
        help_text=_("For a school or community of the programme: the organisation it is."),
    )
    retired = models.BooleanField(
        _("retired"),
        default=False,
        help_text=_("A retired place is no longer offered; suggestions that named it keep it."),
    )

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["name"]
        constraints = [
            both_coordinates_or_none("place_has_both_coordinates_or_none"),
            models.UniqueConstraint(
                fields=["name", "division"],
                name="one_place_of_a_name_per_division",
                violation_error_message=_("There is already a place of this name here."),
            ),
        ]

    @property
    def full_name(self) -> str:
        """太子湾公园 · 西湖区 · 西湖街道: the name and where it lies (uses the parents loaded)."""
        return f"{self} · {self.division.full_name}"

    def clean(self):
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(BOTH_OR_NEITHER)


class PlaceSearchKey(models.Model):
    """What a search as you type matches: every ending of a place's name, and of its pinyin
    initials and spelling, so that a prefix search on an index finds a name from its middle
    too (湖文化 finds 西湖文化广场, xh finds 西湖)."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="search_keys")
    key = models.CharField(max_length=64, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "place"], name="one_search_key_per_place"),
        ]

    def __str__(self):
        return self.key
