"""Worksheet functions over omxl.reorder, for formulas in Excel (docs/macros.md, Worksheet functions):

    =OMXL_EOQ(B2, B3, B4)    =OMXL_SAFETY_STOCK(0.95, B5, B6)    =OMXL_REORDER_POINT(B7, B6, C2)
    =OMXL_ROUND_UP_TO_PACK(C4, B8)
    =OMXL_CROSTON(B2:B53, 0.1)    =OMXL_SBA(B2:B53, 0.1)    =OMXL_TSB(B2:B53, 0.1, 0.1)
    =OMXL_LOSS_FUNCTION(1.26)    =OMXL_FILL_RATE_K(0.99, 500, 100)

xlwings registers them (omxl/excel/xlwings_adapter.py, Windows Excel); here they are plain functions. Excel
hands a cell over as xlwings converts it: a number as float, a blank cell as None, text as str. A cell that is
not a number gives an error text in the cell ("#VALUE! ordering cost is blank: enter a number"), never a
Python traceback; a result the policy cannot give (a holding cost of 0, a negative safety stock or quantity)
gives "#NUM! ..." with the reason. A demand range (one row or one column of periods) comes over as a list, or a
list of one-cell rows; a single cell as the number itself.
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


def omxl_croston(demand: Any, alpha: Any = 0.1) -> Result:
    """Croston's forecast per period after a range of per-period demand: smoothed demand size / smoothed interval
    between demands (alpha 0.1 unless given)."""
    return _intermittent(reorder.croston, demand, ("alpha", alpha))


def omxl_sba(demand: Any, alpha: Any = 0.1) -> Result:
    """The Syntetos-Boylan approximation: (1 - alpha / 2) x Croston's forecast (alpha 0.1 unless given)."""
    return _intermittent(reorder.sba, demand, ("alpha", alpha))


def omxl_tsb(demand: Any, alpha_demand: Any = 0.1, alpha_probability: Any = 0.1) -> Result:
    """The TSB forecast: smoothed probability of demand in a period x smoothed demand size (alphas 0.1 unless
    given)."""
    return _intermittent(reorder.tsb, demand, ("alpha for the demand", alpha_demand),
                         ("alpha for the probability", alpha_probability))


def omxl_loss_function(k: Any) -> Result:
    """The standard normal loss function G(k) = phi(k) - k * (1 - Phi(k))."""
    numbers = _numbers(("k", k))
    if isinstance(numbers, str):
        return numbers
    return reorder.loss_function(numbers[0])


def omxl_fill_rate_k(fill_rate: Any, order_qty: Any, demand_std_lead_time: Any) -> Result:
    """The safety factor k for a fill rate beta: sigma_DL * G(k) = (1 - beta) * Q (it may be negative)."""
    numbers = _numbers(("fill rate", fill_rate), ("order quantity", order_qty),
                       ("demand standard deviation over the lead time", demand_std_lead_time))
    if isinstance(numbers, str):
        return numbers
    beta, qty, sigma = numbers
    if not 0 < beta < 1:
        return "#NUM! fill rate must be between 0 and 1, e.g. 0.98 for 98%"
    if qty <= 0:
        return "#NUM! order quantity must be above 0"
    if sigma <= 0:
        return "#NUM! demand standard deviation over the lead time must be above 0"
    return reorder.fill_rate_k(beta, qty, sigma)


def _intermittent(method: Any, demand: Any, *alphas: tuple[str, Any]) -> Result:
    """Runs a demand method on a range of per-period demand, with the error text for the first bad cell."""
    periods = _periods(demand)
    if isinstance(periods, str):
        return periods
    numbers = _numbers(*((name, _default_alpha(value)) for name, value in alphas))
    if isinstance(numbers, str):
        return numbers
    for (name, _), value in zip(alphas, numbers):
        if not 0 < value <= 1:
            return f"#NUM! {name} must be above 0 and at most 1, e.g. 0.1"
    return method(periods, *numbers)


def _default_alpha(value: Any) -> Any:
    """A smoothing constant left out (or pointing at a blank cell) is 0.1, the methods' default."""
    return 0.1 if value is None else value


def _periods(demand: Any) -> list[float] | str:
    """The demand range as one list of numbers: a row or a column of cells, blanks refused (a blank week could be
    no demand or a range running past the data; 0 says which)."""
    if not isinstance(demand, (list, tuple)):
        cells = [demand]
    elif all(isinstance(row, (list, tuple)) for row in demand):
        # xlwings hands a 2-D range over as rows; one column of rows or one row is fine, a block is not.
        if len(demand) > 1 and any(len(row) != 1 for row in demand):
            return "#VALUE! the demand must be one row or one column of periods"
        cells = [cell for row in demand for cell in row]
    else:
        cells = list(demand)
    if not cells:
        return "#VALUE! the demand range is empty"
    found = []
    for number, value in enumerate(cells, start=1):
        if value is None or (isinstance(value, str) and not value.strip()):
            return f"#VALUE! period {number} of the demand is blank: enter 0 for a period without demand"
        checked = _numbers((f"period {number} of the demand", value))
        if isinstance(checked, str):
            return checked
        if checked[0] < 0:
            return f"#NUM! period {number} of the demand is negative: demand cannot be below 0"
        found.append(checked[0])
    return found


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
