"""The operational rules of case management, with their sources. Settings may override.

Every default is cited on the line that sets it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from warroom.core import today as core_today

# Close contacts: 14 days of medical observation from the last exposure; National Health
# Commission, "新型冠状病毒肺炎防控方案（第五版）" (Prevention and Control Plan, 5th ed.,
# 21 Feb 2020), annex 4 (密切接触者管理).
QUARANTINE_DAYS = 14
# Nucleic acid tests on the first and the last day of quarantine (days 1 and 14), as
# Wuhan's headquarters ordered for contacts in centralised quarantine (Feb 2020).
QUARANTINE_TEST_DAYS = (1, 14)
# Discharged patients: 14 more days of isolation and health monitoring; 新型冠状病毒肺炎
# 诊疗方案（试行第七版） (Diagnosis and Treatment Protocol, 7th ed., 3 Mar 2020), §十(二).
POST_DISCHARGE_DAYS = 14
# The contacts of a new confirmed case are traced within 24 hours (Plan, 5th ed., annex 4).
TRACE_HOURS = 24
# A sample without a result 24 hours after it was taken is overdue (DESIGN §3.2).
SAMPLE_RESULT_HOURS = 24
# Excluding a suspected case: two consecutive negative nucleic acid tests taken at least
# 24 hours apart (Protocol, 7th ed., §五(二) 疑似病例排除).
EXCLUDE_NEGATIVES = 2
EXCLUDE_GAP_HOURS = 24


@dataclass(frozen=True)
class Rules:
    quarantine_days: int = QUARANTINE_DAYS
    quarantine_test_days: tuple[int, ...] = QUARANTINE_TEST_DAYS
    post_discharge_days: int = POST_DISCHARGE_DAYS
    trace_hours: int = TRACE_HOURS
    sample_result_hours: int = SAMPLE_RESULT_HOURS
    exclude_negatives: int = EXCLUDE_NEGATIVES
    exclude_gap_hours: int = EXCLUDE_GAP_HOURS

    def test_due_times(self, start: dt.datetime) -> list[dt.datetime]:
        """The times the quarantine's tests fall due: day k starts k-1 days after ``start``."""
        return [start + dt.timedelta(days=d - 1) for d in sorted(self.quarantine_test_days)]


def current() -> Rules:
    return Rules(
        quarantine_days=settings.WARROOM_QUARANTINE_DAYS,
        quarantine_test_days=tuple(settings.WARROOM_QUARANTINE_TEST_DAYS),
        post_discharge_days=settings.WARROOM_POST_DISCHARGE_DAYS,
    )


def cutoff_time() -> dt.time | None:
    """The day's clearance cut-off (``WARROOM_CLEARANCE_CUTOFF``; None = 24:00): the
    platform's one definition, :func:`warroom.core.today.cutoff_time`."""
    return core_today.cutoff_time()
