"""Python rewrites (libcst): one module per rule family, run together by `handler.HANDLER`."""
