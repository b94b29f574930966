"""The kinds of import, by the slug used in addresses and command names."""

from . import alliance, children, organisations, places, routing, staff

IMPORTERS = {
    importer.slug: importer
    for importer in (
        organisations.IMPORTER,
        places.IMPORTER,
        alliance.IMPORTER,
        staff.IMPORTER,
        routing.IMPORTER,
        children.IMPORTER,
    )
}
