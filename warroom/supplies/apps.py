from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "warroom.supplies"
    label = "supplies"
    verbose_name = _("Medical supplies")

    def ready(self) -> None:
        from warroom.core.daily import register_step
        from warroom.supplies import steps

        register_step(
            "supplies.verify", steps.verify_step, label="物资台账核验 / supplies: ledger check"
        )
        register_step(
            "supplies.alerts",
            steps.alerts_step,
            after=("supplies.verify",),
            after_if_present=("beds.pools",),
            label="物资可用天数与预警 / supplies: days of stock and alerts",
        )
