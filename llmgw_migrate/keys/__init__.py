"""`llmgw-migrate keys`: LiteLLM virtual keys, teams and budgets -> gateway projects, API keys, IAM rules.

Data flows one way: read (source.py records, from the db or the admin API) -> plan (planner.py, using
models.py and durations.py) -> render (render.py, handover.py) -> apply (apply.py, through the master API).
"""
