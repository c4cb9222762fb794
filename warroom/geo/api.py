from django.http import HttpRequest
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from warroom.core.errors import Forbidden
from warroom.core.uploads import run_import
from warroom.geo import selectors, services
from warroom.geo.models import Area, Level
from warroom.geo.schemas import AreaDetailOut, AreaImportOut, AreaOut

router = Router(tags=["areas"])


class AreaFilter(Schema):
    level: Level | None = None
    q: str | None = None


@router.get("/", response=list[AreaOut], summary="Areas you may see")
@paginate
def list_areas(request: HttpRequest, filters: Query[AreaFilter]) -> object:
    qs = selectors.visible_areas(request.auth).select_related("parent")
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.q:
        qs = qs.filter(name_zh__contains=filters.q) | qs.filter(name_en__icontains=filters.q)
    return qs.order_by("path")


@router.post("/import", response=AreaImportOut, summary="Import a city's areas from CSV or Excel")
def import_areas(request: HttpRequest, file: File[UploadedFile]) -> object:
    if not request.auth.can("manage_areas"):
        raise Forbidden("only headquarters may import the area tree")
    return run_import(services.do_import_areas, file, actor=request.auth)


@router.get("/{code}", response=AreaDetailOut, summary="One area with its ancestors")
def get_area(request: HttpRequest, code: str) -> object:
    area = selectors.get_area(request.auth, code)
    area.ancestors = selectors.ancestors(request.auth, area)  # type: ignore[attr-defined]
    area.counts = selectors.level_counts(request.auth, area)  # type: ignore[attr-defined]
    return area


@router.get("/{code}/children", response=list[AreaOut], summary="The children of an area")
def area_children(request: HttpRequest, code: str) -> object:
    area = selectors.get_area(request.auth, code)
    return selectors.children(request.auth, area).select_related("parent")


@router.get("/{code}/subtree", response=list[AreaOut], summary="Every area under an area")
@paginate
def area_subtree(request: HttpRequest, code: str, level: Level | None = None) -> object:
    area = selectors.get_area(request.auth, code)
    return selectors.subtree(request.auth, area, level=level).select_related("parent")


__all__ = ["Area", "router"]
