print("limbic")
