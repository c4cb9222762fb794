# The people with a step after a day's cut-off (warroom.cases.waiting._later), asked by
# each count of the kept states (the clearance's duties, the bed balance's waiting people):
# on SQLite a scan of the whole transition history (1,000,000 rows at the 45-day peak,
# ~0.1 s each time), which cannot seek the (target, at) index on ``at`` alone; on
# PostgreSQL a walk of that whole index (900 pages). As 0013 did for the isolation and
# test-due histories.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0014_words")]

    operations = [
        migrations.AddIndex(
            model_name="transitionrecord",
            index=models.Index(fields=["at"], name="cases_transition_at"),
        ),
    ]
