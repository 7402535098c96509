"""The worker side: the stage tasks and their policy, per-process resources, the models loaded
before the pool forks, metrics, memory release, Celery signals and the periodic sweep."""
