from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "warroom.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from warroom.audit.anchors import anchor_step
        from warroom.core.daily import register_step

        # The day's head goes out of the database after every step's results and entries
        # are written (last) and before the briefing, which prints it.
        register_step(
            "audit.anchor",
            anchor_step,
            last=True,
            label="审计锚点 / audit: anchor the day's head",
        )
