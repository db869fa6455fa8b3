"""JavaScript/TypeScript rewrites (tree-sitter): one module per responsibility, run together by
`handler.HANDLER`."""
