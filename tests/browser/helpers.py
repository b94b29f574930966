"""What the browser tests of the child's form share: a photo to choose and a page that counts
what the child does with it."""

from tests.helpers import photo_bytes


def a_png(name: str = "gate.png") -> dict:
    """A small photo, as Playwright's set_input_files takes it."""
    buffer = photo_bytes(format="PNG", size=(80, 60), exif=False)
    return {"name": name, "mimeType": "image/png", "buffer": buffer}


class Counted:
    """The child's page, counting what the child does with it."""

    def __init__(self, page):
        self.page, self.fills, self.taps = page, 0, 0

    def fill(self, locator, text):
        self.fills += 1
        locator.fill(text)

    def tap(self, locator):
        self.taps += 1
        locator.click()

    def choose_file(self, locator, file):
        self.taps += 1  # the tap on "Choose a photo"; the phone's picker is not the portal's
        locator.set_input_files(file)

    def restart(self):
        counts, self.fills, self.taps = (self.taps, self.fills), 0, 0
        return counts
