"""Small statistics helpers used by the weekly metrics report."""


def mean(values):
    """Return the arithmetic mean of a non-empty list of numbers."""
    return sum(values) / len(values)


def median(values):
    """Return the median of a non-empty list of numbers.

    For an odd number of values this is the middle value once sorted.
    For an even number of values it is the mean of the two middle values.
    The input list must not be modified.
    """
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    if n % 2 == 1:
        return ordered[mid]
    return (ordered[mid] + ordered[mid + 1]) / 2
