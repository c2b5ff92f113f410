"""Migration operations that run SQL on one database vendor only (database-level guards Django cannot
express portably: the PostgreSQL exclusion constraint and its SQLite trigger twin), and the ones that move
the simulator tables into the demo-only simulators app.
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


SIMULATORS = "innkeeper.simulators"


def simulator_tables_leave(app_label: str, model_names: tuple[str, ...]) -> migrations.RunPython:
    """The simulator tables of ``app_label`` leave it: renamed into the simulators app's names (their rows
    kept) when that app is installed (demo mode), dropped when it is not (production). Name a referencing
    model before the one it references. Backwards, the tables come back (empty if they had been dropped).

    Decided by what is installed, as Django's docs do for models that move between apps; run inside a
    ``SeparateDatabaseAndState`` whose state operations delete the models."""

    def moved(name: str) -> str:
        return f"simulators_{name.lower()}"

    def forwards(apps, schema_editor):
        from django.apps import apps as installed

        keep = installed.is_installed(SIMULATORS)
        for name in model_names:
            model = apps.get_model(app_label, name)
            if keep:
                schema_editor.alter_db_table(model, model._meta.db_table, moved(name))
            else:
                schema_editor.delete_model(model)

    def backwards(apps, schema_editor):
        existing = set(schema_editor.connection.introspection.table_names())
        for name in reversed(model_names):
            model = apps.get_model(app_label, name)
            if moved(name) in existing:
                schema_editor.alter_db_table(model, moved(name), model._meta.db_table)
            else:
                schema_editor.create_model(model)

    return migrations.RunPython(forwards, backwards)


def simulator_tables_arrive(model_names: tuple[str, ...]) -> migrations.RunPython:
    """The simulators app's tables that no earlier app handed over (a database that ran in production mode,
    where they were dropped, now runs the demo): created empty. Name a referenced model first."""

    def forwards(apps, schema_editor):
        existing = set(schema_editor.connection.introspection.table_names())
        for name in model_names:
            model = apps.get_model("simulators", name)
            if model._meta.db_table not in existing:
                schema_editor.create_model(model)

    return migrations.RunPython(forwards, migrations.RunPython.noop)
