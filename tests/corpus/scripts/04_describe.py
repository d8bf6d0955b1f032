# expect: status=ok main=text/plain stdout~=Shape
import pandas as pd
df = pd.read_csv("/work/sales.csv")
print("Shape:", df.shape)
print(df.dtypes)
df.describe()
