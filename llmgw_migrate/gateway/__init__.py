"""An embedded, LLM Gateway-compatible server: routes like the gateway would with a migrated plan.

`app.create_app(plan, settings)` builds the ASGI app; `server.serve_in_thread(...)` runs it for tests and
`verify`; `llmgw-migrate gateway` runs it from the command line.
"""
