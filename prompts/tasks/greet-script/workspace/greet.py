import sys


def main():
    name = sys.argv[1]
    raise NotImplementedError(f"greet.py does not greet {name} yet")


if __name__ == "__main__":
    main()
