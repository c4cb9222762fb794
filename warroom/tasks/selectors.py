"""Reading tasks with permission: my tasks, my area's tasks, the overdue ones."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from warroom.core.scoping import load_for
from warroom.tasks.models import Task


def visible_tasks(user: Any) -> QuerySet[Task]:
    return Task.objects.restrict(user, "view").select_related("area", "owner", "verified_by")


def get_task(user: Any, task_id: int | str) -> Task:
    qs = Task.objects.select_related("area", "owner", "verified_by")
    return load_for(user, "view", qs, task_id)


def my_tasks(user: Any) -> QuerySet[Task]:
    return visible_tasks(user).filter(owner=user)
