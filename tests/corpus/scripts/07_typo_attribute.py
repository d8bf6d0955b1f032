# expect: status=error error=AttributeError
import pandas as pd
df = pd.read_csv("/work/sales.csv")
df.hed()
