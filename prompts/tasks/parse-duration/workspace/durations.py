"""Helpers for the time-tracking export."""


def parse_duration(text):
    """Return the number of minutes in a duration string.

    A duration is an optional hours part followed by an optional minutes
    part, each a whole number followed by "h" or "m", with at least one
    of the two present. Surrounding whitespace is ignored.

        parse_duration("3h20m") == 200
        parse_duration("45m") == 45
        parse_duration("2h") == 120
        parse_duration(" 1h5m ") == 65

    Raise ValueError for anything else, for example "", "abc", "5",
    "20m3h" or "h".
    """
    raise NotImplementedError("parse_duration is not written yet")
