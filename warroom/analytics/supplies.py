"""Supplies and medical waste: need, allocation by priority, days of stock, waste backlog.

Pure (NumPy only). The platform's ``warroom.supplies`` and ``warroom.waste`` apps load the
figures, call these functions and store what they return.

**Allocation rule (documented in docs/supplies.md).** Available stock of each item is
given out tier by tier: the need of ICU beds first, then SEVERE, then GENERAL and SHELTER
beds, then QUARANTINE rooms (``TIERS``). A tier whose whole need fits in what is left is
served in full; the first tier that does not fit shares what is left *in proportion to
need* (every facility of the tier gets the same fraction of its need; whole units by the
largest remainder, ties to the lower facility index), and the tiers after it get nothing.
This is the unique lexicographic optimum of "serve as many units as possible to tier 0,
then to tier 1, ..." with, inside the binding tier, the max-min fair split of fill ratios
rounded to whole units. It is computed in closed form (no iteration), exactly, for every
item at once; the property tests check it against HiGHS (``scipy.optimize.linprog``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from warroom.analytics.vocabulary import BedType

__all__ = [
    "NORMS_PER_BED_DAY",
    "TIERS",
    "SupplyAllocation",
    "WasteBacklog",
    "allocate_supplies",
    "daily_need",
    "days_of_stock",
    "waste_backlog",
]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

# Priority tiers of the allocation: ICU first (the rule), then severe wards, then
# general and shelter beds, then quarantine rooms.
TIERS: tuple[tuple[str, ...], ...] = (
    (BedType.ICU.name,),
    (BedType.SEVERE.name,),
    (BedType.GENERAL.name, BedType.SHELTER.name),
    (BedType.QUARANTINE.name,),
)

# Consumption per occupied bed-day, by bed type: PLANNING ASSUMPTIONS, not published
# norms. The ward figures are the twin's (warroom/twin/parameters.py, supply_per_bed_day:
# "assumptions of the right order of magnitude"), scaled by the staff intensity of the
# ward: ICU ×2 (one nurse per bed and shift changes of full PPE every 4 hours, against
# about one per 3 beds on general wards, NHC 2020 staffing guidance for critical care),
# SEVERE ×1.5, SHELTER ×0.5 (mild patients, open halls), QUARANTINE rooms ×0.1 (staff
# see each room once or twice a day). Ventilators and ECMO are counted as units in use
# per bed (devices, not consumables). A headquarters replaces these with its own norms.
NORMS_PER_BED_DAY: dict[str, dict[str, float]] = {
    "protective_suit": {
        "ICU": 2.4,
        "SEVERE": 1.8,
        "GENERAL": 1.2,
        "SHELTER": 0.6,
        "QUARANTINE": 0.12,
    },
    "n95_mask": {"ICU": 6.0, "SEVERE": 4.5, "GENERAL": 3.0, "SHELTER": 1.5, "QUARANTINE": 0.3},
    "surgical_mask": {"ICU": 8.0, "SEVERE": 8.0, "GENERAL": 6.0, "SHELTER": 4.0, "QUARANTINE": 2.0},
    "goggles": {"ICU": 0.6, "SEVERE": 0.45, "GENERAL": 0.3, "SHELTER": 0.15, "QUARANTINE": 0.03},
    "face_shield": {"ICU": 1.0, "SEVERE": 0.6, "GENERAL": 0.3, "SHELTER": 0.1, "QUARANTINE": 0.0},
    "gloves_pair": {
        "ICU": 20.0,
        "SEVERE": 15.0,
        "GENERAL": 10.0,
        "SHELTER": 5.0,
        "QUARANTINE": 1.0,
    },
    "disinfectant": {"ICU": 1.0, "SEVERE": 0.8, "GENERAL": 0.5, "SHELTER": 0.5, "QUARANTINE": 0.2},
    "ventilator": {"ICU": 0.8, "SEVERE": 0.1, "GENERAL": 0.0, "SHELTER": 0.0, "QUARANTINE": 0.0},
    "ecmo": {"ICU": 0.05, "SEVERE": 0.0, "GENERAL": 0.0, "SHELTER": 0.0, "QUARANTINE": 0.0},
}


def daily_need(occupied: FloatArray, norms: FloatArray) -> FloatArray:
    """Need per facility, tier and item for one day.

    Parameters
    ----------
    occupied : array of shape (F, B)
        Occupied beds per facility and bed type (columns in the order of ``bed types``
        the caller used for ``norms``).
    norms : array of shape (B, I)
        Units per occupied bed-day, per bed type and item.

    Returns
    -------
    array of shape (F, B, I): the units each facility needs for each bed type and item.
    """
    occ = np.asarray(occupied, dtype=float)
    nm = np.asarray(norms, dtype=float)
    if occ.ndim != 2 or nm.ndim != 2 or occ.shape[1] != nm.shape[0]:
        raise ValueError("occupied must be (F, B) and norms (B, I) with the same B")
    if (occ < 0).any() or (nm < 0).any():
        raise ValueError("occupied beds and norms must be non-negative")
    out: FloatArray = occ[:, :, None] * nm[None, :, :]
    return out


@dataclass(frozen=True)
class SupplyAllocation:
    """``amount[f, i]``: units of item i proposed for facility f; ``by_tier[t, f, i]`` the
    same split by priority tier; ``unmet[f, i]`` need left unserved; ``binding_tier[i]``
    the first tier not served in full (``len(tiers)`` when every need was met)."""

    amount: IntArray
    by_tier: IntArray
    unmet: IntArray
    binding_tier: IntArray


def allocate_supplies(need: IntArray, stock: IntArray) -> SupplyAllocation:
    """Allocate ``stock[i]`` units of each item to ``need[t, f, i]`` (tier, facility, item).

    Tier 0 first; the first tier that does not fit shares what is left in proportion to
    need (largest remainder, ties to the lower index); later tiers get nothing. See the
    module docstring for why this is the exact lexicographic optimum.
    """
    nd = np.asarray(need)
    st = np.asarray(stock)
    if nd.ndim != 3:
        raise ValueError("need must be an array of shape (tiers, facilities, items)")
    if st.shape != (nd.shape[2],):
        raise ValueError("stock must have one entry per item")
    if not (np.issubdtype(nd.dtype, np.integer) and np.issubdtype(st.dtype, np.integer)):
        raise ValueError("need and stock must be whole units (integers)")
    if (nd < 0).any() or (st < 0).any():
        raise ValueError("need and stock must be non-negative")
    nd = nd.astype(np.int64)
    left = st.astype(np.int64).copy()
    n_tiers, n_fac, n_items = nd.shape
    out = np.zeros_like(nd)
    binding = np.full(n_items, n_tiers, dtype=np.int64)
    for t in range(n_tiers):
        demand = nd[t]  # (F, I)
        total = demand.sum(axis=0)
        fits = total <= left
        out[t][:, fits] = demand[:, fits]
        short = np.flatnonzero(~fits & (left > 0) & (total > 0))
        for i in short:
            d = demand[:, i]
            exact = d * left[i] / total[i]  # each facility's share of what is left
            base = np.floor(exact).astype(np.int64)
            rest = int(left[i] - base.sum())
            if rest:
                frac = exact - base
                order = np.lexsort((np.arange(n_fac), -frac))  # largest remainder, lower index
                base[order[:rest]] += 1
            out[t][:, i] = base
        newly_binding = (~fits) & (binding == n_tiers)
        binding[newly_binding] = t
        left = left - out[t].sum(axis=0)
        left[binding <= t] = 0  # tiers after the binding one get nothing
    return SupplyAllocation(
        amount=out.sum(axis=0),
        by_tier=out,
        unmet=(nd - out).sum(axis=0),
        binding_tier=binding,
    )


def days_of_stock(stock: FloatArray, per_day: FloatArray) -> FloatArray:
    """Days the stock lasts at ``per_day`` use; ``inf`` where nothing is used."""
    s = np.asarray(stock, dtype=float)
    u = np.asarray(per_day, dtype=float)
    if s.shape != u.shape:
        raise ValueError("stock and per_day must have the same shape")
    if (u < 0).any():
        raise ValueError("use per day must be non-negative")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(u > 0, s / np.where(u > 0, u, 1.0), np.inf)


@dataclass(frozen=True)
class WasteBacklog:
    """Per day (axis -1): waste in storage at the cut-off, the part of it generated two or
    more days before (stored over 48 h) and the age in days of the oldest stored waste
    (-1 when nothing is stored)."""

    backlog: FloatArray
    over_48h: FloatArray
    oldest_days: IntArray


def waste_backlog(
    generated: FloatArray, disposed: FloatArray, *, tol: float = 1e-9
) -> WasteBacklog:
    """Backlog of medical waste, first in first out (日产日清).

    ``generated[..., d]`` and ``disposed[..., d]`` are the tonnes of day d (the same shape;
    leading axes are sources). Waste is collected oldest first, so at day D's cut-off the
    stored waste generated on or before day d is ``max(0, G[d] − Dis[D])`` with G and Dis
    cumulative. Waste of day D−2 or earlier still stored at D's cut-off (24:00) has been
    stored at least 48 hours: that is ``over_48h``. Disposing more than was generated is
    refused (a plant cannot burn what nobody produced).
    """
    g = np.asarray(generated, dtype=float)
    d = np.asarray(disposed, dtype=float)
    if g.shape != d.shape:
        raise ValueError("generated and disposed must have the same shape")
    if (g < 0).any() or (d < 0).any():
        raise ValueError("tonnes must be non-negative")
    cg = np.cumsum(g, axis=-1)
    cd = np.cumsum(d, axis=-1)
    if (cd > cg + 1e-6).any():
        raise ValueError("more waste disposed than generated")
    backlog = np.clip(cg - cd, 0.0, None)
    n = g.shape[-1]
    older = np.zeros_like(cg)
    if n > 2:
        older[..., 2:] = cg[..., :-2]
    over = np.clip(older - cd, 0.0, None)
    over[over < tol] = 0.0
    backlog[backlog < tol] = 0.0
    # Oldest stored waste: the first day whose cumulative generation exceeds what was
    # disposed by D.
    oldest = np.full(g.shape, -1, dtype=np.int64)
    days = np.arange(n)
    flat_cg = cg.reshape(-1, n)
    flat_cd = cd.reshape(-1, n)
    flat_old = oldest.reshape(-1, n)
    for r in range(flat_cg.shape[0]):
        first = np.searchsorted(flat_cg[r], flat_cd[r] + tol, side="right")
        stored = first <= days
        flat_old[r] = np.where(stored & (backlog.reshape(-1, n)[r] > 0), days - first, -1)
    return WasteBacklog(backlog=backlog, over_48h=over, oldest_days=oldest)
