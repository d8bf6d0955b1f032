# print(1), then stay alive long enough for the benchmark to read the
# process's /proc/PID/smaps_rollup (USS/PSS of a worker running print(1)).
import time

print(1)
time.sleep(1.5)
