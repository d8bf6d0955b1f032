# expect: status=ok file=summary.xlsx stdout~=Saved
import pandas as pd

df = pd.read_csv("/work/sales.csv")
summary = df.groupby("region").agg(total_revenue=("revenue", "sum"), orders=("revenue", "count")).reset_index()
with pd.ExcelWriter("/out/summary.xlsx", engine="openpyxl") as writer:
    summary.to_excel(writer, sheet_name="Summary", index=False)
    df.head(100).to_excel(writer, sheet_name="Raw", index=False)
print("Saved summary to /out/summary.xlsx")
