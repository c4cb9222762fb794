"""The colours of the certification statuses, shared by every map that draws them.

The maps themselves are :mod:`warroom.situation.maps` (boundaries from
:mod:`warroom.geo.shapes`, no tiles and no CDN): the communities' map page draws the
compounds on them, the command dashboard the districts (or a district's streets).
"""

from __future__ import annotations

STATUS_COLOURS: dict[str, str] = {
    "certified": "#1a7f37",
    "not_certified": "#b3261e",
    "unknown": "#8c959f",
}
