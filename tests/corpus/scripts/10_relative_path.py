# expect: status=error error=FileNotFoundError hint~=/work/sales.csv
import pandas as pd
df = pd.read_csv("sales.csv")
df.head()
