# expect: status=ok image=1
import pandas as pd
import seaborn as sns
import matplotlib.pyplot as plt

df = pd.read_csv("/work/sales.csv")
sns.set_theme(style="whitegrid")
plt.figure(figsize=(8, 5))
sns.histplot(data=df, x="revenue", hue="region", bins=20, kde=True)
plt.title("Revenue distribution by region")
plt.show()
