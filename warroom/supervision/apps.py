import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from warroom.core.context import SYSTEM


def _flags_step(day: dt.date) -> str:
    from warroom.supervision.integrity import do_open_flag_tasks

    opened = do_open_flag_tasks(day, actor=SYSTEM)
    return f"{opened} quality flags became tasks"


def _escalate_step(day: dt.date) -> str:
    from warroom.supervision.escalation import do_escalate_overdue

    return f"{len(do_escalate_overdue(actor=SYSTEM))} overdue tasks escalated"


def _rates_step(day: dt.date) -> str:
    from warroom.supervision.services import do_compute_rates

    return f"rates of {do_compute_rates(day, actor=SYSTEM)} areas"


def _signals_step(day: dt.date) -> str:
    from warroom.supervision.signals import do_raise_signals

    return f"{do_raise_signals(day, actor=SYSTEM)} signals"


class SupervisionConfig(AppConfig):
    name = "warroom.supervision"
    label = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        from warroom.core.daily import register_step
        from warroom.supervision import integrity, signals
        from warroom.tasks.services import register_task_hook

        register_step(
            "supervision.flags",
            _flags_step,
            after=("surveillance.quality",),
            label="数据核查任务 / quality flags become tasks",
        )
        register_step(
            "supervision.rates",
            _rates_step,
            # (after the kept states move to the day's cut-off: the rates sum them)
            after_if_present=("surveillance.aggregates", "cases.states"),
            label="三个数量比率 / the three quantities' rates",
        )
        register_step(
            "supervision.signals",
            _signals_step,
            after=("supervision.rates",),
            after_if_present=("economy.levels", "appeals_escalate", "supplies.alerts"),
            label="风险信号 / emerging problems",
        )
        register_step(
            "supervision.escalate",
            _escalate_step,
            after=("supervision.flags",),
            label="逾期升级 / overdue tasks escalate",
        )
        register_task_hook("quality", integrity.on_task_verified)
        signals.register_builtin_signals()
