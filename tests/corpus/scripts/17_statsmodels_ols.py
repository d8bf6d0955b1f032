# expect: status=ok main=text/html stdout~=coef
import pandas as pd
import statsmodels.formula.api as smf
df = pd.read_csv("/work/sales.csv")
model = smf.ols("revenue ~ units + C(region)", data=df).fit()
print(model.params.rename("coef"))
model.summary()
