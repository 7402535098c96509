"""Aggregate pyinstrument sessions of worker pool processes: self time by library / function,
and the inclusive time of some frames (task run, stage functions, codec, admission...)."""
import glob, sys, os
from collections import Counter
sys.path.insert(0, os.getcwd())
from pyinstrument.session import Session
from bench.profile_hot_path import library_of

def walk(frame, libs, funcs, incl, stack):
    real = [c for c in frame.children if not c.is_synthetic]
    own = frame.time - sum(c.time for c in real)
    key = f"{frame.function} ({frame.file_path_short}:{frame.line_no})"
    if own > 0 and not frame.is_synthetic:
        libs[library_of(frame.file_path or "<built-in>")] += own
        funcs[key] += own
    name = f"{frame.function}@{os.path.basename(frame.file_path or '')}"
    if not frame.is_synthetic and name not in stack:  # inclusive, no double count on recursion
        incl[name] += frame.time
        stack = stack | {name}
    for c in real:
        walk(c, libs, funcs, incl, stack)

files = sorted(glob.glob(sys.argv[1] + "/child-*.pyisession"))
libs, funcs, incl = Counter(), Counter(), Counter()
total = 0.0
for f in files:
    s = Session.load(f)
    total += s.duration
    r = s.root_frame()
    if r is not None:
        walk(r, libs, funcs, incl, frozenset())
print(f"{len(files)} sessions, {total:.1f} s wall in pool processes")
top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
print("\n| library (self) | s | share |\n|---|---:|---:|")
for k, v in libs.most_common(top):
    print(f"| {k} | {v:.2f} | {100*v/total:.1f}% |")
print("\n| function (self) | s | share |\n|---|---:|---:|")
for k, v in funcs.most_common(top):
    print(f"| {k} | {v:.2f} | {100*v/total:.1f}% |")
want = sys.argv[3].split(",") if len(sys.argv) > 3 else []
print("\n| frame (inclusive) | s | share |\n|---|---:|---:|")
for k, v in incl.most_common():
    if any(w in k for w in want):
        print(f"| {k} | {v:.2f} | {100*v/total:.1f}% |")
