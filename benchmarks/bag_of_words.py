"""A non-recurrent reference for the text experiments: TF-IDF + logistic regression.

Same deduplicated documents and the same stratified split (val/test 0.15,
split_seed 1234) as news_gru and sentiment_*; run: python benchmarks/bag_of_words.py
"""
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from rnnbench.data.text import documents, split_documents

for name in ("news", "sentiment"):
    texts, labels, classes, _, _ = documents(name)
    idx = split_documents(labels, {"val": 0.15, "test": 0.15}, 1234)
    vec = TfidfVectorizer(max_features=20000, sublinear_tf=True)
    xtr = vec.fit_transform([texts[i] for i in idx["train"]])
    clf = LogisticRegression(max_iter=2000, C=10.0).fit(xtr, labels[idx["train"]])
    acc = np.mean(clf.predict(vec.transform([texts[i] for i in idx["test"]])) == labels[idx["test"]])
    print(name, len(idx["train"]), len(idx["test"]), f"test accuracy {acc:.4f}")
