# expect: status=ok stdout~=[0, 1, 4, 9, 16, 25, 36, 49]
from multiprocessing import Pool


def square(x):
    return x * x


if __name__ == "__main__":
    with Pool(2) as pool:
        print(pool.map(square, range(8)))
