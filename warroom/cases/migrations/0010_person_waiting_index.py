# The people waiting for a bed or a room (warroom.cases.models.waiting_filter): a partial
# index, read by each dispatch round.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_person_merged_partial_index"),
        ("geo", "0002_verbose_names"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                condition=models.Q(
                    ("merged_into__isnull", True),
                    models.Q(
                        ("status", "confirmed"),
                        models.Q(
                            (
                                "status__in",
                                (
                                    "febrile",
                                    "febrile_tested",
                                    "suspected",
                                    "contact",
                                    "quarantined",
                                ),
                            ),
                            models.Q(("isolation__in", ("quarantine", "hospital")), _negated=True),
                        ),
                        _connector="OR",
                    ),
                ),
                fields=["id"],
                name="cases_person_waiting",
            ),
        ),
    ]
