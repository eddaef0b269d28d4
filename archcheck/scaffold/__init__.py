"""The worker split, generated: plan (a verdict per file), render (jinja2), write (atomic).

``run.run_scaffold`` is the command; ``render.render`` turns a ``ScaffoldRequest`` plus the Go
service's facts (``gotarget.read_target``) into file texts; ``plan`` decides what happens to each
file and ``write.apply`` writes them all or nothing.
"""
