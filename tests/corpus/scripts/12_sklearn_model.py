# expect: status=ok stdout~=R^2
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import train_test_split

df = pd.read_csv("/work/sales.csv")
X = pd.get_dummies(df[["units", "region"]], columns=["region"])
y = df["revenue"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
model = RandomForestRegressor(n_estimators=50, random_state=42).fit(X_train, y_train)
print(f"R^2: {model.score(X_test, y_test):.3f}")
pd.Series(model.feature_importances_, index=X.columns).sort_values(ascending=False)
