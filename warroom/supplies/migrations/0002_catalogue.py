from django.db import migrations


def seed(apps, schema_editor):
    from warroom.supplies.catalogue import ensure_catalogue

    ensure_catalogue(apps.get_model("supplies", "Item"))


class Migration(migrations.Migration):
    dependencies = [("supplies", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
