"""ROC AUC from scores alone, for the Python scripts under bench/ (numpy only, so a script that needs
no PyTorch does not import it): the Mann-Whitney statistic with ties counted half, as
train/Metrics.java computes it."""
import numpy as np


def auc(normal, anomalous):
    """Probability that an anomalous score is above a normal one, ties counted half."""
    s = np.concatenate([normal, anomalous])
    order = s.argsort(kind="mergesort")
    ranks = np.empty(len(s))
    sorted_s = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    na, nn_ = len(anomalous), len(normal)
    return float((ranks[nn_:].sum() - na * (na + 1) / 2) / (na * nn_))
