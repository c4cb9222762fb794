from django.db import migrations


def create(apps, schema_editor):
    from warroom.supervision.checklists import ensure_default_checklists

    ensure_default_checklists(
        apps.get_model("supervision", "SupervisionChecklist"),
        apps.get_model("supervision", "SupervisionItem"),
    )


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
