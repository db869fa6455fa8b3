"""Code rewrites: the engine (discover, prefilter, parallel run, diff, atomic write) and the handlers."""
