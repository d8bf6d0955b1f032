# expect: status=ok stdout~=total stderr~=100%
from tqdm import tqdm
import time

total = 0
for i in tqdm(range(50), desc="Processing"):
    total += i * i
    time.sleep(0.001)
print("total", total)
