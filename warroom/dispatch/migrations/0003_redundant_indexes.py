# The foreign keys' own indexes that a composite index already leads with: one write less
# per proposal line and per placement (tens of thousands a day at the peak).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("beds", "0002_verbose_names"),
        ("dispatch", "0002_verbose_names"),
    ]

    operations = [
        migrations.AlterField(
            model_name="placement",
            name="facility",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="placements",
                to="beds.facility",
                verbose_name="facility",
            ),
        ),
        migrations.AlterField(
            model_name="proposalline",
            name="proposal",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="lines",
                to="dispatch.proposal",
                verbose_name="proposal",
            ),
        ),
    ]
