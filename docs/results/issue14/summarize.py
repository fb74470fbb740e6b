#!/usr/bin/env python3
"""Prints one markdown row per sweep/*.json run (issue 14): the run's
settings, its selected and last-epoch test AUC, and from -history the
epoch-8 numbers (what an 8-epoch run would give at its last epoch)."""
import glob, json, os, sys

def row(path):
    r = json.load(open(path))
    c = r["config"]
    out = []
    for run in r["runs"]:
        h = run.get("history") or []
        e8 = next((x for x in h if x["epoch"] == 8), None)
        name = os.path.basename(path)[:-5]
        net = c.get("Net") or "-"
        if net == "resnet18":
            net = "w%d" % c.get("Width", 0)
        out.append("| %s | %s | %s | %g | %g | %s | %d | %d | %.3f | %.3f | %.3f | %s | %s | %s |" % (
            name, run["method"], net, run["lambda"], run["learning_rate"], c.get("Dilate") or 7 if c["Dataset"] == "crosses" else "-",
            run["seed"], run["best_epoch"], run["test_auc"], run["test_accuracy"], run["last_epoch_test_auc"],
            "%.3f/%.3f" % (run["train_accuracy"], run["final_train_accuracy"]),
            "%.3f (train %.3f)" % (e8["test_auc"], e8["train_accuracy"]) if e8 else "–",
            "%.3f @%d" % max((x["test_auc"], x["epoch"]) for x in h) if h else "–"))
    return out

def table(paths):
    print("| run | method | net | λ | lr | dilation side | seed | selected epoch | test AUC (selected) | test accuracy (selected) | test AUC (last epoch) | train accuracy (selected/last) | epoch 8: test AUC | best test AUC over epochs |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for p in paths:
        for line in row(p):
            print(line)


def group(paths):
    """Mean ± sd (over every run in paths) of the selected and last-epoch
    test AUC and accuracy: the tuned rows of docs/results.md."""
    import statistics as st
    runs = [run for p in paths for run in json.load(open(p))["runs"]]
    def ms(key):
        xs = [r[key] for r in runs]
        return "%.3f ± %.3f" % (st.mean(xs), st.stdev(xs) if len(xs) > 1 else 0)
    return "%s seeds %s: test AUC %s, accuracy %s; last epoch test AUC %s, accuracy %s; train accuracy (last) %s; selected epochs %s" % (
        runs[0]["method"], [r["seed"] for r in runs], ms("test_auc"), ms("test_accuracy"),
        ms("last_epoch_test_auc"), ms("last_epoch_test_accuracy"), ms("final_train_accuracy"), [r["best_epoch"] for r in runs])


if __name__ == "__main__":
    # summarize.py [files]: the table; summarize.py -g a.json,b.json ...: one
    # line of mean ± sd per comma-separated group.
    args = sys.argv[1:]
    if args and args[0] == "-g":
        for g in args[1:]:
            print(group(g.split(",")))
    else:
        table(args or sorted(glob.glob(os.path.join(os.path.dirname(__file__) or ".", "sweep", "*.json"))))
