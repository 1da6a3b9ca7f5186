"""`har label` in a real headless browser (Debian's chromium + chromedriver, via selenium).

The page is driven the way a person labels: key presses to step, mark and
save, clicks to edit and delete; the test then reads the labels.csv on disk.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from conftest import FRAMES, stamp_s

from har_ros.action.labels import LabelInterval, read_label_file

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="no chromium/chromedriver (make setup installs Debian's chromium and "
    "chromium-driver where apt-get can)",
)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        f"--user-data-dir={profile}",
        "--window-size=1400,900",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def start_label(processes, *args: str) -> str:
    proc = processes.start("label", *args, "--port", "0", module="har_ros.cli.main")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"(http://127\.0\.0\.1:\d+/)", processes.output(proc))
        if found:
            return found.group(1)
        assert proc.poll() is None, processes.output(proc)
        time.sleep(0.1)
    raise AssertionError(f"har label printed no address:\n{processes.output(proc)}")


def open_page(browser, url: str, expect: str):
    browser.get(url)
    WebDriverWait(browser, 20).until(
        expected_conditions.text_to_be_present_in_element((By.ID, "message"), expect)
    )
    return browser.find_element(By.TAG_NAME, "body")


def press(browser, *keys: str) -> None:
    body = browser.find_element(By.TAG_NAME, "body")
    for key in keys:
        body.send_keys(key)


def message(browser, expect: str) -> str:
    WebDriverWait(browser, 10).until(
        expected_conditions.text_to_be_present_in_element((By.ID, "message"), expect)
    )
    return browser.find_element(By.ID, "message").text


def test_mark_edit_delete_save_and_reopen(browser, processes, recording_bag):
    url = start_label(processes, str(recording_bag), "--classes", "waiting,opening_door")
    open_page(browser, url, f"{FRAMES} frames, 2 tracks")
    # everyone in view, "waiting", frames 0..9
    press(browser, "1", "[", *[Keys.ARROW_RIGHT] * 9, "]")
    # track 2 (t cycles *, 1, 2), "opening_door", frames 10..30
    press(browser, "2", "t", "t", Keys.ARROW_RIGHT, "[", *[Keys.SHIFT + Keys.ARROW_RIGHT] * 2, "]")
    # a third segment for track 1, deleted again with its button
    press(browser, "t", "t", "[", Keys.ARROW_RIGHT, "]")
    rows = browser.find_elements(By.CSS_SELECTOR, "#segments tr.segment")
    assert len(rows) == 3
    rows[-1].find_element(By.CSS_SELECTOR, "button.del").click()
    assert len(browser.find_elements(By.CSS_SELECTOR, "#segments tr.segment")) == 2
    assert browser.find_element(By.ID, "dirty").is_displayed()
    # the timeline shows the unlabelled part of track 1 (frames 10..39) as a gap
    assert browser.find_elements(By.CSS_SELECTOR, '.row[data-row="1"] .gap')
    # relabel the first segment from its row
    first = browser.find_elements(By.CSS_SELECTOR, "#segments tr.segment")[0]
    Select(first.find_element(By.CSS_SELECTOR, "select.label-select")).select_by_visible_text(
        "opening_door"
    )
    press(browser, "s")
    assert "saved 2 segments" in message(browser, "saved")
    saved = read_label_file(recording_bag / "labels.csv")
    dt = 0.1
    assert saved.intervals == [
        LabelInterval(
            None, pytest.approx(stamp_s(0)), pytest.approx(stamp_s(9) + dt), "opening_door"
        ),
        LabelInterval(
            2, pytest.approx(stamp_s(10)), pytest.approx(stamp_s(30) + dt), "opening_door"
        ),
    ]
    assert float(saved.meta["position"]) == pytest.approx(stamp_s(31))
    # reopening continues where it stopped
    processes.stop_all()
    url = start_label(processes, str(recording_bag))
    open_page(browser, url, "2 segments loaded")
    assert browser.find_element(By.ID, "time").text.startswith(f"frame 32/{FRAMES}")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#segments tr.segment")) == 2


def test_overlapping_segments_are_shown_and_not_saved(browser, processes, recording_bag):
    labels = recording_bag / "labels.csv"
    labels.write_text(
        "# classes: waiting,opening_door\ntrack_id,start,end,label\n"
        f"1,{stamp_s(0)},{stamp_s(5)},waiting\n"
    )
    before = labels.read_text()
    url = start_label(processes, str(recording_bag))
    open_page(browser, url, "1 segments loaded")
    press(browser, "t", "2", *[Keys.ARROW_RIGHT] * 3, "[", *[Keys.ARROW_RIGHT] * 5, "]")
    assert browser.find_elements(By.CSS_SELECTOR, ".seg.overlap")
    press(browser, "s")
    text = message(browser, "not saved")
    assert "overlaps" in text and "unchanged" in text
    assert labels.read_text() == before


def test_a_bad_bag_is_a_clear_message_on_the_page(browser, processes, tmp_path):
    broken = tmp_path / "broken_bag"
    broken.mkdir()
    (broken / "metadata.yaml").write_text("rosbag2_bagfile_information: [")
    url = start_label(processes, str(broken), "--classes", "waiting")
    open_page(browser, url, "cannot read bag")
    assert "Traceback" not in browser.page_source
    assert not browser.find_element(By.ID, "app").is_displayed()


def test_a_label_file_with_an_unknown_class_is_shown_and_left_alone(
    browser, processes, recording_bag
):
    labels = recording_bag / "labels.csv"
    labels.write_text(f"track_id,start,end,label\n1,{stamp_s(0)},{stamp_s(5)},dancing\n")
    url = start_label(processes, str(recording_bag), "--classes", "waiting")
    open_page(browser, url, "dancing")
    text = message(browser, "dancing")
    assert "not in the class list" in text
    assert not browser.find_element(By.ID, "save").is_enabled()
    press(browser, "s")
    assert Path(labels).read_text().endswith(",dancing\n")


def test_a_video_without_people_says_so_on_the_page(browser, processes, tmp_path):
    import cv2
    import numpy as np

    video = tmp_path / "empty_cell.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 10, (320, 240))
    for _ in range(10):
        writer.write(np.zeros((240, 320, 3), np.uint8))
    writer.release()
    url = start_label(processes, str(video), "--classes", "waiting")
    open_page(browser, url, "nobody was found")
    assert "no person to label" in message(browser, "nobody")


def test_a_suggestion_is_accepted_and_saved(browser, processes, tmp_path):
    import subprocess
    import sys

    from har_ros.action.recognizer import DEFAULT_MODEL

    bag = tmp_path / "scenario"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "har_ros.cli.main",
            "synth",
            "--scenario",
            "--out",
            str(bag),
            "--people",
            "1",
            "--seconds",
            "12",
        ],
        check=True,
        capture_output=True,
    )
    (bag / "labels.csv").unlink()  # the generator's truth; the user starts from suggestions
    url = start_label(
        processes,
        str(bag),
        "--prelabel",
        str(DEFAULT_MODEL),
        "--classes",
        "waiting,opening_door,closing_door,extracting_drawers_and_shelves,changing_side",
    )
    open_page(browser, url, "segments loaded")
    rows = browser.find_elements(By.CSS_SELECTOR, "#suggestions tr.suggestion")
    assert rows, "no suggestion shown"
    label = rows[0].find_elements(By.TAG_NAME, "td")[3].text
    rows[0].find_element(By.CSS_SELECTOR, "button.accept").click()
    assert (
        len(browser.find_elements(By.CSS_SELECTOR, "#suggestions tr.suggestion")) == len(rows) - 1
    )
    press(browser, "s")
    message(browser, "saved 1 segments")
    saved = read_label_file(bag / "labels.csv").intervals
    assert [(iv.track_id, iv.label) for iv in saved] == [(1, label)]
