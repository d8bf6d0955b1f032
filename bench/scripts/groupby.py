# A pandas groupby on 100k generated rows (seeded: same work every run).
import numpy as np
import pandas as pd

rng = np.random.default_rng(0)
n = 100_000
df = pd.DataFrame({
    "key": rng.integers(0, 1000, n),
    "cat": rng.choice(list("abcdef"), n),
    "x": rng.normal(size=n),
    "y": rng.random(n),
})
g = df.groupby(["cat", "key"]).agg(x_mean=("x", "mean"), x_std=("x", "std"),
                                   y_sum=("y", "sum"), n=("x", "size"))
top = g.sort_values("y_sum", ascending=False).head(5)
print("groups", len(g), "rows", int(g["n"].sum()), "y_sum", round(float(g["y_sum"].sum()), 4))
print(top.round(4).to_string())
