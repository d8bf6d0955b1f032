# expect: status=ok image=1
import seaborn as sns
import pandas as pd
import numpy as np
import matplotlib.pyplot as plt

df = pd.read_csv("/work/sales.csv")
df["price"] = df["revenue"] / df["units"]
corr = df.select_dtypes(include=np.number).corr()
plt.figure(figsize=(6, 5))
sns.heatmap(corr, annot=True, fmt=".2f", cmap="coolwarm")
plt.title("Correlation matrix")
