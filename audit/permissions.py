"""Who may read the audit trail."""

import rules

from groups.permissions import is_admin

rules.add_perm("audit.see_trail", is_admin)
