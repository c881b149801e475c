import time

__version__ = "0.1.0"
STARTED = time.perf_counter()  # the first import of ours: start-up times in the log count from here
