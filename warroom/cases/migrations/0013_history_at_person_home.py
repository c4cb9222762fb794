# The daily cycle's reads at the whole city's scale (issue 21):
# - the isolation and test-due histories by time alone: the people with a record after a
#   day's cut-off (a few), asked by each count of the kept states, were a scan of each
#   history;
# - on PostgreSQL, a covering index from a person (not merged) to his home compound: the
#   daily counts join tens of thousands of kept states or steps to their people's homes,
#   and read the whole people's table (96 MB at the peak) for it. SQLite has no covering
#   indexes (and finds a row by its id in the table itself): nothing there.

from django.db import migrations, models

PERSON_HOME = (
    'CREATE INDEX IF NOT EXISTS "cases_person_home" ON "cases_person" ("id") '
    'INCLUDE ("home_id") WHERE "merged_into_id" IS NULL'
)


def add_person_home(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PERSON_HOME)


def drop_person_home(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP INDEX IF EXISTS "cases_person_home"')


class Migration(migrations.Migration):
    dependencies = [("cases", "0012_words")]

    operations = [
        migrations.AddIndex(
            model_name="isolationrecord",
            index=models.Index(fields=["at"], name="cases_isolation_at"),
        ),
        migrations.AddIndex(
            model_name="testduerecord",
            index=models.Index(fields=["at"], name="cases_testdue_at"),
        ),
        migrations.RunPython(add_person_home, drop_person_home),
    ]
