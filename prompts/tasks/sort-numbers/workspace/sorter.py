"""Sorting step of the nightly readings pipeline."""


def sort_numbers(numbers):
    """Return a new list with the given integers in ascending order."""
    result = list(numbers)
    n = len(result)
    for i in range(n):
        for j in range(n - 1 - i):
            if result[j] > result[j + 1]:
                result[j], result[j + 1] = result[j + 1], result[j]
    return result
