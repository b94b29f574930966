"""Demo data for the directory: practice bases, programmes and their figures, discussion topics
(being written)."""


def seed() -> None:
    return
