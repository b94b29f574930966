"""Who may see the year's figures and export them. The public figures page needs no rule."""

import rules

from groups.permissions import is_admin

rules.add_perm("reports.see_dashboard", is_admin)
rules.add_perm("reports.export_annual_report", is_admin)
