from har_ros.ros.drops import Drops


class Log:
    def __init__(self):
        self.lines = []

    def warning(self, text):
        self.lines.append(("warning", text))

    def error(self, text):
        self.lines.append(("error", text))


def test_every_drop_counts_but_each_kind_logs_once_per_period():
    log = Log()
    drops = Drops(log, "malformed", "oversized", every_s=60.0)
    for _ in range(3):
        drops.drop("malformed", "dropped a malformed SkeletonArray")
    drops.drop("oversized", "refused 6 people", error=True)
    assert drops.counts == {"malformed": 3, "oversized": 1}
    assert log.lines == [
        ("warning", "dropped a malformed SkeletonArray (1 malformed so far)"),
        ("error", "refused 6 people (1 oversized so far)"),
    ]


def test_a_kind_logs_again_after_its_period():
    log = Log()
    drops = Drops(log, every_s=0.0)
    drops.drop("late", "a")
    drops.drop("late", "b")
    assert [text for _, text in log.lines] == ["a (1 late so far)", "b (2 late so far)"]
