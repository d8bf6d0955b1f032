"""One small real task per library, run inside the jail by tests/libraries/run.

Each task returns True when the library did its job; the result of every
task is printed as one JSON object {name: "ok" | error text}.
"""

import io
import json
import sys
import traceback


def t_pandas():
    import pandas as pd
    df = pd.DataFrame({"g": ["a", "b", "a"], "v": [1.0, 2.0, 3.0]})
    return df.groupby("g").v.mean().to_dict() == {"a": 2.0, "b": 2.0}


def t_numpy():
    import numpy as np
    return np.allclose(np.linalg.solve([[2.0, 0], [0, 4.0]], [2.0, 8.0]), [1, 2])


def t_matplotlib():
    import matplotlib
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(4, 3), dpi=50)
    ax.plot([1, 2, 3], [1, 4, 9])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return matplotlib.get_backend().lower() == "agg" and buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def t_seaborn():
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns
    df = pd.DataFrame({"x": range(50), "g": ["a", "b"] * 25})
    ax = sns.histplot(data=df, x="x", hue="g")
    plt.savefig("/out/seaborn.png")
    plt.close("all")
    return len(ax.patches) > 0 and open("/out/seaborn.png", "rb").read(4) == b"\x89PNG"


def t_plotly():
    import plotly.graph_objects as go
    fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
    return json.loads(fig.to_json())["data"][0]["type"] == "bar"


def t_scipy():
    from scipy import optimize
    return abs(optimize.minimize_scalar(lambda x: (x - 2) ** 2).x - 2) < 1e-4


def t_statsmodels():
    import numpy as np
    import statsmodels.api as sm
    x = np.arange(20.0)
    res = sm.OLS(3 * x + 1, sm.add_constant(x)).fit()
    return np.allclose(res.params, [1, 3])


def t_sympy():
    import sympy
    x = sympy.Symbol("x")
    return sympy.integrate(x ** 2, x) == x ** 3 / 3


def t_numba():
    # the JIT writes machine code into anonymous memory and makes it executable
    import numba
    import numpy as np

    @numba.njit
    def total(a):
        s = 0.0
        for v in a:
            s += v
        return s
    return total(np.arange(10.0)) == 45.0


def t_numexpr():
    import numexpr
    import numpy as np
    a = np.arange(5.0)
    return np.allclose(numexpr.evaluate("2 * a + 1"), 2 * a + 1)


def t_patsy():
    import numpy as np
    import patsy
    m = patsy.dmatrix("x + I(x ** 2)", {"x": np.array([1.0, 2.0, 3.0])})
    return m.shape == (3, 3)


def t_joblib():
    from joblib import Parallel, delayed
    return Parallel(n_jobs=2)(delayed(pow)(i, 2) for i in range(6)) == [0, 1, 4, 9, 16, 25]


def t_threadpoolctl():
    import numpy  # noqa: F401 - loads OpenBLAS
    from threadpoolctl import threadpool_info, threadpool_limits
    with threadpool_limits(limits=1):
        return isinstance(threadpool_info(), list)


def t_sklearn():
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    x, y = make_classification(n_samples=200, random_state=0)
    return LogisticRegression(max_iter=200).fit(x, y).score(x, y) > 0.8


def t_skimage():
    import numpy as np
    from skimage import filters
    img = np.zeros((20, 20))
    img[:, 10:] = 1.0
    return filters.sobel(img)[:, 9:11].max() > 0.1


def t_xgboost():
    import numpy as np
    import xgboost
    x = np.arange(100.0).reshape(-1, 1)
    m = xgboost.XGBRegressor(n_estimators=20, max_depth=2, n_jobs=1).fit(x, 2 * x.ravel())
    return abs(float(m.predict(np.array([[50.0]]))[0]) - 100) < 10


def t_networkx():
    import networkx as nx
    g = nx.Graph([(1, 2), (2, 3), (3, 4), (1, 4)])
    return nx.shortest_path_length(g, 1, 3) == 2


def t_openpyxl():
    import openpyxl
    wb = openpyxl.Workbook()
    wb.active.append(["a", 1])
    wb.save("/tmp/t.xlsx")
    return openpyxl.load_workbook("/tmp/t.xlsx").active["B1"].value == 1


def t_xlrd():
    import openpyxl
    import xlrd   # 1.2 reads .xlsx as well as .xls
    wb = openpyxl.Workbook()
    wb.active.append(["x", 2.5])
    wb.save("/tmp/r.xlsx")
    return xlrd.open_workbook("/tmp/r.xlsx").sheet_by_index(0).cell_value(0, 1) == 2.5


def t_xlsxwriter():
    import pandas as pd
    pd.DataFrame({"a": [1, 2]}).to_excel("/out/x.xlsx", engine="xlsxwriter", index=False)
    return pd.read_excel("/out/x.xlsx")["a"].tolist() == [1, 2]


def t_tabulate():
    from tabulate import tabulate
    return tabulate([["a", 1]], tablefmt="github").splitlines()[-1] == "| a | 1 |"


def t_tqdm():
    from tqdm import tqdm
    err = io.StringIO()
    return sum(tqdm(range(100), file=err)) == 4950 and "100/100" in err.getvalue()


def t_PIL():
    from PIL import Image, ImageDraw
    img = Image.new("RGB", (30, 20), "white")
    ImageDraw.Draw(img).line((0, 0, 29, 19), fill="red")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return Image.open(io.BytesIO(buf.getvalue())).size == (30, 20)


def t_bs4():
    from bs4 import BeautifulSoup
    return BeautifulSoup("<ul><li>a</li><li>b</li></ul>", "html.parser").find_all("li")[1].text == "b"


def t_lxml():
    from lxml import etree
    return etree.fromstring("<r><i n='1'/><i n='2'/></r>").xpath("count(//i)") == 2


def t_optuna():
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(lambda tr: (tr.suggest_float("x", -1, 1)) ** 2, n_trials=5)
    return len(study.trials) == 5


def main():
    names = sys.argv[1:] or [n[2:] for n in globals() if n.startswith("t_")]
    out = {}
    for name in names:
        try:
            out[name] = "ok" if globals()["t_" + name]() else "wrong answer"
        except Exception:  # noqa: BLE001 - the failure is the result
            out[name] = traceback.format_exc()[-1500:]
    print(json.dumps(out))


main()
