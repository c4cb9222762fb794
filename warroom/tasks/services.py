"""Every change of a task: create, submit (owner), verify or reopen (someone else)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from warroom.core.context import acting
from warroom.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from warroom.core.inputs import clean_text
from warroom.core.scoping import in_scope
from warroom.core.words import Worded, say, stored_text, words_of
from warroom.geo.models import Area
from warroom.tasks.models import Status, Task

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024

# What raised a task hears of its verification or reopening: ``fn(task, event, actor)``
# with event "verified" or "reopened", called in the same transaction (a quality flag is
# resolved by its task's verification: warroom.supervision.integrity).
TaskHook = Any
_HOOKS: dict[str, list[TaskHook]] = {}


def register_task_hook(source_kind: str, fn: TaskHook) -> None:
    """Call ``fn(task, event, actor)`` when a task of ``source_kind`` is verified/reopened."""
    hooks = _HOOKS.setdefault(source_kind, [])
    if fn not in hooks:
        hooks.append(fn)


def _run_hooks(task: Task, event: str, actor: Any) -> None:
    for fn in _HOOKS.get(task.source_kind, ()):
        fn(task, event, actor)


def _task_title(task: Task) -> Worded | str:
    """The task's title as stored: its words, or the person's own text."""
    return Worded.from_json(task.title_words) or task.title


def _notify_owner(task: Task, kind: str, title: Worded | str) -> None:
    from warroom.core.notify import notify

    notify(
        [task.owner], kind=kind, title=title, body=_task_title(task), link=task.get_absolute_url()
    )


def _aware(deadline: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(deadline, dt.datetime):
        moment = deadline
    else:  # a date means the end of that day, local time
        moment = dt.datetime.combine(deadline, dt.time(23, 59, 59))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def owner_problem(owner: Any, area: Area) -> str | None:
    """Why ``owner`` cannot take a task in ``area`` (``None``: he can)."""
    if owner is None or not owner.is_active or not owner.can("change"):
        return _("The owner must be an active user who may change records.")
    if not in_scope(owner, area.path):
        return _("The owner's jurisdiction does not cover this area.")
    return None


def do_create_task(
    *,
    title: Worded | str,
    area: Area,
    owner: Any,
    deadline: dt.datetime | dt.date,
    source_kind: str,
    description: Worded | str = "",
    source: models.Model | None = None,
    actor: Any,
) -> Task:
    """Open a task for ``owner`` in ``area``; the owner must be able to reach the area.

    A title or description the platform words (:func:`warroom.core.words.say`) is stored
    with its words and shown in the reader's language; a person's text is kept as typed."""
    title_words, description_words = words_of(title), words_of(description)
    if isinstance(title, Worded):  # the platform's sentence: cut to the column, not refused
        title = stored_text(title, 200)
    title = clean_text(title, max_length=200, what=_("Title"), required=True)
    description = stored_text(description)
    source_kind = clean_text(source_kind, max_length=64, what=_("Source"), required=True)
    why = owner_problem(owner, area)
    if why is not None:
        raise InvalidInput(why)
    if not in_scope(actor, area.path):
        raise NotFound("area not found")
    deadline = _aware(deadline)
    task = Task(
        title=title,
        description=description,
        title_words=title_words,
        description_words=description_words,
        area=area,
        source_kind=source_kind,
        owner=owner,
        created_by=actor if getattr(actor, "pk", None) else None,
        deadline=deadline,
    )
    if source is not None:
        task.source = source
    with acting(actor), transaction.atomic():
        task.save()
        _notify_owner(task, "task", say(gettext_noop("New task: %(t)s"), t=_task_title(task)))
    return task


def do_submit_task(
    task: Task,
    *,
    evidence_text: str,
    evidence_file: UploadedFile | None = None,
    actor: Any,
) -> Task:
    """The owner (or anyone who may change the area) reports the work done, with evidence."""
    if not actor.can("change") or not in_scope(actor, task.area.path):
        raise NotFound("task not found")
    evidence_text = (evidence_text or "").strip()
    if not evidence_text and evidence_file is None:
        raise InvalidInput(_("Describe or attach the evidence of the work done."))
    if evidence_file is not None and evidence_file.size and evidence_file.size > MAX_EVIDENCE_BYTES:
        raise InvalidInput(_("The evidence file is larger than 10 MB."))
    with acting(actor), transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        if locked.status != Status.OPEN:
            raise Conflict(_("Only an open task can be submitted."))
        locked.status = Status.SUBMITTED
        locked.evidence_text = evidence_text
        locked.submitted_at = timezone.now()
        locked.submitted_by = actor
        fields = ["status", "evidence_text", "submitted_at", "submitted_by"]
        if evidence_file is not None:
            locked.evidence_file.save(evidence_file.name or "evidence", evidence_file, save=False)
            fields.append("evidence_file")
        locked.save(update_fields=fields)
    return locked


def _check_verifier(task: Task, actor: Any) -> None:
    if not actor.can("verify") or not in_scope(actor, task.area.path):
        raise Forbidden(_("You may not verify tasks."))
    if actor.pk in (task.owner_id, task.submitted_by_id):
        raise Forbidden(_("A task is verified by someone other than its owner and submitter."))


def do_verify_task(task: Task, *, actor: Any) -> Task:
    """Accept the submitted work. Never by the owner or the submitter."""
    if not in_scope(actor, task.area.path):
        raise NotFound("task not found")
    _check_verifier(task, actor)
    with acting(actor), transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        if locked.status != Status.SUBMITTED:
            raise Conflict(_("Only a submitted task can be verified."))
        locked.status = Status.VERIFIED
        locked.verified_at = timezone.now()
        locked.verified_by = actor
        locked.save(update_fields=["status", "verified_at", "verified_by"])
        _run_hooks(locked, "verified", actor)
    return locked


def do_reopen_task(
    task: Task,
    *,
    reason: str,
    deadline: dt.datetime | dt.date | None = None,
    actor: Any,
) -> Task:
    """Send submitted (or verified) work back to its owner, with the reason."""
    if not in_scope(actor, task.area.path):
        raise NotFound("task not found")
    _check_verifier(task, actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the task is reopened."))
    with acting(actor), transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        if locked.status == Status.OPEN:
            raise Conflict(_("The task is already open."))
        locked.status = Status.OPEN
        locked.reopened_count += 1
        locked.last_reopen_reason = reason
        locked.verified_at = None
        locked.verified_by = None
        fields = ["status", "reopened_count", "last_reopen_reason", "verified_at", "verified_by"]
        if deadline is not None:
            locked.deadline = _aware(deadline)
            fields.append("deadline")
        locked.save(update_fields=fields)
        _run_hooks(locked, "reopened", actor)
        _notify_owner(
            locked, "task", say(gettext_noop("Task reopened: %(t)s"), t=_task_title(locked))
        )
    return locked
