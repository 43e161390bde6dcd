"""Worksheet functions over omxl.reorder, for formulas in Excel (docs/macros.md, Worksheet functions):

    =OMXL_EOQ(B2, B3, B4)    =OMXL_SAFETY_STOCK(0.95, B5, B6)    =OMXL_REORDER_POINT(B7, B6, C2)
    =OMXL_ROUND_UP_TO_PACK(C4, B8)

xlwings registers them (omxl/excel/xlwings_adapter.py, Windows Excel); here they are plain functions. Excel
hands a cell over as xlwings converts it: a number as float, a blank cell as None, text as str. A cell that is
not a number gives an error text in the cell ("#VALUE! ordering cost is blank: enter a number"), never a
Python traceback; a result the policy cannot give (a holding cost of 0, a negative safety stock or quantity)
gives "#NUM! ..." with the reason.
"""

from __future__ import annotations

import math
from typing import Any

from .. import reorder

Result = float | str


def omxl_eoq(annual_demand: Any, ordering_cost: Any, holding_cost: Any) -> Result:
    """Economic order quantity sqrt(2DK/h): annual demand D (units a year), cost per order K, holding cost h
    per unit and year."""
    numbers = _numbers(("annual demand", annual_demand), ("ordering cost", ordering_cost),
                       ("holding cost", holding_cost))
    if isinstance(numbers, str):
        return numbers
    demand, cost, holding = numbers
    if holding <= 0:
        return "#NUM! holding cost must be above 0"
    if demand < 0 or cost < 0:
        return "#NUM! annual demand and ordering cost cannot be negative"
    return reorder.eoq(demand, cost, holding)


def omxl_safety_stock(service_level: Any, demand_std: Any, lead_time: Any, demand_mean: Any = 0.0,
                      lead_time_std: Any = 0.0) -> Result:
    """z * sqrt(L * s^2 + d^2 * sL^2): service level (0.95), the demand's standard deviation per day, lead time
    in days, and optionally the mean daily demand and the lead time's standard deviation in days."""
    numbers = _numbers(("service level", service_level), ("demand standard deviation", demand_std),
                       ("lead time", lead_time), ("demand mean", _default(demand_mean)),
                       ("lead time standard deviation", _default(lead_time_std)))
    if isinstance(numbers, str):
        return numbers
    level, std, lead, mean, lead_std = numbers
    if not 0 < level < 1:
        return "#NUM! service level must be between 0 and 1, e.g. 0.95 for 95%"
    if std < 0 or lead < 0 or lead_std < 0:
        return "#NUM! standard deviations and lead time cannot be negative"
    return reorder.safety_stock(level, std, lead, mean, lead_std)


def omxl_reorder_point(demand_mean: Any, lead_time: Any, safety_stock: Any) -> Result:
    """d * L + SS: mean daily demand, lead time in days, safety stock."""
    numbers = _numbers(("demand mean", demand_mean), ("lead time", lead_time), ("safety stock", safety_stock))
    if isinstance(numbers, str):
        return numbers
    mean, lead, safety = numbers
    if mean < 0 or lead < 0:
        return "#NUM! demand mean and lead time cannot be negative"
    if safety < 0:
        return "#NUM! safety stock cannot be negative: enter 0 for none"
    return reorder.reorder_point(mean, lead, safety)


def omxl_round_up_to_pack(qty: Any, pack_size: Any) -> Result:
    """`qty` rounded up to whole packs of `pack_size`; a blank or non-positive pack size leaves it as it is."""
    numbers = _numbers(("quantity", qty), ("pack size", 0.0 if pack_size is None else pack_size))
    if isinstance(numbers, str):
        return numbers
    quantity, pack = numbers
    if quantity < 0:
        # Rounding a negative amount "up" to packs would order less than nothing; it is a wrong cell, not an order.
        return "#NUM! quantity cannot be negative"
    return reorder.round_up_to_pack(quantity, pack)


def _default(value: Any) -> Any:
    """An optional argument left out (or pointing at a blank cell) counts as 0."""
    return 0.0 if value is None else value


def _numbers(*named: tuple[str, Any]) -> list[float] | str:
    """The arguments as floats, or the error text for the first one that is not a number."""
    found = []
    for name, value in named:
        if value is None or (isinstance(value, str) and not value.strip()):
            return f"#VALUE! {name} is blank: enter a number"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            shown = str(value) if len(str(value)) <= 30 else str(value)[:29] + "…"
            return f"#VALUE! {name} is '{shown}', not a number"
        if not math.isfinite(value):
            return f"#NUM! {name} is not a finite number"
        found.append(float(value))
    return found
