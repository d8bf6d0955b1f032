# expect: status=error error=ModuleNotFoundError hint~=pip install cannot work
import polars as pl
df = pl.read_csv("/work/sales.csv")
