"""`config`: a LiteLLM proxy config -> a migration plan.

The modules follow the data: read (YAML -> typed, located config) -> resolve/ (one deployment -> one
gateway target) -> plan_build (groups, aliases, fallbacks, provider keys, settings findings from settings)
-> plan (the Plan model written to plan.json) -> render (text, markdown, yaml) and env_file. catalog is the
gateway's model catalog, which resolve and the other commands look models up in.
"""
