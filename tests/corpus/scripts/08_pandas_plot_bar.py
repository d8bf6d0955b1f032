# expect: status=ok image=1
import pandas as pd
df = pd.read_csv("/work/sales.csv")
ax = df.groupby("region")["revenue"].sum().sort_values().plot(kind="barh", figsize=(6, 4), title="Revenue by region")
ax.set_xlabel("Revenue");
