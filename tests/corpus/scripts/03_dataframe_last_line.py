# expect: status=ok main=text/html main=text/plain
import pandas as pd

df = pd.read_csv("/work/sales.csv", parse_dates=["date"])
df["month"] = df["date"].dt.to_period("M")
df.groupby(["month", "region"])["revenue"].sum().unstack()
