"""The worksheet functions OMXL_EOQ, OMXL_SAFETY_STOCK, OMXL_REORDER_POINT and OMXL_ROUND_UP_TO_PACK (and that
OMXL_CROSTON, OMXL_SBA, OMXL_TSB, OMXL_LOSS_FUNCTION and OMXL_FILL_RATE_K are registered), called
as Excel calls them (numbers as float, a blank cell as None, text as str): the policy's figures, worked out
here by hand, and an error text in the cell for input that is not a number or that the policy refuses (a
negative safety stock or quantity)."""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest

from omxl.excel import functions
import omxl.excel.xlwings_adapter as adapter

INTERMITTENT = [0.0, 3.0, 0.0, 0.0, 5.0, 0.0, 2.0]   # weekly demand: Croston 3.08 / 2.09, SBA 1.4, TSB 0.73935092


def test_eoq():
    # sqrt(2 * 1,000 units a year * 50 per order / 2.50 holding per unit and year) = sqrt(40,000)
    assert functions.omxl_eoq(1000.0, 50.0, 2.5) == 200.0
    assert functions.omxl_eoq(0.0, 50.0, 2.5) == 0.0
    assert functions.omxl_eoq(1200.0, 30.0, 4.0) == pytest.approx(math.sqrt(2 * 1200 * 30 / 4))


def test_safety_stock():
    z = NormalDist().inv_cdf(0.95)   # 1.6449
    # Lead time 9 days, daily demand deviation 4: z * sqrt(9 * 16) = z * 12
    assert functions.omxl_safety_stock(0.95, 4.0, 9.0) == pytest.approx(z * 12)
    assert functions.omxl_safety_stock(0.95, 4.0, 9.0) == pytest.approx(19.7382, abs=1e-4)
    # With lead-time variability: mean demand 10 a day, lead time deviation 2 days: z * sqrt(9*16 + 100*4)
    assert functions.omxl_safety_stock(0.95, 4.0, 9.0, 10.0, 2.0) == pytest.approx(z * math.sqrt(144 + 400))
    # Optional arguments pointing at blank cells count as 0.
    assert functions.omxl_safety_stock(0.95, 4.0, 9.0, None, None) == pytest.approx(z * 12)


def test_reorder_point():
    assert functions.omxl_reorder_point(10.0, 14.0, 25.0) == 165.0   # 10 a day * 14 days + 25
    assert functions.omxl_reorder_point(10.0, 14.0, 0.0) == 140.0    # no safety stock: the lead-time demand


def test_round_up_to_pack():
    assert functions.omxl_round_up_to_pack(13.0, 6.0) == 18.0
    assert functions.omxl_round_up_to_pack(12.0, 6.0) == 12.0
    assert functions.omxl_round_up_to_pack(5.1, 0.1) == 5.1          # no 5.2 from floating-point noise
    assert functions.omxl_round_up_to_pack(13.0, None) == 13.0       # no pack size: as it is
    assert functions.omxl_round_up_to_pack(0.0, 6.0) == 0.0           # nothing to order: no pack


@pytest.mark.parametrize("call, shown", [
    (lambda: functions.omxl_eoq("abc", 50.0, 2.5), "#VALUE! annual demand is 'abc', not a number"),
    (lambda: functions.omxl_eoq(1000.0, None, 2.5), "#VALUE! ordering cost is blank: enter a number"),
    (lambda: functions.omxl_eoq(1000.0, 50.0, "  "), "#VALUE! holding cost is blank: enter a number"),
    (lambda: functions.omxl_eoq(1000.0, 50.0, 0.0), "#NUM! holding cost must be above 0"),
    (lambda: functions.omxl_eoq(-5.0, 50.0, 2.5), "#NUM! annual demand and ordering cost cannot be negative"),
    (lambda: functions.omxl_eoq(True, 50.0, 2.5), "#VALUE! annual demand is 'True', not a number"),
    (lambda: functions.omxl_safety_stock(95.0, 4.0, 9.0),
     "#NUM! service level must be between 0 and 1, e.g. 0.95 for 95%"),
    (lambda: functions.omxl_safety_stock(0.95, "n/a", 9.0), "#VALUE! demand standard deviation is 'n/a', not a number"),
    (lambda: functions.omxl_safety_stock(0.95, 4.0, -1.0),
     "#NUM! standard deviations and lead time cannot be negative"),
    (lambda: functions.omxl_reorder_point(10.0, None, 25.0), "#VALUE! lead time is blank: enter a number"),
    (lambda: functions.omxl_reorder_point(10.0, 14.0, -25.0), "#NUM! safety stock cannot be negative: enter 0 for none"),
    (lambda: functions.omxl_reorder_point(-10.0, 14.0, 25.0), "#NUM! demand mean and lead time cannot be negative"),
    (lambda: functions.omxl_reorder_point(10.0, -14.0, 25.0), "#NUM! demand mean and lead time cannot be negative"),
    (lambda: functions.omxl_round_up_to_pack("12 pcs", 6.0), "#VALUE! quantity is '12 pcs', not a number"),
    (lambda: functions.omxl_round_up_to_pack(-13.0, 6.0), "#NUM! quantity cannot be negative"),
    (lambda: functions.omxl_round_up_to_pack(-13.0, None), "#NUM! quantity cannot be negative"),
    (lambda: functions.omxl_eoq(float("nan"), 50.0, 2.5), "#NUM! annual demand is not a finite number"),
])
def test_bad_input_is_an_error_text_in_the_cell(call, shown):
    assert call() == shown


def test_the_registered_functions_call_these():
    # On Windows xlwings registers them with Excel (@xw.func); elsewhere the decorator leaves them as they are.
    assert adapter.OMXL_EOQ(1000.0, 50.0, 2.5) == 200.0
    assert adapter.OMXL_SAFETY_STOCK(0.95, 4.0, 9.0) == pytest.approx(19.7382, abs=1e-4)
    assert adapter.OMXL_REORDER_POINT(10.0, 14.0, 25.0) == 165.0
    assert adapter.OMXL_ROUND_UP_TO_PACK(13.0, 6.0) == 18.0
    assert adapter.OMXL_ROUND_UP_TO_PACK(None, 6.0) == "#VALUE! quantity is blank: enter a number"
    assert adapter.OMXL_ROUND_UP_TO_PACK(-1.0, 6.0) == "#NUM! quantity cannot be negative"
    assert adapter.OMXL_REORDER_POINT(10.0, 14.0, -1.0) == "#NUM! safety stock cannot be negative: enter 0 for none"
    # The intermittent-demand and fill-rate functions (tests/test_demand_methods.py checks them in full).
    assert adapter.OMXL_CROSTON(INTERMITTENT, 0.1) == pytest.approx(1.4736842105, abs=1e-9)
    assert adapter.OMXL_SBA(INTERMITTENT) == pytest.approx(1.4, abs=1e-12)
    assert adapter.OMXL_TSB(INTERMITTENT, 0.1, 0.1) == pytest.approx(0.73935092, abs=1e-12)
    assert adapter.OMXL_LOSS_FUNCTION(0.0) == pytest.approx(0.3989422804, abs=1e-9)
    assert adapter.OMXL_FILL_RATE_K(0.99, 500.0, 100.0) == pytest.approx(1.2556, abs=1e-4)
    assert adapter.OMXL_FILL_RATE_K(0.99, 500.0, None) == \
        "#VALUE! demand standard deviation over the lead time is blank: enter a number"
    assert adapter.OMXL_CROSTON([1.0, None]) == \
        "#VALUE! period 2 of the demand is blank: enter 0 for a period without demand"
