"""On PostgreSQL, the access log refuses UPDATE and DELETE whoever sends them.

(The model refuses them in Python already; the trigger holds against raw SQL, the shell and
other programs. TRUNCATE is left to the table's owner, for test databases.)
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION privacy_access_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'privacy_personaldataaccess is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER privacy_access_log_append_only
    BEFORE UPDATE OR DELETE ON privacy_personaldataaccess
    FOR EACH ROW EXECUTE FUNCTION privacy_access_log_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS privacy_access_log_append_only ON privacy_personaldataaccess;
DROP FUNCTION IF EXISTS privacy_access_log_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # No parameters: the % in the message is PL/pgSQL's, not a placeholder.
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
