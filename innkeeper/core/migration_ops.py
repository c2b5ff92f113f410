"""Migration operations that run SQL on one database vendor only.

Used for database-level guards Django cannot express portably (the PostgreSQL exclusion constraint
and its SQLite trigger twin).
"""

from django.db import migrations


class VendorSQL(migrations.operations.base.Operation):
    reversible = True
    reduces_to_sql = True

    def __init__(self, *, postgresql=(), sqlite=(), reverse_postgresql=(), reverse_sqlite=()):
        self.sql = {"postgresql": list(postgresql), "sqlite": list(sqlite)}
        self.reverse = {"postgresql": list(reverse_postgresql), "sqlite": list(reverse_sqlite)}

    def deconstruct(self):
        return (self.__class__.__qualname__, [], {
            "postgresql": self.sql["postgresql"], "sqlite": self.sql["sqlite"],
            "reverse_postgresql": self.reverse["postgresql"], "reverse_sqlite": self.reverse["sqlite"],
        })

    def state_forwards(self, app_label, state):
        pass

    def _run(self, schema_editor, statements):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._run(schema_editor, self.sql)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._run(schema_editor, self.reverse)

    def describe(self):
        return "Vendor-specific SQL"
