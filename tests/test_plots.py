"""Log axes: plain labels on matplotlib's own ticks, none on the minor ticks beside labels a
figure set itself."""

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from qbcircuit.plots import tidy_log_axes


def labels(axis):
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


def test_log_axes_get_plain_labels_and_hand_labels_stay():
    figure = Figure()
    FigureCanvasAgg(figure)
    wide, narrow = figure.subplots(1, 2)
    wide.loglog([1, 1000], [1, 1000])
    narrow.loglog([2, 16], [3, 40])
    narrow.set_xticks([2, 4, 8, 16], ["2", "4", "8", "16"])
    tidy_log_axes(figure)
    figure.canvas.draw()
    assert {"1", "10", "100", "1000"} <= set(labels(wide.xaxis))
    assert [t.get_text() for t in wide.xaxis.get_minorticklabels() if t.get_text()] == []
    assert labels(narrow.xaxis) == ["2", "4", "8", "16"]
    assert isinstance(narrow.xaxis.get_minor_formatter(), NullFormatter)
    low, high = sorted(narrow.get_ylim())
    shown = [t for t in narrow.yaxis.get_minor_ticks() if low <= t.get_loc() <= high]
    minor_y = [t.label1.get_text() for t in shown if t.label1.get_text()]
    assert minor_y == ["5", "20"]  # under two decades: the 2s and 5s, plainly
