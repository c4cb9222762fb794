from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EconomyConfig(AppConfig):
    name = "warroom.economy"
    label = "economy"
    verbose_name = _("Zones, levels and reopening")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from warroom.core.daily import register_step
        from warroom.economy.services import daily_step

        register_step(
            "economy.levels",
            daily_step,
            after_if_present=("cases.clearance",),
            label="分区分级 / risk levels by area",
        )
        from django.apps import apps

        if apps.is_installed("warroom.supervision"):
            from django.utils.translation import gettext_lazy as _

            from warroom.economy.services import level_rose_hits
            from warroom.supervision.signals import register_signal

            register_signal(
                "risk_level_rose",
                level_rose_hits,
                risk="public_safety",
                label=_("A risk level rose"),
            )
