"""Who may import: the programme office only."""

import rules

from groups.permissions import is_admin

rules.add_perm("imports.import_records", is_admin)
