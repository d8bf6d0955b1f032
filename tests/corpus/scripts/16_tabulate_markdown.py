# expect: status=ok stdout~=| region
import pandas as pd
df = pd.read_csv("/work/sales.csv")
print(df.groupby("region")["revenue"].mean().round(1).reset_index().to_markdown(index=False))
