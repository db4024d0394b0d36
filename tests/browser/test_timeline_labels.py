"""The timeline's labels (calsync.web.pages.timeline), pure: where a mark's title fits
beside it, how it is cut, and that no label covers another mark's point or label."""

from __future__ import annotations

from calsync.web.pages.timeline import LABEL_CHAR, Mark, _cut, _labelled


def _mark(uid: str, x: float, width: float = 0.0, title: str = "Kommunstyrelsen beslutar",
          y: float = 50.0) -> Mark:
    return Mark(uid=uid, title=title, when="2027-06-08", start="2027-06-08", actor="Vindeln",
                level="municipal", kind="decision", status="confirmed", builtin=False,
                x=x, y=y, width=width, color="#000")


def test_a_title_is_cut_after_a_whole_word_or_not_shown() -> None:
    assert _cut("Easter Monday", 20) == "Easter Monday"
    assert _cut("Easter Monday", 8) == "Easter…"
    assert _cut("Easter Monday", 5) == ""           # half a word reads as another word
    assert _cut("abc, def ghi", 6) == "abc…"        # no dangling comma


def test_labels_take_the_room_before_the_next_point_and_never_overlap() -> None:
    marks = _labelled([_mark("a", 200), _mark("b", 330), _mark("c", 900),
                       _mark("d", 205, y=72)])
    by = {m.uid: m for m in marks}
    assert by["a"].label == "Kommunstyrelsen…"        # cut before b's point
    assert by["a"].label_x + len(by["a"].label) * LABEL_CHAR <= 330 - 7
    assert by["c"].label == "Kommunstyrelsen beslutar"  # the whole title: room to the edge
    assert by["d"].label == "Kommunstyrelsen beslutar"  # another row: a's label is no bother


def test_a_point_on_a_bar_is_labelled_and_a_word_that_does_not_fit_is_left_out() -> None:
    bar = _mark("bar", 190, width=800, title="Budget process 2027")
    close = _mark("close", 300)
    on = _mark("on", 400)
    marks = {m.uid: m for m in _labelled([bar, close, on])}
    assert marks["bar"].label == "Budget process…"       # inside the bar, up to a point
    assert marks["close"].label == ""                     # "Kommunstyrelsen" needs 15
    assert marks["on"].label == "Kommunstyrelsen beslutar"  # bars are background
    # two points nearly on top of each other: one label, beside the second
    assert [m.label != "" for m in _labelled([_mark("p", 200), _mark("q", 203)])] == \
        [False, True]
