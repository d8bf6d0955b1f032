# expect: status=ok image=1 stdout~=saved
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

df = pd.read_csv("/work/sales.csv")
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
df["revenue"].hist(ax=axes[0], bins=30)
axes[0].set_title("Revenue")
axes[1].scatter(df["units"], df["revenue"], alpha=0.5)
axes[1].set_title("Units vs revenue")
plt.tight_layout()
plt.savefig("/out/overview.png", dpi=100)
print("saved /out/overview.png")
