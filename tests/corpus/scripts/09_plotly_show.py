# expect: status=ok mime=application/vnd.plotly.v1+json mime=text/html
import pandas as pd
import plotly.express as px
df = pd.read_csv("/work/sales.csv", parse_dates=["date"])
daily = df.groupby("date", as_index=False)["revenue"].sum()
fig = px.line(daily, x="date", y="revenue", title="Daily revenue")
fig.show()
