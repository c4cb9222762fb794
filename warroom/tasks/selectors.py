"""Reading tasks with permission: my tasks, my area's tasks, the overdue ones."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from warroom.core.errors import NotFound
from warroom.tasks.models import Task


def visible_tasks(user: Any) -> QuerySet[Task]:
    return Task.objects.restrict(user, "view").select_related("area", "owner", "verified_by")


def get_task(user: Any, task_id: int | str) -> Task:
    try:
        pk = int(task_id)
    except (TypeError, ValueError):
        raise NotFound("task not found") from None
    task = visible_tasks(user).filter(pk=pk).first()
    if task is None:
        raise NotFound("task not found")
    return task


def my_tasks(user: Any) -> QuerySet[Task]:
    return visible_tasks(user).filter(owner=user)
