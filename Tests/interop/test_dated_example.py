"""scripts/dated-example.py, which moves the example activity to the real clock:
instants moved into the half hour before now, in order, and the report day the last one's in
China."""
import datetime
import importlib.util
import re

from conftest import ROOT

spec = importlib.util.spec_from_file_location("dated_example", ROOT / "scripts/dated-example.py")
dated_example = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dated_example)


def test_the_example_moves_into_the_last_half_hour_in_order():
    text = (ROOT / "examples/activity.yaml").read_text(encoding="utf-8")
    # 23:50 in Chongqing: the instants stay on that day, the report with them.
    now = datetime.datetime(2031, 6, 15, 15, 50, tzinfo=datetime.timezone.utc)
    moved = dated_example.dated(text, now)
    before = [dated_example.parse(found) for found in dated_example.INSTANT.findall(text)]
    after = [dated_example.parse(found) for found in dated_example.INSTANT.findall(moved)]
    assert len(after) == len(before) > 4
    assert all(now - datetime.timedelta(minutes=30) <= instant < now for instant in after)
    order = sorted(range(len(before)), key=lambda index: (before[index], index))
    assert [after[index] for index in order] == sorted(after), "the same order"
    assert re.search(r"issued_on: 2031-06-15\b", moved)
    assert moved.count("\n") == text.count("\n"), "nothing else changes"
