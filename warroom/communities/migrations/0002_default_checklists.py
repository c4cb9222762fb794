from django.db import migrations


def create(apps, schema_editor):
    from warroom.communities.checklists import DEFAULT_CHECKLISTS

    Checklist = apps.get_model("communities", "Checklist")
    Item = apps.get_model("communities", "ChecklistItem")
    for kind, items in DEFAULT_CHECKLISTS.items():
        if Checklist.objects.filter(kind=kind).exists():
            continue
        checklist = Checklist.objects.create(kind=kind, version=1, active=True)
        for order, (code, category, text_zh, text_en) in enumerate(items):
            Item.objects.create(
                checklist=checklist,
                code=code,
                category=category,
                text_zh=text_zh,
                text_en=text_en,
                order=order,
            )


class Migration(migrations.Migration):
    dependencies = [("communities", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
