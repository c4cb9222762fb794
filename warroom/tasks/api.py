from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from warroom.core.apiauth import register_object_param
from warroom.core.errors import Forbidden
from warroom.core.users import find_user
from warroom.geo import selectors as geo_selectors
from warroom.tasks import selectors, services
from warroom.tasks.schemas import ReopenIn, SubmitIn, TaskIn, TaskOut

router = Router(tags=["tasks"])
register_object_param("task_id", selectors.get_task)


@router.get("/", response=list[TaskOut], summary="Tasks of your area (mine=true: your own)")
@paginate
def list_tasks(
    request: HttpRequest, mine: bool = False, overdue: bool = False, status: str | None = None
) -> object:
    qs = selectors.my_tasks(request.auth) if mine else selectors.visible_tasks(request.auth)
    if overdue:
        qs = qs.overdue()
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("deadline", "pk")


@router.post("/", response={201: TaskOut}, summary="Open a task")
def create_task(request: HttpRequest, payload: TaskIn) -> object:
    if not request.auth.can("change"):
        raise Forbidden("you may not create tasks")
    area = geo_selectors.get_area(request.auth, payload.area_code)
    owner = find_user(request.auth, payload.owner)
    task = services.do_create_task(
        title=payload.title,
        description=payload.description,
        area=area,
        owner=owner,
        deadline=payload.deadline,
        source_kind=payload.source_kind,
        actor=request.auth,
    )
    return Status(201, task)


@router.get("/{task_id}", response=TaskOut, summary="One task")
def get_task(request: HttpRequest, task_id: int) -> object:
    return selectors.get_task(request.auth, task_id)


@router.post("/{task_id}/submit", response=TaskOut, summary="Submit the work with evidence")
def submit_task(request: HttpRequest, task_id: int, payload: SubmitIn) -> object:
    task = selectors.get_task(request.auth, task_id)
    return services.do_submit_task(task, evidence_text=payload.evidence_text, actor=request.auth)


@router.post("/{task_id}/verify", response=TaskOut, summary="Verify submitted work")
def verify_task(request: HttpRequest, task_id: int) -> object:
    task = selectors.get_task(request.auth, task_id)
    return services.do_verify_task(task, actor=request.auth)


@router.post("/{task_id}/reopen", response=TaskOut, summary="Send the task back to its owner")
def reopen_task(request: HttpRequest, task_id: int, payload: ReopenIn) -> object:
    task = selectors.get_task(request.auth, task_id)
    return services.do_reopen_task(
        task, reason=payload.reason, deadline=payload.deadline, actor=request.auth
    )
