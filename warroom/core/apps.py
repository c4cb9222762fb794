from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "warroom.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from warroom.core import lookups  # noqa: F401  (registers field__under)
        from warroom.core.daily import register_step
        from warroom.core.dbstats import do_refresh_statistics

        register_step(
            "core.statistics",
            do_refresh_statistics,
            first=True,
            atomic=False,  # VACUUM runs outside a transaction
            label="数据库统计 / the planner's statistics",
        )
