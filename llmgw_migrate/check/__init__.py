"""`llmgw-migrate check`: config + code (+ verify) as one CI gate with one exit code and one report."""
