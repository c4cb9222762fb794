from django.db import migrations


def create(apps, schema_editor):
    from warroom.communities.checklists import ensure_default_checklists

    ensure_default_checklists(
        apps.get_model("communities", "Checklist"), apps.get_model("communities", "ChecklistItem")
    )


class Migration(migrations.Migration):
    dependencies = [("communities", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
