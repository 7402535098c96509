# Temporary profiling hook for newsflow workers (helper 'overhead'); active only with OVERHEAD_PROF_DIR.
import os
_dir = os.environ.get("OVERHEAD_PROF_DIR")
if _dir:
    import time
    from celery.signals import worker_process_init, task_postrun, worker_init, worker_shutdown
    from pyinstrument import Profiler
    _state = {}

    def _save(tag):
        prof = _state.get("p")
        if prof is None:
            return
        session = prof.stop()
        os.makedirs(_dir, exist_ok=True)
        session.save(os.path.join(_dir, f"{tag}-{os.getpid()}-{time.time():.3f}.pyisession"))
        _state["p"] = None

    def _start():
        p = Profiler(interval=0.001, async_mode="disabled")
        p.start()
        _state["p"] = p
        _state["n"] = 0

    @worker_process_init.connect
    def _pinit(**_):
        _start()

    @task_postrun.connect
    def _post(**_):
        _state["n"] = _state.get("n", 0) + 1
        if _state["n"] >= 15:
            _save("child")
            _start()

    @worker_init.connect
    def _winit(**_):
        if os.environ.get("OVERHEAD_PROF_MAIN"):
            _start()
            _state["main"] = True

    @worker_shutdown.connect
    def _wshut(**_):
        if _state.get("main"):
            _save("main")

_cpu_dir = os.environ.get("OVERHEAD_CPU_DIR")
if _cpu_dir:
    import json, time
    from celery.signals import worker_process_init, task_prerun, task_postrun
    _acc = {"stage": 0.0, "task": 0.0, "gate_and_stage_wall": 0.0, "tasks": 0}
    _t = {}

    @worker_process_init.connect
    def _cinit(**_):
        import workers.runtime.stage_task as st
        inner = st.run_stage_batch
        def timed(*a, **k):
            b = time.process_time()
            try:
                return inner(*a, **k)
            finally:
                _acc["stage"] += time.process_time() - b
        st.run_stage_batch = timed

        def metered(name, fn):
            def wrapper(*a, **k):
                b = time.process_time()
                try:
                    return fn(*a, **k)
                finally:
                    _acc[name] = _acc.get(name, 0.0) + time.process_time() - b
            return wrapper
        import workers.runtime.signals as sg
        for rel in ("release_grown_memory", "release_free_memory"):
            if hasattr(sg, rel):
                fn = getattr(sg, rel)
                def counting(*a, _fn=fn, **k):
                    done = _fn(*a, **k)
                    _acc["trims"] = _acc.get("trims", 0) + (1 if done else 0)
                    return done
                setattr(sg, rel, metered("release", counting))
        st._parse = metered("parse", st._parse)
        for enc in ("encode", "encode_message"):
            if hasattr(st, enc):
                setattr(st, enc, metered("encode", getattr(st, enc)))
        st.StageTask._send_next = metered("send", st.StageTask._send_next)
        st.StageTask._admit = metered("admit", st.StageTask._admit)
        _acc["start"] = time.process_time()

    @task_prerun.connect
    def _cpre(**_):
        _t["b"] = time.process_time()

    @task_postrun.connect
    def _cpost(**_):
        now = time.process_time()
        _acc["task"] += now - _t.get("b", now)
        _acc["tasks"] += 1
        _acc["proc"] = now - _acc.get("start", now)
        os.makedirs(_cpu_dir, exist_ok=True)
        with open(os.path.join(_cpu_dir, f"{os.getpid()}.json"), "w") as f:
            json.dump(_acc, f)
