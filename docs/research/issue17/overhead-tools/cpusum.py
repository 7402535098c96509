import json, sys, glob, os
n = int(sys.argv[2]); files = sys.argv[1:2]
groups = {}
for f in sorted(glob.glob(sys.argv[1] + "/*.json")):
    d = json.load(open(f)); key = round(os.path.getmtime(f) / 60)  # one worker run's pool processes end together
    g = groups.setdefault(key, {})
    for k, v in d.items():
        if k not in ("start", "gate_and_stage_wall"):
            g[k] = g.get(k, 0) + v
for key, g in groups.items():
    out = {k: round(1000 * v / n, 2) for k, v in g.items() if k != "tasks"}
    out["in-task outside stages"] = round(1000 * (g["task"] - g["stage"]) / n, 2)
    out["outside tasks"] = round(1000 * (g["proc"] - g["task"]) / n, 2)
    print(g["tasks"], "tasks", json.dumps(out))
